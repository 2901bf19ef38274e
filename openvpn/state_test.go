package openvpn

import "testing"

func TestStateTable(t *testing.T) {
	// Every state is reachable from Idle, and every state but
	// Disconnected can be left (a session always ends).
	seen := map[State]bool{StateIdle: true}
	queue := []State{StateIdle}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		next := Transitions()[s]
		if s != StateDisconnected {
			next = append(next, StateExiting, StateDisconnected)
		}
		for _, to := range next {
			if !CanTransition(s, to) {
				t.Errorf("Transitions lists %v -> %v but CanTransition refuses it", s, to)
			}
			if !seen[to] {
				seen[to] = true
				queue = append(queue, to)
			}
		}
	}
	for s := StateIdle; s <= StateDisconnected; s++ {
		if !seen[s] {
			t.Errorf("%v is unreachable from idle", s)
		}
		if s != StateDisconnected && !CanTransition(s, StateDisconnected) {
			t.Errorf("%v cannot end", s)
		}
		if name := s.String(); name == "" || name[0] == 's' && len(name) > 6 && name[:6] == "state(" {
			t.Errorf("%d has no name", s)
		}
	}
	if CanTransition(StateDisconnected, StateExiting) || CanTransition(StateConnected, StateHandshake) {
		t.Error("CanTransition allows an edge outside the table")
	}
	// A caller cannot change the engine's table through the copy.
	Transitions()[StateIdle][0] = StateConnected
	if !CanTransition(StateIdle, StateResolving) {
		t.Error("Transitions returned the table itself")
	}
}
