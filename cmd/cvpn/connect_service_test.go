package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/usersession"
)

// fakeTerm stands for the terminal and records which method was asked.
type fakeTerm struct{ asked []string }

func (f *fakeTerm) AskUserPass(context.Context, *api.Prompt) (usersession.Answer, error) {
	f.asked = append(f.asked, "userpass")
	return usersession.Answer{Username: "term-user", Password: "term-pass"}, nil
}

func (f *fakeTerm) AskCode(context.Context, *api.Prompt) (string, error) {
	f.asked = append(f.asked, "code")
	return "123456", nil
}

func (f *fakeTerm) AskPassphrase(context.Context, *api.Prompt) (string, error) {
	f.asked = append(f.asked, "passphrase")
	return "pp", nil
}

func (f *fakeTerm) AskProxy(context.Context, *api.Prompt) (usersession.Answer, error) {
	f.asked = append(f.asked, "proxy")
	return usersession.Answer{Username: "pu", Password: "pp"}, nil
}

func (f *fakeTerm) SignInAt(*api.Prompt, string) {}

// --auth-file answers the VPN's username and password, the terminal the
// rest; what neither can answer fails with advice naming the way out.
func TestCLIAsker(t *testing.T) {
	authFile := filepath.Join(t.TempDir(), "auth")
	if err := os.WriteFile(authFile, []byte("file-user\nfile-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	userpass := &api.Prompt{Kind: api.PromptUserPass, Tunnel: "corp", AskUsername: true, AskPassword: true}
	static := &api.Prompt{Kind: api.PromptUserPass, Tunnel: "corp", AskPassword: true, Challenge: "MFA code"}
	dynamic := &api.Prompt{Kind: api.PromptChallenge, Tunnel: "corp", Challenge: "PIN"}
	passphrase := &api.Prompt{Kind: api.PromptPassphrase, Tunnel: "corp", AskPassword: true}
	proxy := &api.Prompt{Kind: api.PromptProxy, Tunnel: "corp", Proxy: "10.0.0.1:8080", AskUsername: true, AskPassword: true}
	tests := []struct {
		name    string
		file    string
		term    bool
		p       *api.Prompt
		asked   string // the terminal's method, if it was asked
		answer  string // the username or response expected
		errText string
	}{
		{"file answers the password", authFile, true, userpass, "", "file-user", ""},
		{"terminal answers the passphrase", authFile, true, passphrase, "passphrase", "", ""},
		{"terminal answers the proxy", authFile, true, proxy, "proxy", "pu", ""},
		{"terminal alone", "", true, userpass, "userpass", "term-user", ""},
		{"terminal code", "", true, dynamic, "code", "123456", ""},
		{"file cannot answer a static challenge", authFile, true, static, "", "", "static challenge, which --auth-file cannot answer"},
		{"file cannot answer a question", authFile, false, dynamic, "", "", `asks "PIN", which --auth-file cannot answer`},
		{"file cannot answer a passphrase", authFile, false, passphrase, "", "", "--auth-file cannot answer"},
		{"file cannot answer a proxy", authFile, false, proxy, "", "", "--auth-file cannot answer"},
		{"nothing for the password", "", false, userpass, "", "", "no terminal to ask on"},
		{"nothing for the passphrase", "", false, passphrase, "", "", "protected by a passphrase and there is no terminal to ask on"},
		{"nothing for the code", "", false, static, "", "", "one-time code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term := &fakeTerm{}
			x := &cliAsker{out: &bytes.Buffer{}, file: tt.file}
			if tt.term {
				x.term = term
			}
			var got string
			var err error
			switch {
			case tt.p.Kind == api.PromptPassphrase:
				_, err = x.AskPassphrase(context.Background(), tt.p)
			case tt.p.Kind == api.PromptProxy:
				var a usersession.Answer
				a, err = x.AskProxy(context.Background(), tt.p)
				got = a.Username
			case tt.p.Kind == api.PromptChallenge || tt.p.Challenge != "":
				got, err = x.AskCode(context.Background(), tt.p)
			default:
				var a usersession.Answer
				a, err = x.AskUserPass(context.Background(), tt.p)
				got = a.Username
			}
			if tt.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("err %v, want %q", err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.answer || strings.Join(term.asked, ",") != tt.asked {
				t.Errorf("answer %q (terminal asked %v), want %q (%q)", got, term.asked, tt.answer, tt.asked)
			}
		})
	}
}

func TestRetryLine(t *testing.T) {
	for _, tt := range []struct {
		p    api.Prompt
		want string
	}{
		{api.Prompt{Kind: api.PromptPassphrase, Retry: "wrong passphrase"}, "The passphrase was wrong"},
		{api.Prompt{Kind: api.PromptProxy, Proxy: "h:1", Retry: "407"}, "The proxy h:1 refused"},
		{api.Prompt{Kind: api.PromptUserPass, Retry: "AUTH_FAILED"}, "The server refused"},
	} {
		if got := retryLine(&tt.p); !strings.HasPrefix(got, tt.want) {
			t.Errorf("retryLine(%v) = %q", tt.p.Kind, got)
		}
	}
}

// connect's flags become the Answerer's keyring policy.
func TestAnswererFromFlags(t *testing.T) {
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, asker: &fakeTerm{}}
	prof := testProfileNamed(t, "corp")
	x := a.answerer(prof, connectFlags{remember: true, authFile: "/x"})
	if x.Profile != "corp" || !x.Remember || x.Forget || !x.NoSavedPassword || x.NoKeyring {
		t.Errorf("answerer %+v", x)
	}
	if x := a.answerer(prof, connectFlags{forget: true}); !x.Forget || x.NoSavedPassword {
		t.Errorf("--forget: %+v", x)
	}
}

// The sign-in browser: --browser, then $CVPN_BROWSER (left to saml), then
// the user's setting.
func TestAnswererBrowser(t *testing.T) {
	t.Setenv("CVPN_CONFIG_DIR", t.TempDir())
	path, err := usersession.SettingsPath()
	if err != nil {
		t.Fatal(err)
	}
	if err := usersession.SaveSettings(path, usersession.Settings{Browser: "from-settings"}); err != nil {
		t.Fatal(err)
	}
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, asker: &fakeTerm{}}
	prof := testProfileNamed(t, "corp")
	tests := []struct {
		flag, env, want string
	}{
		{"", "", "from-settings"},
		{"from-flag", "", "from-flag"},
		{"", "from-env", ""}, // saml reads $CVPN_BROWSER itself
		{"from-flag", "from-env", "from-flag"},
	}
	for _, tt := range tests {
		t.Setenv("CVPN_BROWSER", tt.env)
		if got := a.answerer(prof, connectFlags{browser: tt.flag}).Browser; got != tt.want {
			t.Errorf("flag %q env %q: browser %q, want %q", tt.flag, tt.env, got, tt.want)
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
