package viewmodel

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/usersession"
)

// Each kind of prompt becomes the dialog it needs, and the typed answer
// goes back to usersession in the right fields.
func TestSignInKinds(t *testing.T) {
	tests := []struct {
		name   string
		prompt api.Prompt
		ask    func(ctx context.Context, a usersession.Asker, p *api.Prompt) (usersession.Answer, error)
		check  func(s SignIn) bool
		typed  SignInAnswer
		want   usersession.Answer
		keep   bool // remember reaches the Answerer
	}{
		{"static challenge", api.Prompt{Kind: api.PromptUserPass, Username: "alice", AskPassword: true, Challenge: "Enter PIN", Echo: true},
			func(ctx context.Context, a usersession.Asker, p *api.Prompt) (usersession.Answer, error) {
				return a.AskUserPass(ctx, p)
			},
			func(s SignIn) bool {
				return s.Kind == SignInUserPass && s.Username == "alice" && !s.AskUsername && s.Challenge == "Enter PIN" && s.Echo
			},
			SignInAnswer{Password: "pw", Response: "123456"}, usersession.Answer{Password: "pw", Response: "123456"}, false},
		{"dynamic challenge, hidden", api.Prompt{Kind: api.PromptChallenge, Challenge: "Token code", Retry: "wrong code"},
			func(ctx context.Context, a usersession.Asker, p *api.Prompt) (usersession.Answer, error) {
				r, err := a.AskCode(ctx, p)
				return usersession.Answer{Response: r}, err
			},
			func(s SignIn) bool {
				return s.Kind == SignInCode && s.Challenge == "Token code" && !s.Echo && s.Retry == "wrong code"
			},
			SignInAnswer{Response: "999"}, usersession.Answer{Response: "999"}, false},
		{"passphrase", api.Prompt{Kind: api.PromptPassphrase},
			func(ctx context.Context, a usersession.Asker, p *api.Prompt) (usersession.Answer, error) {
				r, err := a.AskPassphrase(ctx, p)
				return usersession.Answer{Password: r}, err
			},
			func(s SignIn) bool { return s.Kind == SignInPassphrase },
			SignInAnswer{Password: "key pass", Remember: true}, usersession.Answer{Password: "key pass"}, true},
		{"proxy", api.Prompt{Kind: api.PromptProxy, Proxy: "proxy.example.com:3128"},
			func(ctx context.Context, a usersession.Asker, p *api.Prompt) (usersession.Answer, error) {
				return a.AskProxy(ctx, p)
			},
			func(s SignIn) bool { return s.Kind == SignInProxy && s.Proxy == "proxy.example.com:3128" },
			SignInAnswer{Username: "u", Password: "p"}, usersession.Answer{Username: "u", Password: "p"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(entry("corp", false))
			type result struct {
				a        usersession.Answer
				err      error
				remember bool
			}
			done := make(chan result, 1)
			f.setScript(func(ctx context.Context, f *fakeBackend, req ConnectRequest) (*api.Status, error) {
				p := tt.prompt
				p.Tunnel = req.Name
				a, err := tt.ask(ctx, req.Ask, &p)
				done <- result{a, err, req.Remember()}
				return nil, err
			})
			h := start(t, f)
			h.m.Connect("corp")
			v := h.waitFor("the dialog", func(v View) bool { return v.SignIn != nil })
			if !tt.check(*v.SignIn) || v.SignIn.Profile != "corp" {
				t.Fatalf("dialog %+v", v.SignIn)
			}
			if err := h.m.Answer(v.SignIn.ID, tt.typed); err != nil {
				t.Fatal(err)
			}
			r := <-done
			if r.err != nil || r.a != tt.want || r.remember != tt.keep {
				t.Errorf("usersession got %+v, %v, remember %v; want %+v, remember %v", r.a, r.err, r.remember, tt.want, tt.keep)
			}
		})
	}
}

// Closing a dialog, or pressing Cancel while it shows, makes the Asker
// decline (usersession sends api.ReasonCanceled) and shows no error.
func TestSignInCancel(t *testing.T) {
	for _, how := range []string{"close the dialog", "cancel button"} {
		t.Run(how, func(t *testing.T) {
			f := newFake(entry("corp", false))
			got := make(chan error, 1)
			f.setScript(func(ctx context.Context, f *fakeBackend, req ConnectRequest) (*api.Status, error) {
				_, err := req.Ask.AskUserPass(ctx, &api.Prompt{Kind: api.PromptUserPass, AskUsername: true, AskPassword: true})
				got <- err
				// What usersession and the service then do.
				f.emit(&api.Event{Kind: api.EventState, Tunnel: req.Name, State: api.StateDisconnected, Reason: api.ReasonCanceled, Message: "canceled"})
				return nil, &usersession.EndedError{Tunnel: req.Name, Reason: api.ReasonCanceled, Message: "canceled"}
			})
			h := start(t, f)
			h.m.Select("corp")
			h.m.Primary()
			v := h.waitFor("the dialog", func(v View) bool { return v.SignIn != nil })
			if how == "close the dialog" {
				h.m.CancelSignIn(v.SignIn.ID)
			} else {
				h.m.Primary()
			}
			if err := <-got; !errors.Is(err, ErrSignInCanceled) {
				t.Fatalf("the Asker returned %v", err)
			}
			v = h.waitFor("the end", func(v View) bool { return !row(v, "corp").Connecting && v.SignIn == nil })
			if v.Error != nil || v.Primary != ActionConnect {
				t.Errorf("after cancel: %+v", v)
			}
		})
	}
}

