package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/usersession"
)

// The path a user takes: import a profile, connect (signing in, asked to
// remember), see it connected with live counters, disconnect.
func TestImportConnectDisconnect(t *testing.T) {
	f := newFake()
	type asked struct {
		answer   usersession.Answer
		remember bool
		err      error
	}
	got := make(chan asked, 1)
	since := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	f.setScript(func(ctx context.Context, f *fakeBackend, req ConnectRequest) (*api.Status, error) {
		f.emit(&api.Event{Kind: api.EventState, Tunnel: req.Name, State: api.StateConnecting, Message: "connecting to vpn.example.com"})
		a, err := req.Ask.AskUserPass(ctx, &api.Prompt{ID: "p1", Tunnel: req.Name, Kind: api.PromptUserPass, AskUsername: true, AskPassword: true})
		got <- asked{a, req.Remember(), err}
		if err != nil {
			return nil, err
		}
		st := &api.Status{Profile: req.Name, State: api.StateConnected, AuthMode: "userpass", Remote: "198.18.1.1:1194", Proto: "udp",
			Cipher: "AES-256-GCM", IPv4: "10.8.0.2", IPv6: "fd00::2", ConnectedSince: &since, DNS: "servers [10.8.0.1]"}
		f.emit(&api.Event{Kind: api.EventState, Tunnel: req.Name, State: api.StateConnected, Status: st})
		return st, nil
	})
	h := start(t, f)
	v := h.waitFor("no profiles", func(v View) bool { return len(v.Rows) == 0 && !v.ServiceDown })
	if v.PrimaryEnabled || v.Tray != TrayDisconnected {
		t.Fatalf("empty app: %+v", v)
	}

	if _, err := h.m.Import("/home/alice/corp.ovpn", "corp"); err != nil {
		t.Fatal(err)
	}
	v = h.m.View()
	if v.Selected != "corp" || v.Primary != ActionConnect || !v.PrimaryEnabled {
		t.Fatalf("after import: %+v", v)
	}
	if r := row(v, "corp"); r.Endpoint != "vpn.example.com:1194/udp" || r.Transport != "udp" || r.AuthMode != "username+password" || r.Locked() {
		t.Errorf("imported row: %+v", r)
	}

	h.m.Primary()
	v = h.waitFor("the password dialog", func(v View) bool { return v.SignIn != nil })
	if s := v.SignIn; s.Kind != SignInUserPass || s.Profile != "corp" || !s.AskUsername || !s.AskPassword {
		t.Fatalf("sign-in: %+v", s)
	}
	if v.Primary != ActionCancel || v.Tray != TrayConnecting || !row(v, "corp").Busy() {
		t.Errorf("while signing in: primary %v, tray %v", v.Primary, v.Tray)
	}
	if err := h.m.Answer(v.SignIn.ID, SignInAnswer{Username: "alice", Password: "s3cret", Remember: true}); err != nil {
		t.Fatal(err)
	}
	if a := <-got; a.err != nil || a.answer.Username != "alice" || a.answer.Password != "s3cret" || !a.remember {
		t.Fatalf("the service got %+v", a)
	}
	if err := h.m.Answer(v.SignIn.ID, SignInAnswer{}); !errors.Is(err, ErrNoSignIn) {
		t.Errorf("answering twice: %v", err)
	}

	v = h.waitFor("connected", func(v View) bool {
		return row(v, "corp").State == api.StateConnected && !row(v, "corp").Connecting
	})
	r := row(v, "corp")
	if !v.Ticking() {
		t.Error("the connected time would not move")
	}
	if v.Primary != ActionDisconnect || !v.PrimaryEnabled || v.Tray != TrayConnected || v.SignIn != nil || v.Error != nil {
		t.Errorf("connected view: %+v", v)
	}
	if r.Address != "10.8.0.2 fd00::2" || !r.ConnectedSince.Equal(since) || r.Cipher != "AES-256-GCM" ||
		r.Endpoint != "198.18.1.1:1194" || r.Transport != "udp" || r.AuthMode != "userpass" || r.DNS != "servers [10.8.0.1]" {
		t.Errorf("connected row: %+v", r)
	}

	live := &api.Status{Profile: "corp", State: api.StateConnected, IPv4: "10.8.0.2", ConnectedSince: &since, RxBytes: 4096, TxBytes: 1024}
	f.emit(&api.Event{Kind: api.EventStats, Tunnel: "corp", Status: live})
	v = h.waitFor("live counters", func(v View) bool { return row(v, "corp").BytesIn == 4096 })
	if r := row(v, "corp"); r.BytesOut != 1024 {
		t.Errorf("counters: %+v", r)
	}

	h.m.Primary()
	v = h.waitFor("disconnected", func(v View) bool { return row(v, "corp").State == api.StateDisconnected })
	if v.Primary != ActionConnect || v.Tray != TrayDisconnected || v.Error != nil || row(v, "corp").BytesIn != 0 || v.Ticking() {
		t.Errorf("after disconnect: %+v", v)
	}
	if _, _, d, _ := f.snapshot(); strings.Join(d, ",") != "corp" {
		t.Errorf("disconnects: %v", d)
	}
}

