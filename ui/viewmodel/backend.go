package viewmodel

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/saml"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/usersession"
)

// Backend is all the app needs from the world: the profile store, the
// service (through usersession's connect-and-follow) and the browser. It is
// an interface so that the Model's tests, and the headless UI tests, run
// against a fake.
type Backend interface {
	// Profiles lists the stored profiles, managed ones marked.
	Profiles() ([]profile.Entry, error)
	// Import stores the profile file at path under name ("" derives it
	// from the file name).
	Import(path, name string) (profile.Entry, error)
	// Rename and Remove change user profiles; managed ones are refused
	// with profile.ErrReadOnly.
	Rename(from, to string) error
	Remove(name string) error
	// Check lists what is wrong with the profile file at path, with lines.
	Check(path string) ([]profile.Problem, error)
	// Connect connects the stored profile name and follows it until it is
	// connected or ended, like usersession.Connect (whose errors it
	// returns), with req.Ask answering the prompts the keyring cannot.
	Connect(ctx context.Context, req ConnectRequest) (*api.Status, error)
	// Disconnect stops the tunnel name.
	Disconnect(ctx context.Context, name string) error
	// Answer sends an answer, or a decline, to a prompt directly: a
	// browser sign-in the user cancels is declined this way, since the
	// Asker is not waiting on it.
	Answer(ctx context.Context, a api.AnswerBody) error
	// Events subscribes to the service's events; the stream starts with
	// the state of every tunnel.
	Events(ctx context.Context) (EventStream, error)
	// OpenBrowser opens a sign-in page again.
	OpenBrowser(url string) error
	// Logs reads the last lines of the service's log file (0: the
	// service's default), then, with follow, what it appends until the
	// reader is closed or ctx ends. A service that does not answer fails
	// on the first Read, with client.ErrNotRunning.
	Logs(ctx context.Context, file LogFile, lines int, follow bool) (io.ReadCloser, error)
	// ExportDiagnostics writes the complete diagnostics bundle (the
	// service's half and the user's, as "cvpn logs export" does) to path,
	// readable by the user alone.
	ExportDiagnostics(ctx context.Context, path string) error
}

// ChangeGuard is the part of a Backend that knows whether the
// administrator's policy allows importing, editing or removing profiles,
// so the views disable what would be refused instead of refusing after a
// click. A Backend without it allows everything.
type ChangeGuard interface {
	// Allowed returns nil when op is allowed, else the policy's reason.
	Allowed(op profile.Op) error
}

// EventStream is a subscription to the service's events (*client.Events).
type EventStream interface {
	// Next blocks for the next event; it fails once the stream's context
	// ends or the service stops.
	Next() (*api.Event, error)
	Close() error
}

// ConnectRequest is one connect's parameters.
type ConnectRequest struct {
	Name string
	// Ask asks the user; nil answers from the keyring alone.
	Ask usersession.Asker
	// Remember says, once a prompt was answered, whether the user wants
	// what was typed saved in the keyring once connected.
	Remember func() bool
	// SignInTimeout bounds a browser sign-in (0: usersession's default).
	SignInTimeout time.Duration
}

// Service is the real Backend: the service's client, the user's profile
// store and the browser command of the user's settings.
type Service struct {
	Client *client.Client
	Store  *profile.Store
	// Browser returns the browser command of the settings ("" for the
	// system's); nil means Settings' (or "" without Settings).
	Browser func() string
	// Settings, when set, are read at each connect: auto-reconnect and
	// the log level travel with the request, so a change applies to the
	// next connect without restarting anything.
	Settings *SettingsModel
	// Logf receives what the sign-in does (never secrets); nil discards.
	Logf func(format string, args ...any)
	// Version is cvpn's, for the facts of the diagnostics bundle.
	Version string
}

var _ Backend = (*Service)(nil)

// Profiles implements Backend.
func (s *Service) Profiles() ([]profile.Entry, error) { return s.Store.List() }

// Allowed implements ChangeGuard with the store's policy check.
func (s *Service) Allowed(op profile.Op) error { return s.Store.Allowed(op) }

// Import implements Backend.
func (s *Service) Import(path, name string) (profile.Entry, error) { return s.Store.Import(path, name) }

// Remove implements Backend.
func (s *Service) Remove(name string) error { return s.Store.Remove(name) }

// Rename implements Backend with the store's Rename, which the policy's
// allow_edit governs. Saved passwords stay under the old name's keyring
// items and are asked again.
func (s *Service) Rename(from, to string) error { return s.Store.Rename(from, to) }

