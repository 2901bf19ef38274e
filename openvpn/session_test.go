package openvpn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/openvpn/keymethod2"
	"github.com/cvpn/cvpn/openvpn/openvpntest"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
)

// newPipeDevice is the in-memory packet device the session tests use.
var newPipeDevice = openvpntest.NewPipeDevice

func testProfile(t *testing.T, port int) *profile.Profile {
	p := newTestPKI(t)
	return &profile.Profile{
		Name: "test",
		Remotes: []profile.Remote{{
			Host: "127.0.0.1", Port: port, Proto: profile.ProtoUDP,
			ConnectRetry: 50 * time.Millisecond, ConnectRetryMaxDelay: 200 * time.Millisecond, ConnectTimeout: 5 * time.Second,
			MTU: profile.MTU{TunMTU: 1500, TLSMTU: 1250},
		}},
		TLS:    profile.TLS{CA: p.caPEM, Cert: p.clientPEM, Key: p.clientKy, RemoteCertTLS: true},
		Data:   profile.DataChannel{Ciphers: []string{"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"}},
		Timers: profile.Timers{HandWindow: 10 * time.Second, TLSTimeout: 200 * time.Millisecond},
	}
}

// recorder collects a session's events.
type recorder struct {
	mu     sync.Mutex
	events []Event
	added  chan struct{} // closed and replaced on every event
	done   chan struct{}
}

func record(s *Session) *recorder {
	r := &recorder{done: make(chan struct{}), added: make(chan struct{})}
	go func() {
		defer close(r.done)
		for ev := range s.Events() {
			r.mu.Lock()
			r.events = append(r.events, ev)
			close(r.added)
			r.added = make(chan struct{})
			r.mu.Unlock()
		}
	}()
	return r
}

func (r *recorder) states() []State {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []State
	for _, ev := range r.events {
		if sc, ok := ev.(*StateChange); ok && sc.From != sc.To {
			out = append(out, sc.To)
		}
	}
	return out
}

// waitUntil waits, on the events themselves, until ok holds for the
// events so far, and fails the test after 15 s or when the session ended
// without it.
func (r *recorder) waitUntil(t *testing.T, what string, ok func([]Event) bool) {
	t.Helper()
	timeout := time.NewTimer(15 * time.Second)
	defer timeout.Stop()
	for {
		r.mu.Lock()
		met, added := ok(r.events), r.added
		r.mu.Unlock()
		if met {
			return
		}
		select {
		case <-added:
		case <-r.done:
			r.mu.Lock()
			met = ok(r.events)
			r.mu.Unlock()
			if !met {
				t.Fatalf("the session ended before %s; states: %v", what, r.states())
			}
			return
		case <-timeout.C:
			t.Fatalf("did not see %s within 15 s; states: %v", what, r.states())
		}
	}
}

// waitFor waits until the session entered state n times.
func (r *recorder) waitFor(t *testing.T, state State, n int) {
	t.Helper()
	r.waitUntil(t, fmt.Sprintf("state %v %d times", state, n), func(evs []Event) bool {
		got := 0
		for _, ev := range evs {
			if sc, ok := ev.(*StateChange); ok && sc.To == state && sc.From != state {
				got++
			}
		}
		return got >= n
	})
}

// checkEdges asserts every reported change is an edge of the table.
func (r *recorder) checkEdges(t *testing.T) {
	t.Helper()
	<-r.done
	for _, ev := range r.events {
		switch ev := ev.(type) {
		case *StateChange:
			// From == To reports a new detail only (why it waits).
			if ev.From != ev.To && !CanTransition(ev.From, ev.To) {
				t.Errorf("state change %v -> %v is not in the transition table", ev.From, ev.To)
			}
		case *Warning:
			if strings.Contains(ev.Message, "internal") {
				t.Error(ev.Message)
			}
		}
	}
}

const testPush = "PUSH_REPLY,route-gateway 10.8.0.1,topology subnet,ping 1,ping-restart 10," +
	"ifconfig 10.8.0.2 255.255.255.0,peer-id 3,cipher AES-256-GCM,protocol-flags cc-exit,explicit-exit-notify 1"

