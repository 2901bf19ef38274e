package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/cvpn/cvpn/credstore"
	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/service/api"
)

// fakeTerm answers prompts like a user at the terminal and records them.
type fakeTerm struct {
	asked   []openvpn.Prompt
	answers []*openvpn.Answer
}

func (f *fakeTerm) Prompt(_ context.Context, req *openvpn.Prompt) (*openvpn.Answer, error) {
	f.asked = append(f.asked, *req)
	if len(f.answers) == 0 {
		return nil, openvpn.ErrCanceled
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	return a, nil
}

// A typed passphrase is saved with --remember once connected, answers the
// next connect from the keyring, and is deleted and never offered again
// once the engine says it is wrong.
func TestAnswererPassphrase(t *testing.T) {
	keyring.MockInit()
	const pp = "typed-Passphrase-1"
	var errb bytes.Buffer
	a := &app{stdout: &bytes.Buffer{}, stderr: &errb}
	prof := testProfileNamed(t, "corp")
	ask := &openvpn.Prompt{Kind: openvpn.PromptPassphrase, Profile: "corp", AskPassword: true}
	ctx := context.Background()

	term := &fakeTerm{answers: []*openvpn.Answer{{Password: pp}}}
	x := &answerer{a: a, prof: prof, flags: connectFlags{remember: true}, term: term}
	got, err := x.Prompt(ctx, ask)
	if err != nil || got.Password != pp || len(term.asked) != 1 || term.asked[0].Kind != openvpn.PromptPassphrase {
		t.Fatalf("first prompt: %+v %v (asked %+v)", got, err, term.asked)
	}
	x.remember()
	if saved, err := credstore.LoadPassphrase("corp"); err != nil || saved != pp {
		t.Fatalf("saved %q %v", saved, err)
	}
	if _, err := credstore.Load("corp"); !errors.Is(err, credstore.ErrNotFound) {
		t.Errorf("the passphrase went into the password's item: %v", err)
	}

	// The next connect, with no terminal: the keyring answers.
	x = &answerer{a: a, prof: prof, noTerminal: true}
	if got, err := x.Prompt(ctx, ask); err != nil || got.Password != pp {
		t.Fatalf("from the keyring: %+v %v", got, err)
	}

	// Wrong: deleted, and asked on the terminal from now on.
	term = &fakeTerm{answers: []*openvpn.Answer{{Password: "second"}, {Password: "third"}}}
	x = &answerer{a: a, prof: prof, term: term}
	retry := *ask
	retry.Retry = "wrong passphrase"
	if got, err := x.Prompt(ctx, &retry); err != nil || got.Password != "second" {
		t.Fatalf("after a wrong one: %+v %v", got, err)
	}
	if _, err := credstore.LoadPassphrase("corp"); !errors.Is(err, credstore.ErrNotFound) {
		t.Errorf("the wrong passphrase is still saved: %v", err)
	}
	if err := credstore.SavePassphrase("corp", pp); err != nil {
		t.Fatal(err)
	}
	if got, err := x.Prompt(ctx, ask); err != nil || got.Password != "third" {
		t.Errorf("a refused connect offered the keyring again: %+v %v", got, err)
	}

	// No terminal and an auth file: a clear error, no hang.
	x = &answerer{a: a, prof: prof, noTerminal: true, flags: connectFlags{authFile: "/nonexistent", forget: true}}
	_, err = x.Prompt(ctx, ask)
	if err == nil || !strings.Contains(err.Error(), "--auth-file cannot answer") {
		t.Errorf("auth file: %v", err)
	}
	x = &answerer{a: a, prof: prof, noTerminal: true, flags: connectFlags{forget: true}}
	if _, err := x.Prompt(ctx, ask); err == nil || !strings.Contains(err.Error(), "no terminal to ask on") {
		t.Errorf("no terminal: %v", err)
	}
	for _, secret := range []string{pp, "second", "third"} {
		if strings.Contains(errb.String(), secret) {
			t.Errorf("a passphrase reached the terminal's output: %s", errb.String())
		}
	}
}

// Proxy credentials are kept per proxy, apart from the VPN password.
func TestAnswererProxy(t *testing.T) {
	keyring.MockInit()
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	prof := testProfileNamed(t, "corp")
	ctx := context.Background()
	ask := &openvpn.Prompt{Kind: openvpn.PromptProxyAuth, Profile: "corp", Proxy: "proxy.example.com:3128", AskUsername: true, AskPassword: true}

	term := &fakeTerm{answers: []*openvpn.Answer{{Username: "pu", Password: "pp"}}}
	x := &answerer{a: a, prof: prof, flags: connectFlags{remember: true}, term: term}
	if got, err := x.Prompt(ctx, ask); err != nil || got.Username != "pu" || got.Password != "pp" {
		t.Fatalf("typed: %+v %v", got, err)
	}
	x.remember()
	if c, err := credstore.LoadProxy("proxy.example.com:3128"); err != nil || c.Username != "pu" {
		t.Fatalf("saved %+v %v", c, err)
	}
	x = &answerer{a: a, prof: prof, noTerminal: true}
	if got, err := x.Prompt(ctx, ask); err != nil || got.Password != "pp" {
		t.Fatalf("from the keyring: %+v %v", got, err)
	}
	retry := *ask
	retry.Retry = "407 Proxy Authentication Required"
	if _, err := x.Prompt(ctx, &retry); err == nil {
		t.Error("refused proxy credentials were offered again")
	}
	if _, err := credstore.LoadProxy("proxy.example.com:3128"); !errors.Is(err, credstore.ErrNotFound) {
		t.Errorf("refused proxy credentials still saved: %v", err)
	}
}

func TestEnginePromptSecrets(t *testing.T) {
	p := enginePrompt("corp", &api.Prompt{Kind: "passphrase", AskPassword: true, Retry: "wrong passphrase"})
	if p.Kind != openvpn.PromptPassphrase || p.Retry != "wrong passphrase" || p.Profile != "corp" {
		t.Errorf("passphrase → %+v", p)
	}
	p = enginePrompt("corp", &api.Prompt{Kind: "proxy", Proxy: "10.0.0.1:8080", AskUsername: true, AskPassword: true})
	if p.Kind != openvpn.PromptProxyAuth || p.Proxy != "10.0.0.1:8080" || !p.AskUsername {
		t.Errorf("proxy → %+v", p)
	}
}

// With --auth-file on a terminal, connect --foreground answers the VPN
// password from the file and the passphrase on the terminal.
func TestSecretsOnTerminal(t *testing.T) {
	term := &fakeTerm{answers: []*openvpn.Answer{{Password: "pp"}}}
	p := secretsOnTerminal{file: authFilePrompter("/nonexistent"), term: term}
	if got, err := p.Prompt(context.Background(), &openvpn.Prompt{Kind: openvpn.PromptPassphrase}); err != nil || got.Password != "pp" {
		t.Errorf("passphrase: %+v %v", got, err)
	}
	if _, err := p.Prompt(context.Background(), &openvpn.Prompt{Kind: openvpn.PromptUserPass, AskPassword: true}); err == nil || !strings.Contains(err.Error(), "read auth file") {
		t.Errorf("userpass did not go to the file: %v", err)
	}
	for _, tt := range []struct {
		req  openvpn.Prompt
		want string
	}{
		{openvpn.Prompt{Kind: openvpn.PromptPassphrase, Retry: "wrong passphrase"}, "The passphrase was wrong"},
		{openvpn.Prompt{Kind: openvpn.PromptProxyAuth, Proxy: "h:1", Retry: "407"}, "The proxy h:1 refused"},
		{openvpn.Prompt{Kind: openvpn.PromptUserPass, Retry: "AUTH_FAILED"}, "The server refused"},
	} {
		if got := retryLine(&tt.req); !strings.HasPrefix(got, tt.want) {
			t.Errorf("retryLine(%v) = %q", tt.req.Kind, got)
		}
	}
}
