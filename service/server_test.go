package service_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/service"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/service/ipc"
	"github.com/cvpn/cvpn/service/userguard"
	"github.com/cvpn/cvpn/tunnel"
	"github.com/cvpn/cvpn/tunnel/tunneltest"
)

// testService runs a Server over a real unix socket, with the fake engine
// and network of tunneltest behind its manager.
type testService struct {
	os    *tunneltest.OS
	logs  *logs.Dir
	c     *client.Client
	sock  string
	users []string // who the session source says is logged in (uid 1000)
	// hold, when set, makes the session source wait until the caller's
	// context ends, as a slow logind would.
	hold atomic.Bool
}

// serviceOptions changes what startService builds.
type serviceOptions struct {
	// worldSocket puts the socket where other uids can reach it.
	worldSocket bool
	// policy is the administrator's policy the server reads; nil is none.
	policy *policy.Policy
	// policyErr is the error reading it gives: a broken policy.
	policyErr error
}

func startService(t *testing.T) *testService { return startServiceWith(t, serviceOptions{}) }

func startServiceWith(t *testing.T, o serviceOptions) *testService {
	t.Helper()
	ts := &testService{os: tunneltest.NewOS(), users: []string{"alice"}}
	dir, err := logs.Open(t.TempDir(), logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts.logs = dir
	src := userguard.SourceFunc(func(ctx context.Context) ([]userguard.Session, error) {
		if ts.hold.Load() {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		var out []userguard.Session
		for _, u := range ts.users {
			out = append(out, userguard.Session{User: u, UID: 1000, TTY: "tty1", Kind: userguard.KindConsole})
		}
		return out, nil
	})
	log := dir.Logger(false)
	m := tunnel.NewManager(tunnel.Config{
		Hooks: ts.os.Hooks(), Logf: log.Logf, Redact: dir.Redactor().Redact, ConnLog: dir.Connections(),
		RequestDebugf: dir.Logger(true).Debugf, // as Run sets it
		Guard:         func(ctx context.Context) error { return userguard.Check(ctx, src) },
	})
	srv := &service.Server{Manager: m, Logs: dir, Sessions: src, Version: "test", Logf: log.Logf,
		Backend: func() string { return "fake" }}
	srv.Policy = func() (*policy.Policy, error) { return o.policy, o.policyErr }
	sockDir := t.TempDir()
	if o.worldSocket {
		sockDir = testenv.WorldDir(t)
	}
	ts.sock = filepath.Join(sockDir, "cvpn.sock")
	stop := serveAt(t, srv, ts.sock)
	t.Cleanup(func() {
		_ = m.Close(context.Background())
		stop()
		_ = dir.Close()
	})
	ts.c = client.New(ts.sock)
	return ts
}

// serveAt serves srv on a socket at sock until the returned stop, which
// may be called more than once and checks that Serve ended cleanly. The
// caller orders stop among its own clean-ups.
func serveAt(t *testing.T, srv *service.Server, sock string) (stop func()) {
	t.Helper()
	l, err := ipc.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, l) }()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			if err := <-served; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
}