func TestSessionConnectsCarriesTrafficAndCloses(t *testing.T) {
	f := newFakeServer(t, func(int) string { return testPush })
	dev := newPipeDevice()
	var configured *push.Options
	s, err := Dial(t.Context(), testProfile(t, f.port()), dev, Options{
		Configure: func(_ context.Context, o *push.Options, l Link) error {
			configured = o
			if l.Remote.Port() != uint16(f.port()) {
				t.Errorf("Configure got remote %v", l.Remote)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	r.waitFor(t, StateConnected, 1)
	if configured == nil || configured.IPv4.Address.String() != "10.8.0.2/24" {
		t.Fatalf("Configure got %v", configured)
	}

	cm := <-f.clients
	for _, want := range []string{"IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\n", "IV_NCP=2\n", "IV_TCPNL=1\n", "IV_MTU=1600\n"} {
		if !strings.Contains(cm.PeerInfo, want) {
			t.Errorf("peer info lacks %q:\n%s", want, cm.PeerInfo)
		}
	}
	// crypto/tls negotiates TLS 1.3, where export always works: the
	// TLS_KEY_EXPORT bit must be set, dynamic tls-crypt never.
	if want := "IV_PROTO=" + itoa(int(keymethod2.BaseProto|keymethod2.ProtoTLSKeyExport)) + "\n"; !strings.Contains(cm.PeerInfo, want) {
		t.Errorf("peer info lacks %q:\n%s", want, cm.PeerInfo)
	}
	if cm.Credentials != nil {
		t.Errorf("a certificate-only profile sent credentials")
	}

	pkt := bytes.Repeat([]byte{0x45, 1, 2, 3}, 100)
	// The fourth echo is read and written by the same goroutines after
	// they counted the first three, so once it is back the counts of
	// those are final: no polling.
	for i := range 4 {
		dev.In <- pkt
		select {
		case got := <-dev.Out:
			if !bytes.Equal(got, pkt) {
				t.Fatalf("echo %d: got %d bytes, want %d", i, len(got), len(pkt))
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("echo %d: nothing came back", i)
		}
	}
	st := s.Stats()
	if st.State != StateConnected || st.TxPackets < 3 || st.RxPackets < 3 || st.Connection == nil || st.Connection.Cipher != "AES-256-GCM" {
		t.Errorf("stats: %+v", st)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r.checkEdges(t)
	got := r.states()
	want := []State{StateResolving, StateConnecting, StateHandshake, StateGettingConfig, StateConnected, StateExiting, StateDisconnected}
	if !equalStates(got, want) {
		t.Errorf("states %v, want %v", got, want)
	}
}

func TestSessionAuthFailed(t *testing.T) {
	f := newFakeServer(t, func(int) string { return "AUTH_FAILED,bad password" })
	prof := testProfile(t, f.port())
	prof.Auth = profile.Auth{UserPass: true, Username: "alice", Password: "secret"}
	s, err := Dial(t.Context(), prof, newPipeDevice(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	err = s.Wait()
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Reason != "bad password" || !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("Wait: %v, want the server's AUTH_FAILED reason", err)
	}
	cm := <-f.clients
	if cm.Credentials == nil || cm.Credentials.Username != "alice" || cm.Credentials.Password != "secret" {
		t.Errorf("credentials sent: %v", cm.Credentials)
	}
	r.checkEdges(t)
	var failure *AuthFailure
	for _, ev := range r.events {
		if a, ok := ev.(*AuthFailure); ok {
			failure = a
		}
	}
	if failure == nil || failure.Reason != "bad password" || failure.Retrying {
		t.Errorf("AuthFailure event: %v", failure)
	}
	if st := r.states(); st[len(st)-1] != StateDisconnected {
		t.Errorf("final state %v", st[len(st)-1])
	}
}

func TestSessionReconnectsOnRestart(t *testing.T) {
	f := newFakeServer(t, func(int) string { return testPush })
	s, err := Dial(t.Context(), testProfile(t, f.port()), newPipeDevice(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	r.waitFor(t, StateConnected, 1)
	f.send("RESTART,maintenance")
	r.waitFor(t, StateConnected, 2)
	if n := f.sessions.Load(); n != 2 {
		t.Errorf("server saw %d sessions, want 2", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r.checkEdges(t)
	if st := s.Stats(); st.Reconnects != 1 {
		t.Errorf("reconnects %d, want 1", st.Reconnects)
	}
}

func TestSessionDynamicChallenge(t *testing.T) {
	f := newFakeServer(t, func(n int) string {
		if n == 1 {
			return "AUTH_FAILED,CRV1:R,E:state-42:Ym9i:Enter the code"
		}
		return testPush
	})
	prof := testProfile(t, f.port())
	prof.Auth = profile.Auth{UserPass: true, Username: "bob", Password: "pw"}
	var asked *Prompt
	s, err := Dial(t.Context(), prof, newPipeDevice(), Options{Prompter: PrompterFunc(func(_ context.Context, p *Prompt) (*Answer, error) {
		asked = p
		return &Answer{Response: "424242"}, nil
	})})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	r.waitFor(t, StateConnected, 1)
	if asked == nil || asked.Kind != PromptChallenge || asked.Challenge.Text != "Enter the code" {
		t.Fatalf("prompt: %+v", asked)
	}
	<-f.clients
	cm := <-f.clients
	if cm.Credentials == nil || cm.Credentials.Username != "bob" || cm.Credentials.Password != "CRV1::state-42::424242" {
		t.Errorf("second session's credentials: user %q", cm.Credentials.Username)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r.checkEdges(t)
}

func equalStates(a, b []State) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		if n /= 10; n == 0 {
			return string(b)
		}
	}
}

// TestSessionLeavesNoGoroutines checks that a session that connected,
// carried traffic and closed leaves nothing running behind it.
func TestSessionLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	f := newFakeServer(t, func(int) string { return testPush })
	dev := newPipeDevice()
	s, err := Dial(t.Context(), testProfile(t, f.port()), dev, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	r.waitFor(t, StateConnected, 1)
	dev.In <- bytes.Repeat([]byte{0x45}, 100)
	<-dev.Out
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	<-r.done
	f.close()
	if n, stacks := testenv.GoroutinesLeft(before, 5*time.Second); n > before {
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, stacks)
	}
}
