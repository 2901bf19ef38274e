package usersession

import "github.com/cvpn/cvpn/service/api"

// advice is what the user can do about each way a tunnel ends, worded for
// any front end (the CLI adds its flags where they help).
var advice = map[api.Reason]string{
	api.ReasonAuthFailed:      "check the username and password",
	api.ReasonCertRejected:    "the server refused this client's certificate (revoked, expired or from another CA): ask the VPN administrator for a new profile",
	api.ReasonServerUntrusted: "the server is not the one the profile trusts: check the profile's <ca> or ask the VPN administrator",
	api.ReasonUnreachable:     "check the network connection and that the server address in the profile is right",
	api.ReasonTooManyUsers:    "cvpn runs tunnels for one logged-in user at a time: log the other users out, then connect again",
	api.ReasonUserGuard:       "the service could not tell who is logged in; see the service's log (cvpn logs)",
	api.ReasonRouteConflict:   "another tunnel uses the same addresses: disconnect it first",
	api.ReasonSAMLTimeout:     "finish signing in within the time allowed, in the browser window that opened, then connect again",
	api.ReasonPromptTimeout:   "nobody answered the sign-in: connect from the cvpn app or a terminal to be asked",
	api.ReasonServerExit:      "the server ended the session; connect again, or ask the VPN administrator if it keeps happening",
	api.ReasonNetworkError:    "check the network connection",
	api.ReasonSessionExpired:  "the server allows sessions of limited length: sign in again when asked",
	api.ReasonBadPassphrase:   "type the passphrase the key was protected with (if it was saved, it was deleted and is asked again), or check the key with `openssl pkey -in key.pem -noout`",
	api.ReasonNeedPassphrase:  "connect from the cvpn app or a terminal to be asked for the passphrase",
	api.ReasonNeedCredentials: "connect from the cvpn app or a terminal to be asked for the username and password",
	api.ReasonNegotiation:     "the server and the profile disagree on the data channel's cipher or compression: ask the VPN administrator",
	api.ReasonServiceStopping: "start the cvpn service again, then connect",
}

// Advice says what to do about reason, or "" when there is nothing to say
// (the user canceled; a reason this version does not know).
func Advice(reason api.Reason) string { return advice[reason] }

// Explain is message followed by the advice for reason, if any, as one
// sentence for a terminal or a notification.
func Explain(message string, reason api.Reason) string {
	a := Advice(reason)
	switch {
	case a == "":
		return message
	case message == "":
		return a
	}
	return message + "; " + a
}