func profileText(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../profile/testdata/aws-ad-mfa.ovpn")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// nextEvent reads events until one matches.
func nextEvent(t *testing.T, ev *client.Events, match func(*api.Event) bool) *api.Event {
	t.Helper()
	got := make(chan *api.Event, 1)
	go func() {
		for {
			e, err := ev.Next()
			if err != nil {
				close(got)
				return
			}
			if match(e) {
				got <- e
				return
			}
		}
	}()
	select {
	case e, ok := <-got:
		if !ok {
			t.Fatal("event stream ended")
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for an event")
	}
	return nil
}

func TestAPIConnectPromptStatusDisconnect(t *testing.T) {
	ts := startService(t)
	ctx := context.Background()
	events, err := ts.c.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	st, err := ts.c.Connect(ctx, api.ConnectBody{Name: "corp", Profile: profileText(t)})
	if err != nil {
		t.Fatal(err)
	}
	if st.Profile != "corp" || st.AuthMode != "userpass+mfa" {
		t.Errorf("connect answered %+v", st)
	}

	// The engine asks for credentials; the API turns that into an event.
	sess := ts.os.Session(t, "corp")
	answered := make(chan *openvpn.Answer, 1)
	go func() {
		a, err := sess.Opts.Prompter.Prompt(ctx, &openvpn.Prompt{Kind: openvpn.PromptUserPass, Profile: "corp",
			AskUsername: true, AskPassword: true})
		if err != nil {
			t.Errorf("prompt: %v", err)
		}
		answered <- a
	}()
	ev := nextEvent(t, events, func(e *api.Event) bool { return e.Prompt != nil })
	if ev.Prompt.Kind != api.PromptUserPass || !ev.Prompt.AskPassword || ev.Tunnel != "corp" {
		t.Errorf("prompt event %+v", ev.Prompt)
	}
	const secret = "correct-horse-battery-staple"
	if err := ts.c.Answer(ctx, api.AnswerBody{ID: ev.Prompt.ID, Username: "alice", Password: secret}); err != nil {
		t.Fatal(err)
	}
	if a := <-answered; a == nil || a.Username != "alice" || a.Password != secret {
		t.Fatalf("the engine got %+v", a)
	}
	if err := ts.c.Answer(ctx, api.AnswerBody{ID: ev.Prompt.ID, Password: "again"}); !client.IsCode(err, api.CodeNoPrompt) {
		t.Errorf("second answer: %v", err)
	}
	if got := ts.logs.Redactor().Redact("user typed " + secret); strings.Contains(got, secret) {
		t.Errorf("the answered password is not redacted: %q", got)
	}

	if err := sess.BringUp(t, "10.8.0", "10.20.0.0 255.255.0.0"); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, events, func(e *api.Event) bool { return e.Kind == api.EventState && e.State == api.StateConnected })
	sess.Tx.Store(4096)
	body, err := ts.c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(body.Tunnels) != 1 || body.Tunnels[0].IPv4 != "10.8.0.2" || body.Tunnels[0].TxBytes != 4096 ||
		body.Sessions.Backend != "fake" || len(body.Sessions.Users) != 1 {
		t.Errorf("status %+v", body)
	}

	if _, err := ts.c.Disconnect(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	if got := ts.os.Reverted(); len(got) != 1 {
		t.Errorf("reverted %v after disconnect", got)
	}
	body, err = ts.c.Status(ctx)
	if err != nil || len(body.Tunnels) != 0 {
		t.Errorf("status after disconnect: %+v %v", body, err)
	}
}

func TestAPIRefusals(t *testing.T) {
	ts := startService(t)
	ctx := context.Background()
	good := profileText(t)
	if _, err := ts.c.Connect(ctx, api.ConnectBody{Name: "up", Profile: good}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
		text   string
	}{
		{"profile that runs a program", func() error {
			_, err := ts.c.Connect(ctx, api.ConnectBody{Name: "evil", Profile: good + "up /tmp/evil.sh\n"})
			return err
		}, api.CodeInvalidProfile, 400, "runs a program"},
		{"profile with a file reference", func() error {
			_, err := ts.c.Connect(ctx, api.ConnectBody{Name: "files", Profile: strings.Replace(good, "auth-user-pass", "auth-user-pass /etc/shadow", 1)})
			return err
		}, api.CodeInvalidProfile, 400, "shadow"},
		{"no name", func() error {
			_, err := ts.c.Connect(ctx, api.ConnectBody{Profile: good})
			return err
		}, api.CodeBadRequest, 400, "name"},
		{"name that escapes", func() error {
			_, err := ts.c.Connect(ctx, api.ConnectBody{Name: "../../etc/x", Profile: good})
			return err
		}, api.CodeBadRequest, 400, "invalid profile name"},
		{"unknown log level", func() error {
			_, err := ts.c.Connect(ctx, api.ConnectBody{Name: "loud", Profile: good, LogLevel: "trace"})
			return err
		}, api.CodeBadRequest, 400, `unknown log level "trace"; use "info" or "debug"`},
		{"already connected", func() error {
			_, err := ts.c.Connect(ctx, api.ConnectBody{Name: "up", Profile: good})
			return err
		}, api.CodeAlreadyConnected, 409, "already connected"},
		{"disconnect unknown", func() error {
			_, err := ts.c.Disconnect(ctx, "nope")
			return err
		}, api.CodeNotConnected, 404, "nope"},
		{"answer unknown prompt", func() error {
			return ts.c.Answer(ctx, api.AnswerBody{ID: "0123"})
		}, api.CodeNoPrompt, 404, "0123"},
		{"two users logged in", func() error {
			ts.users = []string{"alice", "bob"}
			defer func() { ts.users = []string{"alice"} }()
			_, err := ts.c.Connect(ctx, api.ConnectBody{Name: "second", Profile: good})
			return err
		}, api.CodeTooManyUsers, 403, "2 users are logged in (alice, bob)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var e *client.Error
			if !errors.As(err, &e) {
				t.Fatalf("err %v, want a refusal", err)
			}
			if e.Code != tt.code || e.Status != tt.status || !strings.Contains(e.Message, tt.text) {
				t.Errorf("got %d %s %q; want %d %s and %q", e.Status, e.Code, e.Message, tt.status, tt.code, tt.text)
			}
		})
	}
}

func TestAPILogsAndExport(t *testing.T) {
	ts := startService(t)
	ctx := context.Background()
	log := ts.logs.Logger(false)
	for _, l := range []string{"first line", "second line", "third line"} {
		log.Logf("%s", l)
	}
	var out bytes.Buffer
	if err := ts.c.Logs(ctx, &out, client.LogsOptions{Lines: 2}); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); strings.Contains(s, "first line") || !strings.Contains(s, "second line") || !strings.Contains(s, "third line") {
		t.Errorf("logs -n 2:\n%s", s)
	}

	// Follow sees a line written after it started.
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	followed := &syncWriter{grew: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() { done <- ts.c.Logs(fctx, followed, client.LogsOptions{Lines: 1, Follow: true}) }()
	if !followed.waitFor(t, "third line") {
		t.Fatalf("follow never printed the last line; got %q", followed.String())
	}
	log.Logf("a late line")
	if !followed.waitFor(t, "a late line") {
		t.Errorf("follow never printed the line written after it started; got %q", followed.String())
	}
	if strings.Contains(followed.String(), "second line") {
		t.Errorf("follow with -n 1 printed older lines: %q", followed.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("follow: %v", err)
	}

	data, err := ts.c.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	for _, want := range []string{"logs/diagnostic.log", "service/status.json", "service/facts.txt"} {
		if !names[want] {
			t.Errorf("bundle lacks %s; has %v", want, names)
		}
	}
}

// syncWriter collects what a follower writes and signals each write, so a
// test can wait for a line instead of sleeping.
type syncWriter struct {
	mu   sync.Mutex
	b    bytes.Buffer
	grew chan struct{}
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case s.grew <- struct{}{}:
	default:
	}
	return s.b.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits up to 10 s for text to have been written.
func (s *syncWriter) waitFor(t *testing.T, text string) bool {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for !strings.Contains(s.String(), text) {
		select {
		case <-s.grew:
		case <-deadline:
			return false
		}
	}
	return true
}

func TestClientServiceNotRunning(t *testing.T) {
	c := client.New(filepath.Join(t.TempDir(), "none.sock"))
	_, err := c.Status(context.Background())
	if !errors.Is(err, client.ErrNotRunning) || !strings.Contains(err.Error(), "start it") {
		t.Errorf("err %v, want ErrNotRunning with advice", err)
	}
}

// An answer may carry a SAML assertion far above a password's size; it
// reaches the engine whole and is never written to the logs.
func TestAPIAnswerCarriesAnAssertion(t *testing.T) {
	ts := startService(t)
	ctx := context.Background()
	events, err := ts.c.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	if _, err := ts.c.Connect(ctx, api.ConnectBody{Name: "corp", Profile: profileText(t)}); err != nil {
		t.Fatal(err)
	}
	sess := ts.os.Session(t, "corp")
	answered := make(chan *openvpn.Answer, 1)
	go func() {
		a, err := sess.Opts.Prompter.Prompt(ctx, &openvpn.Prompt{Kind: openvpn.PromptChallenge, Profile: "corp",
			Challenge: &push.Challenge{Text: "https://idp.example.com/sso"}})
		if err != nil {
			t.Errorf("prompt: %v", err)
		}
		answered <- a
	}()
	ev := nextEvent(t, events, func(e *api.Event) bool { return e.Prompt != nil })
	assertion := strings.Repeat("PHNhbWxwOlJlc3BvbnNl", (1536<<10)/20) // 1.5 MiB of base64
	if err := ts.c.Answer(ctx, api.AnswerBody{ID: ev.Prompt.ID, Response: assertion}); err != nil {
		t.Fatal(err)
	}
	if a := <-answered; a == nil || a.Response != assertion {
		t.Fatal("the engine did not get the whole assertion")
	}
	var logs bytes.Buffer
	if err := ts.c.Logs(ctx, &logs, client.LogsOptions{Lines: 1000}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), assertion[:200]) {
		t.Error("the assertion reached the diagnostic log")
	}
}
