// Package viewmodeltest is a fake viewmodel.Backend for the tests of the
// views: the Fyne windows drive a real viewmodel.Model over it, so they
// are tested headless without a service, a profile store or a browser.
// The view-model's own tests keep their fuller fake (they need its
// internals); this one is what a view needs and nothing more.
package viewmodeltest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/profile/awsclient"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// ConnectFunc plays one connect as usersession.Connect would: it may ask
// through req.Ask, Emit events, and return the status or the error.
type ConnectFunc func(ctx context.Context, b *Backend, req viewmodel.ConnectRequest) (*api.Status, error)

// Backend is the store and the service as a test plays them. Its methods
// are safe from any goroutine.
type Backend struct {
	events chan *api.Event

	mu       sync.Mutex
	entries  []profile.Entry
	connect  ConnectFunc
	problems []profile.Problem
	calls    []string
	log      logState

	awsReport *awsclient.Report // set by SetAWSImport (awsimport.go)
	awsErr    error
	forbidden map[profile.Op]bool // set by Forbid (policy.go)
}

var _ viewmodel.Backend = (*Backend)(nil)

// New returns a Backend whose store holds entries.
func New(entries ...profile.Entry) *Backend {
	return &Backend{events: make(chan *api.Event, 1024), entries: entries}
}

// Entry is a stored profile signing in with a password at
// vpn.example.com:1194 over UDP; managed ones are the administrator's.
func Entry(name string, managed bool) profile.Entry {
	return profile.Entry{Name: name, Managed: managed, Path: "/profiles/" + name + ".ovpn", Auth: profile.AuthUserPass,
		Remotes: []profile.RemoteSummary{{Host: "vpn.example.com", Port: 1194, Proto: "udp"}}}
}

// SetConnect sets what Connect does; without one it fails.
func (b *Backend) SetConnect(f ConnectFunc) {
	b.mu.Lock()
	b.connect = f
	b.mu.Unlock()
}

// SetProblems sets what Check finds in any file.
func (b *Backend) SetProblems(p ...profile.Problem) {
	b.mu.Lock()
	b.problems = p
	b.mu.Unlock()
}

// Emit sends ev to the event stream, as the service would.
func (b *Backend) Emit(ev *api.Event) { b.events <- ev }

// Calls lists the calls that change something, in order: "import PATH",
// "rename FROM TO", "remove NAME", "connect NAME", "disconnect NAME",
// "check PATH", "open URL" (a sign-in page opened again), "answer ID"
// or "decline ID REASON" (a prompt answered directly), and "export PATH"
// (the diagnostics).
func (b *Backend) Calls() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.calls...)
}

func (b *Backend) record(format string, args ...any) {
	b.mu.Lock()
	b.calls = append(b.calls, fmt.Sprintf(format, args...))
	b.mu.Unlock()
}

// Profiles implements viewmodel.Backend, sorted like the store.
func (b *Backend) Profiles() ([]profile.Entry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := append([]profile.Entry(nil), b.entries...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Import implements viewmodel.Backend: the name is the file's, as the
// store derives it, and a name taken is refused like the store does.
func (b *Backend) Import(path, name string) (profile.Entry, error) {
	b.record("import %s", path)
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.allowedLocked(profile.OpImport); err != nil {
		return profile.Entry{}, fmt.Errorf("import %s: %w", name, err)
	}
	if b.find(name) >= 0 {
		return profile.Entry{}, fmt.Errorf("import %s: %w", name, profile.ErrExists)
	}
	e := Entry(name, false)
	b.entries = append(b.entries, e)
	return e, nil
}

// find is the index of name, or -1; mu is held.
func (b *Backend) find(name string) int {
	for i, e := range b.entries {
		if e.Name == name {
			return i
		}
	}
	return -1
}

// Rename implements viewmodel.Backend; managed profiles are refused.
func (b *Backend) Rename(from, to string) error {
	b.record("rename %s %s", from, to)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.allowedLocked(profile.OpEdit); err != nil {
		return fmt.Errorf("rename %s: %w", from, err)
	}
	i := b.find(from)
	switch {
	case i < 0:
		return fmt.Errorf("rename %s: %w", from, profile.ErrNotFound)
	case b.entries[i].Managed:
		return fmt.Errorf("rename %s: %w", from, profile.ErrReadOnly)
	}
	b.entries[i].Name = to
	return nil
}

// Remove implements viewmodel.Backend; managed profiles are refused.
func (b *Backend) Remove(name string) error {
	b.record("remove %s", name)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.allowedLocked(profile.OpRemove); err != nil {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	i := b.find(name)
	switch {
	case i < 0:
		return fmt.Errorf("remove %s: %w", name, profile.ErrNotFound)
	case b.entries[i].Managed:
		return fmt.Errorf("remove %s: %w", name, profile.ErrReadOnly)
	}
	b.entries = append(b.entries[:i], b.entries[i+1:]...)
	return nil
}

// Check implements viewmodel.Backend with the problems of SetProblems.
func (b *Backend) Check(path string) ([]profile.Problem, error) {
	b.record("check %s", path)
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]profile.Problem(nil), b.problems...), nil
}

// Connect implements viewmodel.Backend with the ConnectFunc.
func (b *Backend) Connect(ctx context.Context, req viewmodel.ConnectRequest) (*api.Status, error) {
	b.record("connect %s", req.Name)
	b.mu.Lock()
	f := b.connect
	b.mu.Unlock()
	if f == nil {
		return nil, errors.New("connect: the test set no ConnectFunc")
	}
	return f(ctx, b, req)
}

// Disconnect implements viewmodel.Backend: the tunnel ends at once.
func (b *Backend) Disconnect(_ context.Context, name string) error {
	b.record("disconnect %s", name)
	b.Emit(&api.Event{Kind: api.EventState, Tunnel: name, State: api.StateDisconnected, Message: "disconnected"})
	return nil
}

// Answer implements viewmodel.Backend; answers go nowhere but Calls.
func (b *Backend) Answer(_ context.Context, a api.AnswerBody) error {
	if a.Cancel {
		b.record("decline %s %s", a.ID, a.Reason)
	} else {
		b.record("answer %s", a.ID)
	}
	return nil
}

// Events implements viewmodel.Backend. Every subscription reads the one
// queue of Emit, which suits one Model per Backend.
func (b *Backend) Events(ctx context.Context) (viewmodel.EventStream, error) {
	return &stream{ctx: ctx, events: b.events}, nil
}

// OpenBrowser implements viewmodel.Backend; nothing opens, Calls says so.
func (b *Backend) OpenBrowser(url string) error {
	b.record("open %s", url)
	return nil
}

// stream ends with its context, like the client's HTTP stream.
type stream struct {
	ctx    context.Context
	events chan *api.Event
}

func (s *stream) Next() (*api.Event, error) {
	select {
	case ev := <-s.events:
		return ev, nil
	case <-s.ctx.Done():
		return nil, s.ctx.Err()
	}
}

func (s *stream) Close() error { return nil }
