package openvpn

import "fmt"

// State is where a Session is in its life. The states and the transitions
// between them are data (see transitions), so documentation and the UI can
// show them and tests can check that the engine never takes an edge that is
// not in the table.
type State uint8

const (
	StateIdle           State = iota // created, not started
	StateResolving                   // looking up the remote's address
	StateConnecting                  // opening the transport
	StateHandshake                   // TLS handshake and key exchange
	StateAuthenticating              // waiting for the server to accept the credentials
	StateGettingConfig               // waiting for PUSH_REPLY
	StateConnected                   // traffic flows
	StateReconnecting                // lost the server; waiting before the next attempt
	StateExiting                     // saying goodbye to the server
	StateDisconnected                // finished; Wait returns
)

var stateNames = [...]string{
	StateIdle:           "idle",
	StateResolving:      "resolving",
	StateConnecting:     "connecting",
	StateHandshake:      "handshake",
	StateAuthenticating: "authenticating",
	StateGettingConfig:  "getting-config",
	StateConnected:      "connected",
	StateReconnecting:   "reconnecting",
	StateExiting:        "exiting",
	StateDisconnected:   "disconnected",
}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", s)
}

// MarshalText makes State readable in JSON.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// transitions lists every edge the engine may take. Any state may go to
// Exiting (the user disconnects) or Disconnected (a fatal error).
var transitions = map[State][]State{
	StateIdle:           {StateResolving},
	StateResolving:      {StateConnecting, StateReconnecting},
	StateConnecting:     {StateHandshake, StateReconnecting},
	StateHandshake:      {StateAuthenticating, StateGettingConfig, StateReconnecting},
	StateAuthenticating: {StateGettingConfig, StateReconnecting},
	StateGettingConfig:  {StateConnected, StateReconnecting, StateAuthenticating},
	StateConnected:      {StateReconnecting},
	StateReconnecting:   {StateResolving},
	StateExiting:        {StateDisconnected},
}

// CanTransition reports whether the engine may go from one state to another.
func CanTransition(from, to State) bool {
	if to == StateExiting || to == StateDisconnected {
		return from != StateDisconnected
	}
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Transitions returns the state machine's edges (a copy), for documentation
// and UIs. Exiting and Disconnected are reachable from every state and are
// not listed.
func Transitions() map[State][]State {
	out := make(map[State][]State, len(transitions))
	for from, to := range transitions {
		out[from] = append([]State(nil), to...)
	}
	return out
}
