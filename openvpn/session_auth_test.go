package openvpn

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/openvpn/keymethod2"
	"github.com/cvpn/cvpn/profile"
)

// prompts answers prompts from a list and records them.
type prompts struct {
	mu      sync.Mutex
	answers []*Answer
	asked   []*Prompt
}

func (p *prompts) Prompt(_ context.Context, req *Prompt) (*Answer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, req)
	if len(p.answers) == 0 {
		return nil, ErrCanceled
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	return a, nil
}

func TestSessionReusesAuthToken(t *testing.T) {
	f := newFakeServer(t, func(int) string { return testPush + ",auth-token SESS_tok123" })
	prof := testProfile(t, f.port())
	prof.Auth = profile.Auth{UserPass: true, Username: "alice", Password: "secret"}
	s, err := Dial(t.Context(), prof, newPipeDevice(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	r.waitFor(t, StateConnected, 1)
	f.send("RESTART")
	r.waitFor(t, StateConnected, 2)
	first, second := <-f.clients, <-f.clients
	if first.Credentials.Password != "secret" {
		t.Error("first connection did not send the password")
	}
	if second.Credentials == nil || second.Credentials.Username != "alice" || second.Credentials.Password != "SESS_tok123" {
		t.Error("reconnection did not authenticate with the pushed auth-token")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r.checkEdges(t)
}

func TestSessionStaticChallenge(t *testing.T) {
	f := newFakeServer(t, func(int) string { return testPush })
	prof := testProfile(t, f.port())
	prof.Auth = profile.Auth{UserPass: true, Username: "alice", Password: "secret",
		StaticChallenge: &profile.StaticChallenge{Text: "Enter MFA code"}}
	p := &prompts{answers: []*Answer{{Response: "123456"}}}
	s, err := Dial(t.Context(), prof, newPipeDevice(), Options{Prompter: p})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	r.waitFor(t, StateConnected, 1)
	cm := <-f.clients
	if want := keymethod2.StaticChallengePassword("secret", "123456"); cm.Credentials.Password != want {
		t.Error("password is not the SCRV1 encoding of the password and the response")
	}
	if len(p.asked) != 1 || p.asked[0].StaticChallenge == nil || p.asked[0].AskPassword || p.asked[0].AskUsername {
		t.Errorf("prompt: %+v", p.asked)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSessionAuthRetryInteract(t *testing.T) {
	f := newFakeServer(t, func(n int) string {
		if n == 1 {
			return "AUTH_FAILED,wrong password"
		}
		return testPush
	})
	prof := testProfile(t, f.port())
	prof.Auth = profile.Auth{UserPass: true, Retry: profile.AuthRetryInteract}
	p := &prompts{answers: []*Answer{{Username: "alice", Password: "bad"}, {Password: "good"}}}
	s, err := Dial(t.Context(), prof, newPipeDevice(), Options{Prompter: p})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	r.waitFor(t, StateConnected, 1)
	<-f.clients
	cm := <-f.clients
	if cm.Credentials.Username != "alice" || cm.Credentials.Password != "good" {
		t.Errorf("second attempt sent user %q", cm.Credentials.Username)
	}
	if len(p.asked) != 2 || !p.asked[0].AskUsername || p.asked[1].AskUsername || p.asked[1].Retry != "wrong password" {
		t.Errorf("prompts: %+v", p.asked)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r.checkEdges(t)
}

func TestSessionUnreachable(t *testing.T) {
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close() // nothing answers there now
	prof := testProfile(t, port)
	prof.Remotes[0].ConnectTimeout = 300 * time.Millisecond
	prof.ConnectRetryMax = 2
	s, err := Dial(t.Context(), prof, newPipeDevice(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	err = s.Wait()
	var ue *UnreachableError
	if !errors.Is(err, ErrUnreachable) || !errors.As(err, &ue) || ue.Attempts != 2 || !errors.Is(err, errResetTimeout) {
		t.Fatalf("Wait: %v, want unreachable after 2 attempts", err)
	}
	r.checkEdges(t)
}

func TestSessionServerCertificateRejected(t *testing.T) {
	f := newFakeServer(t, func(int) string { return testPush })
	prof := testProfile(t, f.port())
	prof.TLS.VerifyX509 = &profile.VerifyX509{Name: "vpn.example.com", Type: profile.X509Name}
	s, err := Dial(t.Context(), prof, newPipeDevice(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	if err := s.Wait(); !errors.Is(err, ErrServerCertificate) {
		t.Fatalf("Wait: %v, want ErrServerCertificate", err)
	}
	if n := f.sessions.Load(); n != 1 {
		t.Errorf("%d sessions: a rejected certificate must not be retried", n)
	}
	r.checkEdges(t)
}

func TestSessionCloseWhilePrompting(t *testing.T) {
	prof := testProfile(t, 9) // never dialled
	prof.Auth = profile.Auth{UserPass: true}
	asked := make(chan struct{})
	s, err := Dial(t.Context(), prof, newPipeDevice(), Options{Prompter: PrompterFunc(func(ctx context.Context, _ *Prompt) (*Answer, error) {
		close(asked)
		<-ctx.Done()
		return nil, ctx.Err()
	})})
	if err != nil {
		t.Fatal(err)
	}
	<-asked
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	r := &profile.Remote{ConnectRetry: time.Second, ConnectRetryMaxDelay: 5 * time.Second}
	var got []time.Duration
	for n := 1; n <= 5; n++ {
		got = append(got, backoff(r, n))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("backoff: %v, want %v", got, want)
		}
	}
}

func TestRandomHostPrefix(t *testing.T) {
	a, b := randomHostPrefix(), randomHostPrefix()
	if len(a) != 13 || a[12] != '.' || a == b {
		t.Fatalf("prefixes %q %q: want 12 random hex digits and a dot", a, b)
	}
	for _, c := range a[:12] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			t.Fatalf("prefix %q is not hex", a)
		}
	}
}
