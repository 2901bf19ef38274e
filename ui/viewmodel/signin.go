package viewmodel

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/usersession"
)

// SignInKind says which dialog a SignIn needs.
type SignInKind int

// Sign-in kinds.
const (
	// SignInUserPass asks for the username (AskUsername), the password
	// (AskPassword) and, with a Challenge, the static challenge's answer;
	// it offers "remember".
	SignInUserPass SignInKind = iota
	// SignInCode asks for the answer to Challenge only (a dynamic
	// challenge, or a static one whose password was saved).
	SignInCode
	// SignInPassphrase asks for the private key's passphrase; it offers
	// "remember".
	SignInPassphrase
	// SignInProxy asks for the username and password of Proxy.
	SignInProxy
	// SignInBrowser is the SAML wait: "continue in your browser" at URL,
	// open it again, cancel, time left until Deadline.
	SignInBrowser
	// SignInWebAuth is the same for an OpenVPN web-auth page, without a
	// deadline of ours (the server decides).
	SignInWebAuth
)

// SignIn is a question for the user, as the sign-in dialog shows it.
type SignIn struct {
	ID      int // for Answer and CancelSignIn
	Profile string
	Kind    SignInKind
	Message string
	// Retry is the server's reason for asking again ("" the first time).
	Retry       string
	Username    string
	AskUsername bool
	AskPassword bool
	// Challenge is the question of a challenge; Echo says whether its
	// answer may be shown while typed.
	Challenge string
	Echo      bool
	Proxy     string
	URL       string
	// Deadline is when a browser sign-in gives up (zero: none).
	Deadline time.Time

	promptID string // the service's prompt, to decline a browser sign-in
}

// TimeLeft is how long a browser sign-in still has at now (0 once past, or
// when it has no deadline). The view redraws it once a second itself.
func (s SignIn) TimeLeft(now time.Time) time.Duration {
	if s.Deadline.IsZero() || now.After(s.Deadline) {
		return 0
	}
	return s.Deadline.Sub(now).Truncate(time.Second)
}

// SignInAnswer is what the user typed.
type SignInAnswer struct {
	Username string
	Password string
	Response string // the challenge's answer
	// Remember saves the password or passphrase in the keyring once the
	// connection works (never in the service).
	Remember bool
}

// ErrSignInCanceled is what the Asker returns when the user closes a
// sign-in dialog; usersession then declines the prompt with
// api.ReasonCanceled.
var ErrSignInCanceled = errors.New("sign-in: canceled by the user")

// ErrNoSignIn is returned for an ID that is no longer waiting (answered,
// canceled, or given up by the service).
var ErrNoSignIn = errors.New("that sign-in is no longer waiting")

type signInReply struct {
	answer SignInAnswer
	err    error
}

// pendingSignIn is a SignIn and, for a dialog, where its answer goes (a
// browser sign-in has none: the browser answers).
type pendingSignIn struct {
	SignIn
	reply chan signInReply
}

// ask shows s and waits for the view's Answer or CancelSignIn, or for ctx
// (the service gave up, or the connect was stopped).
func (m *Model) ask(ctx context.Context, s SignIn) (SignInAnswer, error) {
	p := &pendingSignIn{SignIn: s, reply: make(chan signInReply, 1)}
	m.mu.Lock()
	m.nextID++
	p.ID = m.nextID
	m.signIns = append(m.signIns, p)
	m.mu.Unlock()
	m.changed()
	select {
	case r := <-p.reply:
		return r.answer, r.err
	case <-ctx.Done():
		m.mu.Lock()
		m.remove(p.ID)
		m.mu.Unlock()
		m.changed()
		return SignInAnswer{}, context.Cause(ctx)
	}
}

// remove takes the sign-in id off the list; mu is held.
func (m *Model) remove(id int) *pendingSignIn {
	for i, s := range m.signIns {
		if s.ID == id {
			m.signIns = append(m.signIns[:i:i], m.signIns[i+1:]...)
			return s
		}
	}
	return nil
}

// dropSignIns forgets the browser sign-ins of profile, once its connect
// is over; mu is held. Dialogs leave by themselves when their ctx ends.
func (m *Model) dropSignIns(profile string) {
	kept := m.signIns[:0:0]
	for _, s := range m.signIns {
		if s.Profile != profile || s.reply != nil {
			kept = append(kept, s)
		}
	}
	m.signIns = kept
}