// Counters redraw at most once a second, with the latest values; state
// changes redraw at once.
func TestStatsRateLimit(t *testing.T) {
	clock := newClock()
	m := New(newFake(entry("corp", false)), Options{Clock: clock})
	defer m.Close()
	var n int
	m.OnChange(func() { n++ })
	m.apply(&api.Event{Kind: api.EventState, Tunnel: "corp", State: api.StateConnected, Status: &api.Status{Profile: "corp"}})
	stats := func(rx uint64) {
		m.apply(&api.Event{Kind: api.EventStats, Tunnel: "corp", Status: &api.Status{Profile: "corp", State: api.StateConnected, RxBytes: rx}})
	}
	steps := []struct {
		do   func()
		want int
	}{
		{func() {}, 1},                               // the state change
		{func() { stats(1) }, 2},                     // first counters: at once
		{func() { stats(2); stats(3); stats(4) }, 2}, // within the second: held
		{func() { clock.Advance(500 * time.Millisecond) }, 2},
		{func() { clock.Advance(500 * time.Millisecond) }, 3}, // one redraw for the three
		{func() { clock.Advance(5 * time.Second); stats(5) }, 4},
		{func() { stats(6) }, 4},
	}
	for i, s := range steps {
		s.do()
		if n != s.want {
			t.Fatalf("step %d: %d redraws, want %d", i, n, s.want)
		}
	}
	if m.tunnels["corp"].RxBytes != 6 {
		t.Errorf("the view would show %d bytes, want the latest", m.tunnels["corp"].RxBytes)
	}
}

