// Package usersession is what the user's side does around a connection,
// the same for the CLI and the GUI: it asks the service for a tunnel and
// follows it until it is connected or gone (Connect), answers the
// service's prompts with the keyring policy (Answerer: saved credentials
// first, only the one-time code asked when the password is saved, a
// refused password deleted), runs browser sign-ins in the user's own
// process (SAML, web auth), and says what to do about each reason a
// tunnel ends (Advice).
//
// The user interface is behind Asker: the CLI implements it on the
// terminal, the GUI with dialogs. The package reaches the service only
// through service/client and never imports the engine: it runs as the
// user, not as root.
package usersession
