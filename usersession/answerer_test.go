package usersession

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/cvpn/cvpn/credstore"
	"github.com/cvpn/cvpn/service/api"
)

// fakeAsker answers like a user at a dialog and records what was asked.
type fakeAsker struct {
	asked   []api.Prompt
	methods []string
	answers []Answer
	urls    []string
}

var errDeclined = errors.New("declined")

func (f *fakeAsker) next(method string, p *api.Prompt) (Answer, error) {
	f.asked = append(f.asked, *p)
	f.methods = append(f.methods, method)
	if len(f.answers) == 0 {
		return Answer{}, errDeclined
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	return a, nil
}

func (f *fakeAsker) AskUserPass(_ context.Context, p *api.Prompt) (Answer, error) {
	return f.next("userpass", p)
}

func (f *fakeAsker) AskCode(_ context.Context, p *api.Prompt) (string, error) {
	a, err := f.next("code", p)
	return a.Response, err
}

func (f *fakeAsker) AskPassphrase(_ context.Context, p *api.Prompt) (string, error) {
	a, err := f.next("passphrase", p)
	return a.Password, err
}

func (f *fakeAsker) AskProxy(_ context.Context, p *api.Prompt) (Answer, error) {
	return f.next("proxy", p)
}

func (f *fakeAsker) SignInAt(_ *api.Prompt, url string) { f.urls = append(f.urls, url) }

// logs collects what an Answerer reports.
type logs []string

func (l *logs) logf(format string, args ...any) { *l = append(*l, fmt.Sprintf(format, args...)) }

func (l logs) String() string { return strings.Join(l, "\n") }

// The keyring answers first, never after the server refused what it
// holds; what was typed is saved with Remember once connected.
func TestAnswererKeyring(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	userpass := &api.Prompt{Kind: api.PromptUserPass, AskUsername: true, AskPassword: true}
	var out logs

	typed := &fakeAsker{answers: []Answer{{Username: "typed-user", Password: "typed-pass"}}}
	x := &Answerer{Profile: "corp", Ask: typed, Remember: true, Logf: out.logf}
	got, err := x.Answer(ctx, userpass)
	if err != nil || got.Username != "typed-user" || got.Password != "typed-pass" {
		t.Fatalf("first prompt: %+v %v", got, err)
	}
	if _, err := credstore.Load("corp"); !errors.Is(err, credstore.ErrNotFound) {
		t.Fatalf("saved before the connection worked: %v", err)
	}
	x.Connected()
	if saved, err := credstore.Load("corp"); err != nil || saved.Password != "typed-pass" {
		t.Fatalf("saved %+v %v", saved, err)
	}
	if !strings.Contains(out.String(), "saved the password of typed-user for corp in the keyring") {
		t.Errorf("log: %s", out)
	}

	// The next connect: the keyring answers, nobody is asked.
	x = &Answerer{Profile: "corp", Logf: out.logf}
	if got, err := x.Answer(ctx, userpass); err != nil || got.Password != "typed-pass" {
		t.Fatalf("from the keyring: %+v %v", got, err)
	}
	if !strings.Contains(out.String(), "using the saved credentials of typed-user") {
		t.Errorf("log: %s", out)
	}

	// Refused: the saved entry goes, and with nobody to ask the prompt
	// fails instead of hanging.
	retry := *userpass
	retry.Retry = "bad password"
	if _, err := x.Answer(ctx, &retry); !errors.Is(err, ErrNoAsker) {
		t.Errorf("a refused saved password: %v, want ErrNoAsker", err)
	}
	if _, err := credstore.Load("corp"); !errors.Is(err, credstore.ErrNotFound) {
		t.Errorf("after a refusal the keyring still has the entry: %v", err)
	}
	for _, line := range out {
		if strings.Contains(line, "typed-pass") {
			t.Errorf("a password was logged: %q", line)
		}
	}
}

// Which prompts the keyring may answer, by the Answerer's options.
func TestAnswererKeyringPolicy(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		x         Answerer
		p         api.Prompt
		wantAsked string // the Asker method, "" when the keyring answered
	}{
		{"saved", Answerer{}, api.Prompt{Kind: api.PromptUserPass, AskPassword: true}, ""},
		{"forget", Answerer{Forget: true}, api.Prompt{Kind: api.PromptUserPass, AskPassword: true}, "userpass"},
		{"auth file", Answerer{NoSavedPassword: true}, api.Prompt{Kind: api.PromptUserPass, AskPassword: true}, "userpass"},
		{"no keyring", Answerer{NoKeyring: true}, api.Prompt{Kind: api.PromptUserPass, AskPassword: true}, "userpass"},
		{"retry", Answerer{}, api.Prompt{Kind: api.PromptUserPass, AskPassword: true, Retry: "no"}, "userpass"},
		{"static challenge", Answerer{}, api.Prompt{Kind: api.PromptUserPass, AskPassword: true, Challenge: "code"}, "code"},
		{"dynamic challenge", Answerer{}, api.Prompt{Kind: api.PromptChallenge, Challenge: "PIN"}, "code"},
		{"auth file keeps the passphrase", Answerer{NoSavedPassword: true}, api.Prompt{Kind: api.PromptPassphrase}, ""},
		{"forget the passphrase", Answerer{Forget: true}, api.Prompt{Kind: api.PromptPassphrase}, "passphrase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keyring.MockInit()
			if err := credstore.Save("corp", credstore.Credentials{Username: "alice", Password: "saved"}); err != nil {
				t.Fatal(err)
			}
			if err := credstore.SavePassphrase("corp", "saved-pp"); err != nil {
				t.Fatal(err)
			}
			ask := &fakeAsker{answers: []Answer{{Username: "typed", Password: "typed", Response: "123456"}}}
			x := tt.x
			x.Profile, x.Ask = "corp", ask
			if _, err := x.Answer(ctx, &tt.p); err != nil {
				t.Fatal(err)
			}
			got := strings.Join(ask.methods, ",")
			if got != tt.wantAsked {
				t.Errorf("asked %q, want %q", got, tt.wantAsked)
			}
		})
	}
}