// Every way a connect fails shows the service's words and the fix for its
// reason; a cancel shows nothing.
func TestErrorsWithAdvice(t *testing.T) {
	reasons := []api.Reason{api.ReasonAuthFailed, api.ReasonCertRejected, api.ReasonServerUntrusted, api.ReasonUnreachable,
		api.ReasonTooManyUsers, api.ReasonUserGuard, api.ReasonRouteConflict, api.ReasonSAMLTimeout, api.ReasonPromptTimeout,
		api.ReasonServerExit, api.ReasonNetworkError, api.ReasonSessionExpired, api.ReasonBadPassphrase, api.ReasonNeedPassphrase,
		api.ReasonNeedCredentials, api.ReasonNegotiation, api.ReasonServiceStopping}
	type tc struct {
		name       string
		err        error
		event      bool // the tunnel ends with a state event too
		want       string
		wantAdvice string
		down       bool
	}
	var tests []tc
	for _, r := range reasons {
		tests = append(tests, tc{name: string(r), err: &usersession.EndedError{Tunnel: "corp", Reason: r, Message: "it ended: " + string(r)},
			event: true, want: "it ended: " + string(r), wantAdvice: usersession.Advice(r)})
	}
	tests = append(tests,
		tc{name: "service not running", err: fmt.Errorf("connect: %w", errNotRunning), want: "the cvpn service is not running",
			wantAdvice: "start it with 'sudo systemctl start cvpn'", down: true},
		tc{name: "service stopped", err: usersession.ErrServiceStopped, want: "the cvpn service stopped", wantAdvice: usersession.Advice(api.ReasonServiceStopping)},
		tc{name: "too many users refused", err: &client.Error{Code: api.CodeTooManyUsers, Message: "bob is logged in too"},
			want: "bob is logged in too", wantAdvice: usersession.Advice(api.ReasonTooManyUsers)},
		tc{name: "route conflict refused", err: &client.Error{Code: api.CodeConflict, Message: "10.0.0.0/8 is taken"},
			want: "10.0.0.0/8 is taken", wantAdvice: usersession.Advice(api.ReasonRouteConflict)},
		tc{name: "invalid profile", err: &client.Error{Code: api.CodeInvalidProfile, Message: "line 3: unknown directive"},
			want: "line 3: unknown directive", wantAdvice: "Check shows each problem with its line"},
		tc{name: "canceled", err: &usersession.EndedError{Reason: api.ReasonCanceled, Message: "canceled"}, event: true},
		// Connected already (the CLI, or connect at start racing the
		// stream): what was asked for is so, and the stream shows it.
		tc{name: "already connected", err: &client.Error{Status: 409, Code: api.CodeAlreadyConnected, Message: "corp is already connected"}},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(entry("corp", false))
			f.setScript(func(ctx context.Context, f *fakeBackend, req ConnectRequest) (*api.Status, error) {
				if ended := (*usersession.EndedError)(nil); tt.event && errors.As(tt.err, &ended) {
					f.emit(&api.Event{Kind: api.EventState, Tunnel: req.Name, State: api.StateDisconnected, Reason: ended.Reason, Message: ended.Message})
				}
				return nil, tt.err
			})
			h := start(t, f)
			h.waitFor("the events", func(View) bool { return f.streamsOpen() })
			h.m.Connect("corp")
			v := h.waitFor("the end", func(v View) bool { return !row(v, "corp").Connecting })
			if tt.want == "" {
				if v.Error != nil {
					t.Errorf("a cancel shows %+v", v.Error)
				}
				return
			}
			e := v.Error
			if e == nil {
				t.Fatal("no error shown")
			}
			if e.Message != tt.want || tt.wantAdvice == "" || !strings.Contains(e.Advice, tt.wantAdvice) || e.ServiceDown != tt.down {
				t.Errorf("shown %+v\nwant message %q, advice with %q", e, tt.want, tt.wantAdvice)
			}
			if !strings.Contains(e.Text(), e.Advice) {
				t.Errorf("Text() %q lacks the advice", e.Text())
			}
			if tt.event && e.Profile != "corp" {
				t.Errorf("error of profile %q", e.Profile)
			}
			if tt.event {
				// Let the stream's copy of the end arrive before dismissing.
				f.emit(&api.Event{Kind: api.EventState, Tunnel: "corp", State: api.StateResolving})
				h.waitFor("the marker", func(v View) bool { return row(v, "corp").State == api.StateResolving })
			}
			h.m.DismissError()
			if h.m.View().Error != nil {
				t.Error("dismissed error still shown")
			}
		})
	}
}

func (f *fakeBackend) streamsOpen() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.streams > 0
}

// With no service the app says how to start it and cannot connect; it
// tries again once a second, never faster, and recovers by itself.
func TestServiceNotRunning(t *testing.T) {
	f := newFake(entry("corp", false))
	f.setDown(true)
	h := start(t, f)
	v := h.waitFor("service down", func(v View) bool { return v.ServiceDown })
	if v.Error == nil || !v.Error.ServiceDown || v.Error.Message != "the cvpn service is not running" ||
		v.Error.Advice != client.StartAdvice {
		t.Fatalf("error: %+v", v.Error)
	}
	if v.Primary != ActionConnect || v.PrimaryEnabled {
		t.Errorf("connect offered with no service: %+v", v)
	}
	h.clock.waitTimers(t, 1)
	h.clock.Advance(MinInterval - time.Millisecond)
	if h.clock.pending() != 1 {
		t.Fatal("retried sooner than once a second")
	}
	f.setDown(false)
	h.clock.Advance(time.Millisecond)
	v = h.waitFor("service back", func(v View) bool { return !v.ServiceDown })
	if v.Error != nil || !v.PrimaryEnabled {
		t.Errorf("after the service came back: %+v", v)
	}

	// The service stops: the stream ends and the app says so again.
	f.emit(nil)
	h.waitFor("service gone again", func(v View) bool { return v.ServiceDown && v.Error != nil })
}