// The SAML wait: "continue in your browser" with the address, open it
// again, the time left, and cancel, which declines the prompt with
// api.ReasonCanceled and stops the connect (and so the sign-in listener).
func TestSAMLWaitAndCancel(t *testing.T) {
	const url = "https://idp.example.com/sso?SAMLRequest=x"
	f := newFake(entry("aws", false))
	ended := make(chan error, 1)
	f.setScript(func(ctx context.Context, f *fakeBackend, req ConnectRequest) (*api.Status, error) {
		f.emit(&api.Event{Kind: api.EventState, Tunnel: req.Name, State: api.StateAuthenticating})
		req.Ask.SignInAt(&api.Prompt{ID: "saml-1", Tunnel: req.Name, Kind: api.PromptSAML, URL: url}, url)
		<-ctx.Done() // the browser flow waits on the listener
		ended <- context.Cause(ctx)
		return nil, context.Cause(ctx)
	})
	h := start(t, f)
	h.m.Select("aws")
	h.m.Primary()
	v := h.waitFor("the browser wait", func(v View) bool { return v.SignIn != nil })
	s := *v.SignIn
	if s.Kind != SignInBrowser || s.URL != url || s.Profile != "aws" {
		t.Fatalf("wait state %+v", s)
	}
	if left := s.TimeLeft(h.clock.Now()); left != usersession.DefaultSignInTimeout {
		t.Errorf("time left %v", left)
	}
	if left := s.TimeLeft(h.clock.Now().Add(61*time.Second + 300*time.Millisecond)); left != usersession.DefaultSignInTimeout-62*time.Second {
		t.Errorf("time left a minute on: %v", left)
	}
	if left := s.TimeLeft(h.clock.Now().Add(time.Hour)); left != 0 {
		t.Errorf("time left once past: %v", left)
	}
	if v.Primary != ActionCancel || v.Tray != TrayConnecting || !v.Ticking() {
		t.Errorf("primary %v tray %v", v.Primary, v.Tray)
	}
	if err := h.m.OpenAgain(s.ID); err != nil {
		t.Fatal(err)
	}
	if err := h.m.OpenAgain(s.ID + 100); !errors.Is(err, ErrNoSignIn) {
		t.Errorf("open again for nothing: %v", err)
	}
	if err := h.m.Answer(s.ID, SignInAnswer{}); !errors.Is(err, ErrNoSignIn) {
		t.Errorf("a browser sign-in answered from the app: %v", err)
	}

	h.m.Primary() // Cancel
	if err := <-ended; !errors.Is(err, errCanceledByUser) {
		t.Errorf("connect ended with %v", err)
	}
	v = h.waitFor("the end", func(v View) bool { return !row(v, "aws").Connecting })
	if v.SignIn != nil || v.Error != nil {
		t.Errorf("after cancel: %+v", v)
	}
	_, answers, _, opened := f.snapshot()
	if len(answers) != 1 || answers[0] != (api.AnswerBody{ID: "saml-1", Cancel: true, Reason: api.ReasonCanceled}) {
		t.Errorf("answers %+v", answers)
	}
	if len(opened) != 1 || opened[0] != url {
		t.Errorf("opened %v", opened)
	}
}

// A web-auth page has no deadline of ours, and the wait ends when the
// tunnel connects.
func TestWebAuthWait(t *testing.T) {
	f := newFake(entry("corp", false))
	f.setScript(func(ctx context.Context, f *fakeBackend, req ConnectRequest) (*api.Status, error) {
		p := &api.Prompt{ID: "w1", Tunnel: req.Name, Kind: api.PromptWebAuth, URL: "https://vpn.example.com/auth"}
		req.Ask.SignInAt(p, p.URL)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	h := start(t, f)
	h.m.Connect("corp")
	v := h.waitFor("the web-auth wait", func(v View) bool { return v.SignIn != nil })
	if v.SignIn.Kind != SignInWebAuth || !v.SignIn.Deadline.IsZero() || v.SignIn.TimeLeft(h.clock.Now()) != 0 {
		t.Errorf("wait %+v", v.SignIn)
	}
	f.emit(&api.Event{Kind: api.EventState, Tunnel: "corp", State: api.StateConnected, Status: &api.Status{Profile: "corp"}})
	h.waitFor("the wait to go", func(v View) bool { return v.SignIn == nil && row(v, "corp").State == api.StateConnected })
}
