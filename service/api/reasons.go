package api

// Reason is a stable code for why a tunnel failed, reconnects or ended.
// The CLI and the GUI choose their advice by it; the text for people is
// the event's Message. New codes may be added: treat an unknown one like
// ReasonOther.
type Reason string

// Reasons.
const (
	// ReasonAuthFailed: the server refused the credentials.
	ReasonAuthFailed Reason = "auth_failed"
	// ReasonCertRejected: the server refused our client certificate
	// (revoked, expired, signed by another CA).
	ReasonCertRejected Reason = "cert_rejected"
	// ReasonServerUntrusted: the server's certificate is not the one the
	// profile trusts.
	ReasonServerUntrusted Reason = "server_untrusted"
	// ReasonUnreachable: no server of the profile answered.
	ReasonUnreachable Reason = "unreachable"
	// ReasonTooManyUsers: another user is logged in; cvpn runs tunnels for
	// one person at a time.
	ReasonTooManyUsers Reason = "too_many_users"
	// ReasonUserGuard: the service could not tell who is logged in, so it
	// ended the tunnels rather than risk sharing them.
	ReasonUserGuard Reason = "user_guard_failed"
	// ReasonRouteConflict: the tunnel's routes or addresses overlap another
	// tunnel's.
	ReasonRouteConflict Reason = "route_conflict"
	// ReasonSAMLTimeout: the browser sign-in was not finished in time.
	ReasonSAMLTimeout Reason = "saml_timeout"
	// ReasonPromptTimeout: nobody answered a prompt in time (no CLI or GUI
	// was following the tunnel).
	ReasonPromptTimeout Reason = "prompt_timeout"
	// ReasonCanceled: the user declined a prompt.
	ReasonCanceled Reason = "canceled"
	// ReasonServerExit: the server ended the session (HALT, exit
	// notification, ping-exit).
	ReasonServerExit Reason = "server_exit"
	// ReasonSessionExpired: the server's session time limit ran out
	// (session-timeout; AWS's maximum session duration): the user signs
	// in again.
	ReasonSessionExpired Reason = "session_expired"
	// ReasonNetworkError: the connection to the server broke (no packets,
	// a reset, a network change).
	ReasonNetworkError Reason = "network_error"
	// ReasonBadPassphrase: the private key's passphrase was wrong.
	ReasonBadPassphrase Reason = "bad_passphrase"
	// ReasonNeedPassphrase: the private key needs a passphrase and nobody
	// could be asked.
	ReasonNeedPassphrase Reason = "passphrase_needed"
	// ReasonNeedCredentials: the profile needs a username and password and
	// nobody could be asked.
	ReasonNeedCredentials Reason = "credentials_needed"
	// ReasonNegotiation: the server and the profile cannot agree on the
	// data channel (cipher, key derivation, compression).
	ReasonNegotiation Reason = "negotiation_failed"
	// ReasonServiceStopping: the cvpn service is stopping.
	ReasonServiceStopping Reason = "service_stopping"
	// ReasonOther: none of the above; Message says what happened.
	ReasonOther Reason = "other"
)