// The tray summary and the primary action follow every tunnel's state.
func TestTrayAndPrimary(t *testing.T) {
	tests := []struct {
		name        string
		rows        []Row
		wantTray    Tray
		wantAction  Action
		wantEnabled bool
		serviceDown bool
	}{
		{"nothing", nil, TrayDisconnected, ActionConnect, false, false},
		{"idle", []Row{{Name: "a", State: api.StateDisconnected}}, TrayDisconnected, ActionConnect, true, false},
		{"broken profile", []Row{{Name: "a", State: api.StateDisconnected, Problem: "bad"}}, TrayDisconnected, ActionConnect, false, false},
		{"service down", []Row{{Name: "a", State: api.StateDisconnected}}, TrayDisconnected, ActionConnect, false, true},
		{"asked to connect", []Row{{Name: "a", State: api.StateDisconnected, Connecting: true}}, TrayConnecting, ActionCancel, true, false},
		{"handshake", []Row{{Name: "a", State: api.StateHandshake}}, TrayConnecting, ActionCancel, true, false},
		{"reconnecting", []Row{{Name: "a", State: api.StateReconnecting}}, TrayConnecting, ActionCancel, true, false},
		{"connected", []Row{{Name: "a", State: api.StateConnected}}, TrayConnected, ActionDisconnect, true, false},
		{"unstored, connected", []Row{{Name: "a", State: api.StateConnected, Unstored: true}}, TrayConnected, ActionDisconnect, true, false},
		{"unstored, ended", []Row{{Name: "a", State: api.StateDisconnected, Unstored: true}}, TrayDisconnected, ActionConnect, false, false},
		{"one up, one coming", []Row{{Name: "a", State: api.StateAuthenticating}, {Name: "b", State: api.StateConnected}},
			TrayConnected, ActionCancel, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summary(tt.rows); got != tt.wantTray {
				t.Errorf("tray %v, want %v", got, tt.wantTray)
			}
			var sel *Row
			if len(tt.rows) > 0 {
				sel = &tt.rows[0]
			}
			if a, ok := primary(sel, tt.serviceDown); a != tt.wantAction || ok != tt.wantEnabled {
				t.Errorf("primary %v %v, want %v %v", a, ok, tt.wantAction, tt.wantEnabled)
			}
		})
	}
}

// A managed profile is marked and locked: rename and remove are refused
// before the store is touched; a user profile is renamed and stays selected.
func TestManagedProfileLocked(t *testing.T) {
	f := newFake(entry("corp", true), entry("home", false))
	h := start(t, f)
	v := h.waitFor("profiles", func(v View) bool { return len(v.Rows) == 2 })
	if !row(v, "corp").Locked() || row(v, "home").Locked() {
		t.Fatalf("rows: %+v", v.Rows)
	}
	if err := h.m.Rename("corp", "mine"); !errors.Is(err, ErrLocked) || !errors.Is(err, profile.ErrReadOnly) {
		t.Errorf("rename managed: %v", err)
	}
	if err := h.m.Remove("corp"); !errors.Is(err, ErrLocked) {
		t.Errorf("remove managed: %v", err)
	}
	h.m.Select("home")
	if err := h.m.Rename("home", "house"); err != nil {
		t.Fatal(err)
	}
	v = h.m.View()
	if v.Selected != "house" || row(v, "house").Name != "house" {
		t.Errorf("after rename: %+v", v)
	}
	if calls, _, _, _ := f.snapshot(); strings.Join(calls, ",") != "rename home" {
		t.Errorf("store calls: %v", calls)
	}
	if p, err := h.m.Check("/tmp/x.ovpn"); err != nil || len(p) != 1 || p[0].Line != 3 {
		t.Errorf("check: %+v %v", p, err)
	}
}