// Answer answers the sign-in id with what the user typed.
func (m *Model) Answer(id int, a SignInAnswer) error {
	m.mu.Lock()
	var p *pendingSignIn
	for _, s := range m.signIns {
		if s.ID == id && s.reply != nil { // a browser sign-in is the browser's to answer
			p = m.remove(id)
			break
		}
	}
	m.mu.Unlock()
	if p == nil {
		return ErrNoSignIn
	}
	p.reply <- signInReply{answer: a}
	m.changed()
	return nil
}

// CancelSignIn declines the sign-in id. For a dialog, the Asker returns
// ErrSignInCanceled; for a browser sign-in, nothing waits on the Asker, so
// the prompt is declined through the Backend (api.ReasonCanceled) and the
// connect stopped, which also closes the sign-in listener.
func (m *Model) CancelSignIn(id int) {
	m.mu.Lock()
	p := m.remove(id)
	var stop context.CancelCauseFunc
	if p != nil {
		stop = m.attempts[p.Profile]
	}
	if p != nil && p.reply == nil && !m.closed {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			ctx, cancel := context.WithTimeout(m.ctx, 10*time.Second)
			defer cancel()
			// The tunnel may be gone already; the answer then fails,
			// which changes nothing.
			_ = m.b.Answer(ctx, api.AnswerBody{ID: p.promptID, Cancel: true, Reason: api.ReasonCanceled})
			if stop != nil {
				stop(errCanceledByUser)
			}
		}()
	}
	m.mu.Unlock()
	if p == nil {
		return
	}
	if p.reply != nil {
		p.reply <- signInReply{err: ErrSignInCanceled}
	}
	m.changed()
}

// OpenAgain opens the browser sign-in id's page again, for a user who
// closed the tab.
func (m *Model) OpenAgain(id int) error {
	m.mu.Lock()
	var url string
	for _, s := range m.signIns {
		if s.ID == id && s.reply == nil {
			url = s.URL
		}
	}
	m.mu.Unlock()
	if url == "" {
		return ErrNoSignIn
	}
	return m.b.OpenBrowser(url)
}

// asker is the usersession.Asker of one connect: each question becomes a
// SignIn for the view, and the answer comes back through Answer.
type asker struct {
	m        *Model
	profile  string
	remember atomic.Bool
}

var _ usersession.Asker = (*asker)(nil)

func (a *asker) rememberChoice() bool { return a.remember.Load() }

func (a *asker) question(kind SignInKind, p *api.Prompt) SignIn {
	return SignIn{Profile: a.profile, Kind: kind, Message: p.Message, Retry: p.Retry, Username: p.Username,
		AskUsername: p.AskUsername, AskPassword: p.AskPassword, Challenge: p.Challenge, Echo: p.Echo,
		Proxy: p.Proxy, URL: p.URL, promptID: p.ID}
}

func (a *asker) AskUserPass(ctx context.Context, p *api.Prompt) (usersession.Answer, error) {
	got, err := a.m.ask(ctx, a.question(SignInUserPass, p))
	a.remember.Store(got.Remember)
	return usersession.Answer{Username: got.Username, Password: got.Password, Response: got.Response}, err
}

func (a *asker) AskCode(ctx context.Context, p *api.Prompt) (string, error) {
	got, err := a.m.ask(ctx, a.question(SignInCode, p))
	return got.Response, err
}

func (a *asker) AskPassphrase(ctx context.Context, p *api.Prompt) (string, error) {
	got, err := a.m.ask(ctx, a.question(SignInPassphrase, p))
	a.remember.Store(got.Remember)
	return got.Password, err
}

func (a *asker) AskProxy(ctx context.Context, p *api.Prompt) (usersession.Answer, error) {
	got, err := a.m.ask(ctx, a.question(SignInProxy, p))
	a.remember.Store(got.Remember)
	return usersession.Answer{Username: got.Username, Password: got.Password}, err
}

// SignInAt shows the browser wait; it replaces an earlier one of the same
// profile and never blocks.
func (a *asker) SignInAt(p *api.Prompt, url string) {
	s := a.question(SignInBrowser, p)
	s.URL = url
	m := a.m
	if p.Kind == api.PromptWebAuth {
		s.Kind = SignInWebAuth
	} else {
		timeout := m.opts.SignInTimeout
		if timeout <= 0 {
			timeout = usersession.DefaultSignInTimeout
		}
		s.Deadline = m.clock.Now().Add(timeout)
	}
	m.mu.Lock()
	m.dropSignIns(a.profile)
	m.nextID++
	s.ID = m.nextID
	m.signIns = append(m.signIns, &pendingSignIn{SignIn: s})
	m.mu.Unlock()
	m.changed()
}