// Check implements Backend.
func (s *Service) Check(path string) ([]profile.Problem, error) {
	_, problems, err := profile.CheckFile(path)
	return problems, err
}

// Connect implements Backend through usersession.Connect.
func (s *Service) Connect(ctx context.Context, req ConnectRequest) (*api.Status, error) {
	p, _, err := s.Store.Get(req.Name)
	if err != nil {
		return nil, err
	}
	ans := &usersession.Answerer{Profile: p.Name, Browser: s.browser(), SignInTimeout: req.SignInTimeout, Logf: s.Logf}
	if req.Ask != nil {
		ans.Ask = &rememberAsker{Asker: req.Ask, ans: ans, remember: req.Remember}
	}
	body := api.ConnectBody{Name: p.Name, Profile: string(p.Inlined())}
	if s.Settings != nil {
		body.NoReconnect, body.LogLevel = !s.Settings.AutoReconnect(), s.Settings.LogLevel()
	}
	return usersession.Connect(ctx, s.Client, body,
		usersession.ConnectOptions{Answerer: ans, OnAnswerError: func(err error) { s.logf("sign-in: %v", err) }})
}

// Disconnect implements Backend.
func (s *Service) Disconnect(ctx context.Context, name string) error {
	_, err := s.Client.Disconnect(ctx, name)
	return err
}

// Answer implements Backend.
func (s *Service) Answer(ctx context.Context, a api.AnswerBody) error { return s.Client.Answer(ctx, a) }

// Events implements Backend.
func (s *Service) Events(ctx context.Context) (EventStream, error) { return s.Client.Events(ctx) }

// OpenBrowser implements Backend with the settings' browser command.
func (s *Service) OpenBrowser(url string) error {
	return saml.OpenBrowser(url, saml.Options{Browser: s.browser(), Logf: s.Logf})
}

// Logs implements Backend. The client copies the log to a writer until
// the stream ends; a pipe turns that into a reader the view can close,
// and Close waits for the copy so no goroutine outlives it.
func (s *Service) Logs(ctx context.Context, file LogFile, lines int, follow bool) (io.ReadCloser, error) {
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	r := &logReader{PipeReader: pr, cancel: cancel}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		err := s.Client.Logs(ctx, pw, client.LogsOptions{Connections: file == LogConnections, Lines: lines, Follow: follow})
		pw.CloseWithError(err) // nil: io.EOF
	}()
	return r, nil
}

// logReader is Service.Logs's stream.
type logReader struct {
	*io.PipeReader
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (r *logReader) Close() error {
	r.cancel()
	err := r.PipeReader.Close()
	r.wg.Wait()
	return err
}

// ExportDiagnostics implements Backend like "cvpn logs export": the
// user's half is added even when the store cannot be read, since the
// service's half is still worth having.
func (s *Service) ExportDiagnostics(ctx context.Context, path string) error {
	bundle, err := s.Client.Export(ctx)
	if err != nil {
		return err
	}
	out, _, err := usersession.CompleteBundle(bundle, s.Store, s.Version)
	if err != nil {
		return err
	}
	return usersession.WritePrivate(path, out)
}

func (s *Service) browser() string {
	switch {
	case s.Browser != nil:
		return s.Browser()
	case s.Settings != nil:
		return s.Settings.Browser()
	}
	return ""
}

func (s *Service) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

// rememberAsker passes the dialog's "remember" box to the Answerer. It
// runs on the Answerer's goroutine (after each question, before
// Connected), so the flag needs no lock.
type rememberAsker struct {
	usersession.Asker
	ans      *usersession.Answerer
	remember func() bool
}

func (r *rememberAsker) note() {
	if r.remember != nil {
		r.ans.Remember = r.remember()
	}
}

func (r *rememberAsker) AskUserPass(ctx context.Context, p *api.Prompt) (usersession.Answer, error) {
	a, err := r.Asker.AskUserPass(ctx, p)
	r.note()
	return a, err
}

func (r *rememberAsker) AskPassphrase(ctx context.Context, p *api.Prompt) (string, error) {
	a, err := r.Asker.AskPassphrase(ctx, p)
	r.note()
	return a, err
}

func (r *rememberAsker) AskProxy(ctx context.Context, p *api.Prompt) (usersession.Answer, error) {
	a, err := r.Asker.AskProxy(ctx, p)
	r.note()
	return a, err
}
