package desktop

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
	"github.com/cvpn/cvpn/ui/viewmodel/viewmodeltest"
	"github.com/cvpn/cvpn/usersession"
)

// asked is what a connect's Asker returned, as usersession would see it.
type asked struct {
	answer   usersession.Answer
	remember bool
	err      error
}

// asking plays a connect that asks p, as usersession does for its kind,
// sends what came back to got, and ends.
func asking(p api.Prompt, got chan<- asked) viewmodeltest.ConnectFunc {
	return func(ctx context.Context, _ *viewmodeltest.Backend, req viewmodel.ConnectRequest) (*api.Status, error) {
		var a asked
		switch p.Kind {
		case api.PromptUserPass:
			a.answer, a.err = req.Ask.AskUserPass(ctx, &p)
		case api.PromptChallenge:
			a.answer.Response, a.err = req.Ask.AskCode(ctx, &p)
		case api.PromptPassphrase:
			a.answer.Password, a.err = req.Ask.AskPassphrase(ctx, &p)
		case api.PromptProxy:
			a.answer, a.err = req.Ask.AskProxy(ctx, &p)
		}
		a.remember = req.Remember()
		got <- a
		return nil, a.err
	}
}

// receive waits for the connect's answer, running redraws meanwhile.
func (h *harness) receive(got <-chan asked) asked {
	h.t.Helper()
	var a asked
	h.waitFor("the Asker to return", func() bool {
		select {
		case a = <-got:
			return true
		default:
			return false
		}
	})
	return a
}

// waitDialog waits for a sign-in dialog whose words include title.
func (h *harness) waitDialog(title string) {
	h.t.Helper()
	h.waitFor("the dialog "+title, func() bool {
		top := h.w.win.Canvas().Overlays().Top()
		return top != nil && contains(texts(top), title)
	})
}

func (h *harness) waitNoDialog() {
	h.t.Helper()
	h.waitFor("no dialog", func() bool { return h.w.win.Canvas().Overlays().Top() == nil && h.w.signIn.shown == nil })
}

// Each kind of question gets its dialog; what is typed into its entries
// and ticked reaches the Asker when "Sign in" is tapped.
func TestSignInDialogsAnswer(t *testing.T) {
	for _, c := range []struct {
		name   string
		prompt api.Prompt
		title  string
		// focus is the entry typing goes to when the dialog opens.
		focus func(d *signIn) *widget.Entry
		fill  func(t *testing.T, d *signIn)
		want  asked
	}{{
		name:   "password, username known, remembered",
		focus:  func(d *signIn) *widget.Entry { return d.password },
		prompt: api.Prompt{Kind: api.PromptUserPass, Username: "alice", AskUsername: true, AskPassword: true},
		title:  "Sign in to corp",
		fill: func(t *testing.T, d *signIn) {
			if d.username.Text != "alice" {
				t.Errorf("username prefilled with %q", d.username.Text)
			}
			if !d.password.Password || d.response != nil {
				t.Error("the password must be hidden, and no challenge asked")
			}
			test.Type(d.password, "s3cret")
			test.Tap(d.remember)
		},
		want: asked{answer: usersession.Answer{Username: "alice", Password: "s3cret"}, remember: true},
	}, {
		name:   "username and password typed",
		focus:  func(d *signIn) *widget.Entry { return d.username },
		prompt: api.Prompt{Kind: api.PromptUserPass, AskUsername: true, AskPassword: true},
		title:  "Sign in to corp",
		fill: func(_ *testing.T, d *signIn) {
			test.Type(d.username, "bob")
			test.Type(d.password, "pw")
		},
		want: asked{answer: usersession.Answer{Username: "bob", Password: "pw"}},
	}, {
		name:  "static challenge shown while typed",
		focus: func(d *signIn) *widget.Entry { return d.password },
		prompt: api.Prompt{Kind: api.PromptUserPass, Username: "alice", AskPassword: true,
			Challenge: "Enter your PIN", Echo: true},
		title: "Enter your PIN",
		fill: func(t *testing.T, d *signIn) {
			if d.username != nil {
				t.Error("a known username must not be asked")
			}
			if d.response.Password {
				t.Error("the challenge says echo: its answer must show")
			}
			test.Type(d.password, "pw")
			test.Type(d.response, "1234")
		},
		want: asked{answer: usersession.Answer{Username: "alice", Password: "pw", Response: "1234"}},
	}, {
		name:   "dynamic challenge hidden while typed",
		focus:  func(d *signIn) *widget.Entry { return d.response },
		prompt: api.Prompt{Kind: api.PromptChallenge, Challenge: "Enter the code from your token"},
		title:  "Additional verification",
		fill: func(t *testing.T, d *signIn) {
			if !d.response.Password || d.password != nil || d.remember != nil {
				t.Error("echo off needs a password entry, and nothing else asked")
			}
			test.Type(d.response, "654321")
		},
		want: asked{answer: usersession.Answer{Response: "654321"}},
	}, {
		name:   "passphrase remembered",
		focus:  func(d *signIn) *widget.Entry { return d.password },
		prompt: api.Prompt{Kind: api.PromptPassphrase},
		title:  "Unlock the private key",
		fill: func(_ *testing.T, d *signIn) {
			test.Type(d.password, "key pass")
			test.Tap(d.remember)
		},
		want: asked{answer: usersession.Answer{Password: "key pass"}, remember: true},
	}, {
		name:   "proxy",
		focus:  func(d *signIn) *widget.Entry { return d.username },
		prompt: api.Prompt{Kind: api.PromptProxy, Proxy: "proxy.example.com:3128"},
		title:  "The proxy proxy.example.com:3128 needs a username and password.",
		fill: func(_ *testing.T, d *signIn) {
			test.Type(d.username, "pu")
			test.Type(d.password, "pp")
		},
		want: asked{answer: usersession.Answer{Username: "pu", Password: "pp"}},
	}} {
		t.Run(c.name, func(t *testing.T) {
			h, _ := startSignIn(t, viewmodeltest.Entry("corp", false))
			got := make(chan asked, 1)
			h.b.SetConnect(asking(c.prompt, got))
			h.m.Connect("corp")
			h.waitDialog(c.title)
			if want := c.focus(h.w.signIn); h.w.win.Canvas().Focused() != want {
				t.Errorf("focus is on %v, want the first entry to fill", h.w.win.Canvas().Focused())
			}
			c.fill(t, h.w.signIn)
			h.tapButton(h.overlay(), "Sign in")
			if a := h.receive(got); a != c.want {
				t.Errorf("the Asker got %+v, want %+v", a, c.want)
			}
			h.waitNoDialog()
		})
	}
}

