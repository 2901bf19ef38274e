package api

// The local API, version 1. Requests and responses are the types below;
// errors are an ErrorBody with a non-2xx status.
const (
	PathStatus     = "/v1/status"      // GET → StatusBody
	PathConnect    = "/v1/connect"     // POST ConnectBody → Status
	PathDisconnect = "/v1/disconnect"  // POST DisconnectBody → StatusBody
	PathEvents     = "/v1/events"      // GET → a stream of Event, one JSON object per line
	PathAnswer     = "/v1/answer"      // POST AnswerBody → 204
	PathLogs       = "/v1/logs"        // GET ?follow=1&lines=N → the diagnostic log as text
	PathLogsExport = "/v1/logs/export" // GET → a zip of the logs and facts about the service
)

// ConnectBody asks for a tunnel. The profile travels as text and is parsed
// (and checked: no file references, no directives that run programs) by
// the service, never trusted as parsed by the client.
type ConnectBody struct {
	Name    string `json:"name"`
	Profile string `json:"profile"`
	// Device names the TUN device; empty for the default.
	Device string `json:"device,omitempty"`
	// NoKeyExport is the connect --no-ekm diagnostic.
	NoKeyExport bool `json:"no_key_export,omitempty"`
	// EnforceRoutes puts the tunnel's routes and DNS settings back when
	// another program removes or changes them.
	EnforceRoutes bool `json:"enforce_routes,omitempty"`
	// WebAuth says the user's side answers "webauth" prompts by opening
	// the page in a browser, so the server may offer sign-in on a web
	// page (OpenVPN's WEB_AUTH).
	WebAuth bool `json:"web_auth,omitempty"`
	// NoReconnect ends the tunnel when its connection drops, instead of
	// reconnecting: its last state says so (the user's auto-reconnect
	// setting, off).
	NoReconnect bool `json:"no_reconnect,omitempty"`
	// LogLevel is LogLevelInfo ("" too) or LogLevelDebug, which logs this
	// tunnel's packet-level detail in the service's diagnostic log, within
	// the log's usual size limits. Any other value is refused.
	LogLevel string `json:"log_level,omitempty"`
}

// Log levels of ConnectBody.LogLevel.
const (
	LogLevelInfo  = "info"
	LogLevelDebug = "debug"
)

// DisconnectBody names the tunnel to stop; empty stops all of them.
type DisconnectBody struct {
	Name string `json:"name,omitempty"`
}

// StatusBody is the service's state.
type StatusBody struct {
	Version string   `json:"version"`
	Tunnels []Status `json:"tunnels"`
	// Sessions is how the one-user guard sees the machine: which source
	// it read ("logind", "utmp", "none") and who is logged in.
	Sessions SessionsInfo `json:"sessions"`
}

// SessionsInfo is the one-user guard's view.
type SessionsInfo struct {
	Backend string   `json:"backend"`
	Users   []string `json:"users"`
	Error   string   `json:"error,omitempty"`
}

// MaxAnswerSize bounds an AnswerBody. A SAML assertion posted by an IdP
// is often above 100 KB and grows with group claims; the answer must
// carry it whole, so the limit is generous.
const MaxAnswerSize = 4 << 20

// AnswerBody answers a Prompt with the same ID. Cancel declines, which
// stops the tunnel; Reason then says why (ReasonCanceled when empty), so
// that a sign-in the user never finished ends as ReasonSAMLTimeout, not as
// a plain cancel.
type AnswerBody struct {
	ID       string `json:"id"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// Response answers a challenge; for a PromptSAML it is the
	// SAMLResponse the IdP posted.
	Response string `json:"response,omitempty"`
	Cancel   bool   `json:"cancel,omitempty"`
	Reason   Reason `json:"reason,omitempty"`
}

// ErrorBody is every error response. Code lets scripts and the GUI decide
// without parsing Message.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"error"`
}

// Error codes of an ErrorBody.
const (
	CodeBadRequest       = "bad_request"
	CodeInvalidProfile   = "invalid_profile"
	CodePermission       = "permission_denied"
	CodeAlreadyConnected = "already_connected"
	CodeNotConnected     = "not_connected"
	CodeTooMany          = "too_many_tunnels"
	CodeConflict         = "route_conflict"
	CodeTooManyUsers     = "too_many_users"
	CodeNoPrompt         = "no_such_prompt"
	CodeBusy             = "busy" // refused for load, not for who is asking: try again
	// CodePolicy: the administrator's policy forbids it (a server not
	// allowed, max_tunnels); the message names the setting, its source
	// and the fix, which is the administrator's.
	CodePolicy   = "policy"
	CodeInternal = "internal"
)