// Views, actions and events from many goroutines at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	f := newFake(entry("a", false), entry("b", true))
	f.setScript(func(ctx context.Context, f *fakeBackend, req ConnectRequest) (*api.Status, error) {
		f.emit(&api.Event{Kind: api.EventState, Tunnel: req.Name, State: api.StateConnected, Status: &api.Status{Profile: req.Name}})
		return &api.Status{Profile: req.Name, State: api.StateConnected}, nil
	})
	h := start(t, f)
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				name := []string{"a", "b"}[i%2]
				switch (g + i) % 6 {
				case 0:
					h.m.Connect(name)
				case 1:
					h.m.Select(name)
					h.m.Primary()
				case 2:
					h.m.Cancel(name)
				case 3:
					_ = h.m.View()
				case 4:
					f.emit(&api.Event{Kind: api.EventStats, Tunnel: name, Status: &api.Status{Profile: name, State: api.StateConnected, RxBytes: uint64(i)}})
				case 5:
					h.clock.Advance(300 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	h.m.Close()
	_ = h.m.View()
}

// A tunnel connected from a file with the CLI shows, locked, until it ends.
func TestUnstoredTunnel(t *testing.T) {
	f := newFake(entry("corp", false))
	h := start(t, f)
	f.emit(&api.Event{Kind: api.EventState, Tunnel: "from-file", State: api.StateConnected,
		Status: &api.Status{Profile: "from-file", State: api.StateConnected, AuthMode: "certificate", IPv4: "10.9.0.2"}})
	v := h.waitFor("the CLI's tunnel", func(v View) bool { return row(v, "from-file").State == api.StateConnected })
	if r := row(v, "from-file"); !r.Unstored || !r.Locked() || r.Address != "10.9.0.2" || v.Tray != TrayConnected {
		t.Errorf("row %+v, tray %v", r, v.Tray)
	}
	f.emit(&api.Event{Kind: api.EventState, Tunnel: "from-file", State: api.StateDisconnected})
	h.waitFor("it to go", func(v View) bool { return len(v.Rows) == 1 && v.Tray == TrayDisconnected })
}

// The connect's answer and the event stream each tell of a failure, in
// either order: once the user dismissed it, its second telling must not
// bring it back, while another failure, or the same one on a new attempt,
// is news.
func TestDismissedFailureStaysDismissed(t *testing.T) {
	f := newFake(entry("corp", false), entry("other", false))
	f.setScript(func(context.Context, *fakeBackend, ConnectRequest) (*api.Status, error) {
		return nil, &usersession.EndedError{Tunnel: "corp", Reason: api.ReasonAuthFailed, Message: "AUTH_FAILED"}
	})
	h := start(t, f)
	h.waitFor("the events", func(View) bool { return f.streamsOpen() })
	markers := []api.State{api.StateResolving, api.StateConnecting}
	n := 0
	ended := func(r api.Reason) {
		f.emit(&api.Event{Kind: api.EventState, Tunnel: "corp", State: api.StateDisconnected, Reason: r, Message: string(r)})
		// A marker on another tunnel behind it shows the model has read it.
		mark := markers[n%2]
		n++
		f.emit(&api.Event{Kind: api.EventState, Tunnel: "other", State: mark})
		h.waitFor("the marker", func(v View) bool { return row(v, "other").State == mark })
	}
	attempt := func() {
		h.m.Connect("corp")
		h.waitFor("the failure", func(v View) bool { return v.Error != nil && !row(v, "corp").Connecting })
		h.m.DismissError()
	}

	attempt()
	ended(api.ReasonAuthFailed) // told again, late
	if e := h.m.View().Error; e != nil {
		t.Fatalf("the dismissed failure came back: %+v", e)
	}
	ended(api.ReasonCertRejected)
	if e := h.m.View().Error; e == nil || e.Reason != api.ReasonCertRejected {
		t.Fatalf("another failure is not shown: %+v", e)
	}
	h.m.DismissError()
	attempt() // a new attempt's failure shows before it is dismissed again
	h.clock.Advance(retoldWithin)
	ended(api.ReasonAuthFailed) // long after: news
	if e := h.m.View().Error; e == nil || e.Reason != api.ReasonAuthFailed {
		t.Fatalf("the same failure much later is not shown: %+v", e)
	}
}