// With a static challenge the saved password is used and only the
// one-time code is asked for; the code is never saved.
func TestAnswererStaticChallenge(t *testing.T) {
	keyring.MockInit()
	if err := credstore.Save("mfa", credstore.Credentials{Username: "alice", Password: "saved-pass"}); err != nil {
		t.Fatal(err)
	}
	ask := &fakeAsker{answers: []Answer{{Response: "123456"}}}
	x := &Answerer{Profile: "mfa", Ask: ask, Remember: true}
	p := &api.Prompt{Kind: api.PromptUserPass, AskUsername: true, AskPassword: true, Challenge: "Enter MFA code"}
	got, err := x.Answer(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Username != "alice" || got.Password != "saved-pass" || got.Response != "123456" {
		t.Errorf("answer %+v", got)
	}
	if len(ask.asked) != 1 || ask.asked[0].AskPassword || ask.asked[0].AskUsername || ask.asked[0].Username != "alice" {
		t.Errorf("asked %+v; want the code alone, for alice", ask.asked)
	}
	x.Connected()
	if c, _ := credstore.Load("mfa"); c.Password != "saved-pass" {
		t.Errorf("the keyring now holds %+v", c)
	}
	x = &Answerer{Profile: "mfa"}
	if _, err := x.Answer(context.Background(), p); !errors.Is(err, ErrNoAsker) {
		t.Errorf("no asker for the one-time code: %v", err)
	}
}

// A typed passphrase is saved with Remember once connected, answers the
// next connect from the keyring, and is deleted and never offered again
// once the engine says it is wrong.
func TestAnswererPassphrase(t *testing.T) {
	keyring.MockInit()
	const pp = "typed-Passphrase-1"
	var out logs
	ask := &api.Prompt{Kind: api.PromptPassphrase, Tunnel: "corp", AskPassword: true}
	ctx := context.Background()

	term := &fakeAsker{answers: []Answer{{Password: pp}}}
	x := &Answerer{Profile: "corp", Ask: term, Remember: true, Logf: out.logf}
	got, err := x.Answer(ctx, ask)
	if err != nil || got.Password != pp || len(term.methods) != 1 || term.methods[0] != "passphrase" {
		t.Fatalf("first prompt: %+v %v (asked %v)", got, err, term.methods)
	}
	x.Connected()
	if saved, err := credstore.LoadPassphrase("corp"); err != nil || saved != pp {
		t.Fatalf("saved %q %v", saved, err)
	}
	if _, err := credstore.Load("corp"); !errors.Is(err, credstore.ErrNotFound) {
		t.Errorf("the passphrase went into the password's item: %v", err)
	}

	x = &Answerer{Profile: "corp", Logf: out.logf}
	if got, err := x.Answer(ctx, ask); err != nil || got.Password != pp {
		t.Fatalf("from the keyring: %+v %v", got, err)
	}

	term = &fakeAsker{answers: []Answer{{Password: "second"}, {Password: "third"}}}
	x = &Answerer{Profile: "corp", Ask: term, Logf: out.logf}
	retry := *ask
	retry.Retry = "wrong passphrase"
	if got, err := x.Answer(ctx, &retry); err != nil || got.Password != "second" {
		t.Fatalf("after a wrong one: %+v %v", got, err)
	}
	if _, err := credstore.LoadPassphrase("corp"); !errors.Is(err, credstore.ErrNotFound) {
		t.Errorf("the wrong passphrase is still saved: %v", err)
	}
	if err := credstore.SavePassphrase("corp", pp); err != nil {
		t.Fatal(err)
	}
	if got, err := x.Answer(ctx, ask); err != nil || got.Password != "third" {
		t.Errorf("a refused connect offered the keyring again: %+v %v", got, err)
	}
	for _, secret := range []string{pp, "second", "third"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("a passphrase was logged: %s", out)
		}
	}
}

// Proxy credentials are kept per proxy, apart from the VPN password.
func TestAnswererProxy(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	ask := &api.Prompt{Kind: api.PromptProxy, Tunnel: "corp", Proxy: "proxy.example.com:3128", AskUsername: true, AskPassword: true}

	term := &fakeAsker{answers: []Answer{{Username: "pu", Password: "pp"}}}
	x := &Answerer{Profile: "corp", Ask: term, Remember: true}
	if got, err := x.Answer(ctx, ask); err != nil || got.Username != "pu" || got.Password != "pp" {
		t.Fatalf("typed: %+v %v", got, err)
	}
	x.Connected()
	if c, err := credstore.LoadProxy("proxy.example.com:3128"); err != nil || c.Username != "pu" {
		t.Fatalf("saved %+v %v", c, err)
	}
	x = &Answerer{Profile: "corp"}
	if got, err := x.Answer(ctx, ask); err != nil || got.Password != "pp" {
		t.Fatalf("from the keyring: %+v %v", got, err)
	}
	retry := *ask
	retry.Retry = "407 Proxy Authentication Required"
	if _, err := x.Answer(ctx, &retry); err == nil {
		t.Error("refused proxy credentials were offered again")
	}
	if _, err := credstore.LoadProxy("proxy.example.com:3128"); !errors.Is(err, credstore.ErrNotFound) {
		t.Errorf("refused proxy credentials still saved: %v", err)
	}
}

// savedForTest reads what the keyring holds for the Answerer's profile.
func (x *Answerer) savedForTest() (credstore.Credentials, error) { return credstore.Load(x.Profile) }