// Cancel declines the question: usersession hears ErrSignInCanceled.
func TestSignInCancel(t *testing.T) {
	h, _ := startSignIn(t, viewmodeltest.Entry("corp", false))
	got := make(chan asked, 1)
	h.b.SetConnect(asking(api.Prompt{Kind: api.PromptUserPass, AskUsername: true, AskPassword: true}, got))
	h.m.Connect("corp")
	h.waitDialog("Sign in to corp")
	test.Type(h.w.signIn.password, "not sent")
	h.tapButton(h.overlay(), "Cancel")
	if a := h.receive(got); !errors.Is(a.err, viewmodel.ErrSignInCanceled) || a.answer.Password != "" {
		t.Errorf("the Asker got %+v, want ErrSignInCanceled", a)
	}
	h.waitNoDialog()
}

// A question answered or given up elsewhere (the CLI, the service's
// timeout) closes its dialog, and the next one waiting takes its place:
// one dialog at a time.
func TestSignInOneAtATimeAndClosesWhenGone(t *testing.T) {
	h, _ := startSignIn(t, viewmodeltest.Entry("corp", false), viewmodeltest.Entry("lab", false))
	giveUp := make(chan struct{})
	got := make(chan asked, 2)
	h.b.SetConnect(func(ctx context.Context, _ *viewmodeltest.Backend, req viewmodel.ConnectRequest) (*api.Status, error) {
		p := api.Prompt{Kind: api.PromptChallenge, Challenge: "Code for " + req.Name, Echo: true}
		if req.Name == "corp" {
			actx, cancel := context.WithCancel(ctx)
			defer cancel()
			go func() {
				select {
				case <-giveUp:
				case <-actx.Done():
				}
				cancel()
			}()
			ctx = actx
		}
		var a asked
		a.answer.Response, a.err = req.Ask.AskCode(ctx, &p)
		got <- a
		return nil, a.err
	})
	h.m.Connect("corp")
	h.waitDialog("Code for corp")
	h.m.Connect("lab")
	h.waitFor("both waiting", func() bool { return h.m.View().Waiting == 2 })
	if n := len(h.w.win.Canvas().Overlays().List()); n != 1 {
		t.Fatalf("%d dialogs shown at once", n)
	}
	close(giveUp)
	if a := h.receive(got); !errors.Is(a.err, context.Canceled) {
		t.Errorf("corp's Asker got %+v, want its context's end", a)
	}
	h.waitDialog("Code for lab")
	test.Type(h.w.signIn.response, "42")
	h.tapButton(h.overlay(), "Sign in")
	if a := h.receive(got); a.answer.Response != "42" || a.err != nil {
		t.Errorf("lab's Asker got %+v", a)
	}
	h.waitNoDialog()
}

// A connect started from the tray brings the hidden window back for its
// question.
func TestSignInShowsHiddenWindow(t *testing.T) {
	h, _ := startSignIn(t, viewmodeltest.Entry("corp", false))
	h.w.Hide()
	got := make(chan asked, 1)
	h.b.SetConnect(asking(api.Prompt{Kind: api.PromptPassphrase}, got))
	h.m.Connect("corp")
	h.waitDialog("Unlock the private key")
	if h.w.Hidden() {
		t.Error("the window stayed hidden under the question")
	}
	h.tapButton(h.overlay(), "Cancel")
	h.receive(got)
}

// The Japanese dialog's words come from ja.json.
func TestSignInJapanese(t *testing.T) {
	if err := i18n.SetLanguage(i18n.Japanese); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = i18n.SetLanguage("") })
	h, _ := startSignIn(t, viewmodeltest.Entry("corp", false))
	got := make(chan asked, 1)
	h.b.SetConnect(asking(api.Prompt{Kind: api.PromptUserPass, AskUsername: true, AskPassword: true}, got))
	h.m.Connect("corp")
	h.waitDialog("corp にサインイン")
	words := texts(h.overlay())
	for _, want := range []string{"サインイン", "キャンセル"} {
		if !contains(words, want) {
			t.Errorf("no %q in the Japanese dialog %q", want, words)
		}
	}
	if h.w.signIn.remember.Text != "パスワードを保存する" {
		t.Errorf("remember reads %q", h.w.signIn.remember.Text)
	}
	h.tapButton(h.overlay(), "キャンセル")
	h.receive(got)
}
