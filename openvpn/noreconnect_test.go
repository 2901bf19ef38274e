package openvpn

import (
	"errors"
	"net"
	"testing"
	"time"
)

// With NoReconnect a connection that drops ends the session with
// ErrNoReconnect and why it dropped, where TestSessionReconnectsOnRestart
// connects again; and a server that never answers is tried once, not
// forever.
func TestSessionNoReconnect(t *testing.T) {
	t.Run("drop ends the session", func(t *testing.T) {
		f := newFakeServer(t, func(int) string { return testPush })
		s, err := Dial(t.Context(), testProfile(t, f.port()), newPipeDevice(), Options{NoReconnect: true})
		if err != nil {
			t.Fatal(err)
		}
		r := record(s)
		r.waitFor(t, StateConnected, 1)
		f.send("RESTART,maintenance")
		err = s.Wait()
		if !errors.Is(err, ErrNoReconnect) {
			t.Fatalf("Wait: %v, want ErrNoReconnect", err)
		}
		<-r.done
		r.checkEdges(t)
		if n := f.sessions.Load(); n != 1 {
			t.Errorf("server saw %d sessions, want 1", n)
		}
		if st := s.Stats(); st.Reconnects != 0 || st.State != StateDisconnected {
			t.Errorf("reconnects %d, state %v; want 0, disconnected", st.Reconnects, st.State)
		}
		for _, st := range r.states() {
			if st == StateReconnecting {
				t.Error("the session went reconnecting")
			}
		}
	})
	t.Run("unreachable is tried once", func(t *testing.T) {
		// A UDP port nobody listens on: the attempt fails, and without
		// NoReconnect (and connect-retry-max) it would be retried forever.
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		pc.Close()
		prof := testProfile(t, port)
		prof.Remotes[0].ConnectTimeout = 300 * time.Millisecond
		s, err := Dial(t.Context(), prof, newPipeDevice(), Options{NoReconnect: true})
		if err != nil {
			t.Fatal(err)
		}
		r := record(s)
		var ue *UnreachableError
		if err := s.Wait(); !errors.As(err, &ue) || ue.Attempts != 1 {
			t.Fatalf("Wait: %v, want unreachable after 1 attempt", err)
		}
		<-r.done
		r.checkEdges(t)
	})
}
