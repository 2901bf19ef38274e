package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/cvpn/cvpn/credstore"
	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
)

// The answerer offers saved credentials first, never after the server
// refused them, and saves what worked with --remember.
func TestAnswererKeyring(t *testing.T) {
	keyring.MockInit()
	authFile := filepath.Join(t.TempDir(), "auth")
	if err := os.WriteFile(authFile, []byte("typed-user\ntyped-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	a := &app{stdout: &bytes.Buffer{}, stderr: &errb}
	prof := testProfileNamed(t, "corp")
	userpass := &openvpn.Prompt{Kind: openvpn.PromptUserPass, AskUsername: true, AskPassword: true}

	// First connect with --remember and an auth file: nothing saved yet,
	// the file answers, and success saves it.
	x := &answerer{a: a, prof: prof, flags: connectFlags{remember: true, authFile: authFile}}
	got, err := x.Prompt(context.Background(), userpass)
	if err != nil || got.Username != "typed-user" || got.Password != "typed-pass" {
		t.Fatalf("first prompt: %+v %v", got, err)
	}
	x.remember()
	saved, err := credstore.Load("corp")
	if err != nil || saved.Password != "typed-pass" {
		t.Fatalf("saved %+v %v", saved, err)
	}

	// Next connect without a file: the keyring answers.
	x = &answerer{a: a, prof: prof, noTerminal: true}
	got, err = x.Prompt(context.Background(), userpass)
	if err != nil || got.Password != "typed-pass" {
		t.Fatalf("from keyring: %+v %v", got, err)
	}

	// The server refuses: the saved entry goes, and with no terminal the
	// prompt fails with advice instead of hanging.
	retry := *userpass
	retry.Retry = "bad password"
	if _, err := x.Prompt(context.Background(), &retry); err == nil {
		t.Error("a refused saved password was offered again")
	}
	if _, err := credstore.Load("corp"); !errors.Is(err, credstore.ErrNotFound) {
		t.Errorf("after a refusal the keyring still has the entry: %v", err)
	}
}

func TestEnginePrompt(t *testing.T) {
	tests := []struct {
		in     api.Prompt
		kind   openvpn.PromptKind
		static bool
	}{
		{api.Prompt{Kind: "userpass", AskPassword: true}, openvpn.PromptUserPass, false},
		{api.Prompt{Kind: "userpass", AskPassword: true, Challenge: "MFA code", Echo: true}, openvpn.PromptUserPass, true},
		{api.Prompt{Kind: "challenge", Challenge: "Enter the code sent to you"}, openvpn.PromptChallenge, false},
	}
	for _, tt := range tests {
		p := enginePrompt("corp", &tt.in)
		if p.Kind != tt.kind || (p.StaticChallenge != nil) != tt.static || p.Profile != "corp" {
			t.Errorf("%+v → %+v", tt.in, p)
		}
		if tt.kind == openvpn.PromptChallenge && (p.Challenge == nil || p.Challenge.Text != tt.in.Challenge) {
			t.Errorf("challenge text lost: %+v", p.Challenge)
		}
	}
}

func testProfileNamed(t *testing.T, name string) *profile.Profile {
	t.Helper()
	p, err := profile.ParseFile(testdata("aws-ad-mfa.ovpn"))
	if err != nil {
		t.Fatal(err)
	}
	p.Name = name
	return p
}

// With a static challenge the saved password is used and only the one-time
// code is asked for.
func TestAnswererStaticChallenge(t *testing.T) {
	keyring.MockInit()
	if err := credstore.Save("mfa", credstore.Credentials{Username: "alice", Password: "saved-pass"}); err != nil {
		t.Fatal(err)
	}
	var asked *openvpn.Prompt
	term := openvpn.PrompterFunc(func(_ context.Context, req *openvpn.Prompt) (*openvpn.Answer, error) {
		asked = req
		return &openvpn.Answer{Username: req.Username, Response: "123456"}, nil
	})
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	x := &answerer{a: a, prof: testProfileNamed(t, "mfa"), term: term}
	req := &openvpn.Prompt{Kind: openvpn.PromptUserPass, AskUsername: true, AskPassword: true,
		StaticChallenge: &profile.StaticChallenge{Text: "Enter MFA code"}}
	got, err := x.Prompt(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got.Username != "alice" || got.Password != "saved-pass" || got.Response != "123456" {
		t.Errorf("answer %+v", got)
	}
	if asked == nil || asked.AskPassword || asked.AskUsername || asked.StaticChallenge == nil {
		t.Errorf("the terminal was asked %+v; want the code alone", asked)
	}
	// Without a terminal the code cannot be asked: a clear error, no hang.
	x = &answerer{a: a, prof: testProfileNamed(t, "mfa"), noTerminal: true}
	if _, err := x.Prompt(context.Background(), req); err == nil {
		t.Error("no error without a terminal for the one-time code")
	}
}
