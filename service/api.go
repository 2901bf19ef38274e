package service

import (
	"github.com/cvpn/cvpn/tunnel"
)

// The local API, version 1: HTTP+JSON over the service's socket or pipe.
// Requests and responses are the types below; errors are an ErrorBody with
// a non-2xx status. Adding fields is compatible; anything else needs /v2.
const (
	PathStatus     = "/v1/status"      // GET → StatusBody
	PathConnect    = "/v1/connect"     // POST ConnectBody → tunnel.Status
	PathDisconnect = "/v1/disconnect"  // POST DisconnectBody → StatusBody
	PathEvents     = "/v1/events"      // GET → a stream of tunnel.Event, one JSON object per line
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
	// another program removes or changes them (tunnel.Request.EnforceRoutes).
	EnforceRoutes bool `json:"enforce_routes,omitempty"`
}

// DisconnectBody names the tunnel to stop; empty stops all of them.
type DisconnectBody struct {
	Name string `json:"name,omitempty"`
}

// StatusBody is the service's state.
type StatusBody struct {
	Version string          `json:"version"`
	Tunnels []tunnel.Status `json:"tunnels"`
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

// Prompt is the Prompt of an EventPrompt: the service needs credentials
// for a tunnel and waits for an AnswerBody with the same ID.
type Prompt struct {
	ID     string `json:"id"`
	Tunnel string `json:"tunnel"`
	// Kind is "userpass", "challenge", "passphrase" (the password of the
	// profile's private key or PKCS#12 bundle) or "proxy" (the username and
	// password of the proxy named in Proxy).
	Kind    string `json:"kind"`
	Message string `json:"message,omitempty"`
	// Username is known already (from the profile or the challenge).
	Username    string `json:"username,omitempty"`
	AskUsername bool   `json:"ask_username,omitempty"`
	AskPassword bool   `json:"ask_password,omitempty"`
	// Challenge is the text of a static (with the password) or dynamic
	// challenge; Echo says whether the answer may be shown while typed.
	Challenge string `json:"challenge,omitempty"`
	Echo      bool   `json:"echo,omitempty"`
	// Retry is the server's reason when asking again after a failure:
	// saved credentials must not be offered again.
	Retry string `json:"retry,omitempty"`
	// Proxy is the proxy's host:port for a "proxy" prompt.
	Proxy string `json:"proxy,omitempty"`
}

// AnswerBody answers a Prompt. Cancel declines, which stops the tunnel.
type AnswerBody struct {
	ID       string `json:"id"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Response string `json:"response,omitempty"`
	Cancel   bool   `json:"cancel,omitempty"`
}

// ErrorBody is every error response. Code lets scripts and the GUI decide
// without parsing Message.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"error"`
}

// Error codes.
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
	CodeInternal         = "internal"
)
