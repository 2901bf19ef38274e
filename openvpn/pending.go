package openvpn

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/cvpn/cvpn/openvpn/push"
)

// Pending authentication (OpenVPN 2.6's auth-pending): after key-method 2
// the server answers AUTH_PENDING and then INFO_PRE with what it needs —
// a page to open (WEB_AUTH, or the older OPEN_URL) or a question to answer
// (CR_TEXT, answered with CR_RESPONSE). The user is asked through the
// Prompter in a goroutine of its own, so the control channel keeps acking
// and the push deadline that AUTH_PENDING set keeps running:
//
//	INFO_PRE ─▶ go ask(Prompter) ─▶ l.pending ─▶ run loop ─▶ CR_RESPONSE (or nothing)
//
// At most one question is out at a time; a second INFO_PRE while one is
// asked is logged and dropped, as the server repeats it on a new attempt.

// pendingReply is the outcome of one INFO_PRE: a control message to send
// (CR_RESPONSE), nothing (the browser was opened), or why it failed.
type pendingReply struct {
	msg string
	err error
}

// ssoMethods is IV_SSO: what this session can do for a pending
// authentication. crtext needs someone to answer; webauth and openurl a
// user's side that can open a browser.
func ssoMethods(o Options) []string {
	var m []string
	if o.Prompter != nil && o.WebAuth {
		m = append(m, "webauth", "openurl")
	}
	if o.Prompter != nil {
		m = append(m, "crtext")
	}
	return m
}

// handleInfoPre starts asking the user for what an INFO_PRE needs.
func (l *link) handleInfoPre(ctx context.Context, m *push.Info, now time.Time) error {
	l.s.events.push(&Info{Time: now, Text: m.String()})
	if l.asking {
		l.s.logf.printf("server sent another sign-in request while one is open; ignored: %v", m)
		return nil
	}
	req, err := l.pendingPrompt(m)
	if err != nil {
		return fatal(err)
	}
	if req == nil {
		return nil
	}
	l.asking = true
	p := l.s.opts.Prompter
	go func() {
		ans, err := p.Prompt(ctx, req)
		r := pendingReply{err: err}
		if err == nil && req.Kind == PromptChallenge {
			if ans == nil {
				ans = &Answer{}
			}
			r.msg = push.CRResponse(ans.Response)
		}
		select {
		case l.pending <- r:
		case <-ctx.Done():
		}
	}()
	return nil
}

// pendingPrompt is the Prompt for m, or nil with a log line when there
// is nothing to ask.
func (l *link) pendingPrompt(m *push.Info) (*Prompt, error) {
	prof := l.s.prof.Name
	if c := m.CRText; c != nil {
		if l.s.opts.Prompter == nil {
			return nil, fmt.Errorf("%w: the server asks %q but there is no one to answer", ErrNoCredentials, c.Text)
		}
		return &Prompt{Kind: PromptChallenge, Profile: prof,
			Challenge: &push.Challenge{Echo: c.Echo, ResponseRequired: c.ResponseRequired, Flags: c.Flags, Text: c.Text}}, nil
	}
	w := m.WebAuth
	if w == nil {
		return nil, nil // plain text: nothing to ask
	}
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("sign-in: the server asks to open %q, which is not a web address; ask the VPN administrator to check the server's auth-pending setup", w.URL)
	}
	if !l.s.opts.WebAuth || l.s.opts.Prompter == nil {
		// Not announced, but sent anyway: say where to go.
		l.s.logf.printf("sign-in: the server asks you to finish signing in at %s; open it in a browser", w.URL)
		return nil, nil
	}
	return &Prompt{Kind: PromptWebAuth, Profile: prof, URL: w.URL}, nil
}

// handlePendingReply sends the answer to a pending question, or ends the
// session when the user could not or would not answer.
func (l *link) handlePendingReply(r pendingReply) error {
	l.asking = false
	if r.err != nil {
		if errors.Is(r.err, context.Canceled) {
			return r.err
		}
		return fatal(fmt.Errorf("sign-in: %w", r.err))
	}
	if r.msg == "" {
		return nil
	}
	return l.sendControlMessage(r.msg)
}
