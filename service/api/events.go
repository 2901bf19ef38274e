package api

import "time"

// EventKind says what an Event reports.
type EventKind string

// Event kinds.
const (
	EventState       EventKind = "state"        // a state change; State and Status are set
	EventStats       EventKind = "stats"        // periodic counters while connected; Status is set
	EventWarning     EventKind = "warning"      // something worth knowing that does not stop the tunnel
	EventAuthFailure EventKind = "auth-failure" // the server refused the credentials
	EventInfo        EventKind = "info"         // a message from the server
	EventLog         EventKind = "log"          // a diagnostic line (already redacted)
	EventNotice      EventKind = "notice"       // a message from the service itself (e.g. the user guard)
	EventPrompt      EventKind = "prompt"       // the service needs an answer; Prompt is set
)

// Event is one thing that happened to a tunnel (or to the service, when
// Tunnel is empty).
type Event struct {
	Time    time.Time `json:"time"`
	Kind    EventKind `json:"kind"`
	Tunnel  string    `json:"tunnel,omitempty"`
	State   State     `json:"state,omitempty"`
	Message string    `json:"message,omitempty"`
	// Reason classifies why a tunnel is reconnecting or ended (on
	// EventState with StateReconnecting or StateDisconnected); empty when
	// the user asked for the end. Message is the text for people.
	Reason Reason  `json:"reason,omitempty"`
	Status *Status `json:"status,omitempty"`
	Prompt *Prompt `json:"prompt,omitempty"`
}

// State is where a tunnel is in its life. The values are the engine's
// state names.
type State string

// States, in the order a connection goes through them.
const (
	StateIdle           State = "idle"
	StateResolving      State = "resolving"
	StateConnecting     State = "connecting"
	StateHandshake      State = "handshake"
	StateAuthenticating State = "authenticating"
	StateGettingConfig  State = "getting-config"
	StateConnected      State = "connected"
	StateReconnecting   State = "reconnecting"
	StateExiting        State = "exiting"
	StateDisconnected   State = "disconnected"
)

// States lists every State, so the service's tests can check that each
// engine state has its constant here.
var States = []State{StateIdle, StateResolving, StateConnecting, StateHandshake, StateAuthenticating,
	StateGettingConfig, StateConnected, StateReconnecting, StateExiting, StateDisconnected}

// Status is a tunnel as the CLI and GUI show it.
type Status struct {
	Profile  string `json:"profile"`
	Device   string `json:"device"`
	State    State  `json:"state"`
	Detail   string `json:"detail,omitempty"`
	AuthMode string `json:"auth_mode"`
	// Remote is the server in use or being tried, Proto its transport.
	Remote string `json:"remote,omitempty"`
	Proto  string `json:"proto,omitempty"`
	Cipher string `json:"cipher,omitempty"`
	IPv4   string `json:"ipv4,omitempty"`
	IPv6   string `json:"ipv6,omitempty"`
	// DNS is the name resolution the tunnel set, in words; empty when it
	// set none.
	DNS string `json:"dns,omitempty"`
	// Started is when Connect was called; ConnectedSince when the current
	// connection came up (nil while not connected).
	Started        time.Time  `json:"started"`
	ConnectedSince *time.Time `json:"connected_since,omitempty"`
	TxBytes        uint64     `json:"tx_bytes"`
	RxBytes        uint64     `json:"rx_bytes"`
	TxPackets      uint64     `json:"tx_packets"`
	RxPackets      uint64     `json:"rx_packets"`
	Reconnects     uint64     `json:"reconnects"`
	// Owner is the uid that connected the tunnel, -1 if unknown.
	Owner int `json:"owner"`
	// LastError is why the last attempt failed, if it did, and
	// LastReason its class.
	LastError  string `json:"last_error,omitempty"`
	LastReason Reason `json:"last_reason,omitempty"`
}

// PromptKind says what a Prompt asks for.
type PromptKind string

// Prompt kinds.
const (
	// PromptUserPass asks for what AskUsername and AskPassword say, and
	// with a Challenge (a static challenge) also for the Response.
	PromptUserPass PromptKind = "userpass"
	// PromptChallenge asks for the Response to the server's dynamic
	// challenge (Challenge, Echo).
	PromptChallenge PromptKind = "challenge"
	// PromptPassphrase asks for the Password of the profile's private key
	// or PKCS#12 bundle.
	PromptPassphrase PromptKind = "passphrase"
	// PromptProxy asks for the Username and Password of the proxy named
	// in Proxy.
	PromptProxy PromptKind = "proxy"
	// PromptSAML asks the user's side to sign in through the browser at
	// URL (AWS Client VPN's federated login) and answer with the
	// SAMLResponse the IdP posts back, as Response. The browser and the
	// listener run in the user's process, never in the service.
	PromptSAML PromptKind = "saml"
	// PromptWebAuth asks the user's side to open URL in a browser
	// (OpenVPN's WEB_AUTH / OPEN_URL); the answer carries nothing, the
	// server decides once the user is done there.
	PromptWebAuth PromptKind = "webauth"
)

// Prompt is the Prompt of an EventPrompt: the service needs something
// from the user for a tunnel and waits for an AnswerBody with the same ID.
type Prompt struct {
	ID      string     `json:"id"`
	Tunnel  string     `json:"tunnel"`
	Kind    PromptKind `json:"kind"`
	Message string     `json:"message,omitempty"`
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
	// Proxy is the proxy's host:port for a PromptProxy.
	Proxy string `json:"proxy,omitempty"`
	// URL is the page to open for PromptSAML and PromptWebAuth.
	URL string `json:"url,omitempty"`
}
