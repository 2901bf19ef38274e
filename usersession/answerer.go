package usersession

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cvpn/cvpn/credstore"
	"github.com/cvpn/cvpn/service/api"
)

// Answerer answers one connect's prompts. The keyring answers first,
// unless the server just refused what it holds; the Asker is asked for
// the rest. Once the tunnel is connected, Connected saves (with Remember)
// what the user typed. One Answerer serves one connect: it remembers what
// was refused during it.
type Answerer struct {
	// Profile is the profile's name: the keyring item of its password and
	// key passphrase.
	Profile string
	// Ask is the user interface; nil answers from the keyring alone.
	Ask Asker
	// Remember saves what was typed once connected, and reports keyring
	// trouble as warnings (without it, a keyring that does not work is no
	// news: nobody asked for it).
	Remember bool
	// Forget never offers saved secrets: the user wants to type them.
	Forget bool
	// NoSavedPassword keeps the VPN password from the keyring, as when
	// an auth file answers instead; passphrases and proxies still come
	// from it.
	NoSavedPassword bool
	// NoKeyring does without the keyring altogether (connect --foreground
	// runs as root, whose keyring is not the user's).
	NoKeyring bool
	// Logf reports what the Answerer does ("using the saved password of
	// alice") and warnings; nil discards. Secrets never reach it.
	Logf func(format string, args ...any)
	// Browser and SignInTimeout configure browser sign-ins (browser.go).
	Browser       string
	SignInTimeout time.Duration

	typed   *credstore.Credentials // asked this time, to save once connected
	secrets secretAnswers          // key passphrase and proxies (secrets.go)
}

func (x *Answerer) logf(format string, args ...any) {
	if x.Logf != nil {
		x.Logf(format, args...)
	}
}

// warn reports keyring trouble when the user asked for the keyring.
func (x *Answerer) warn(err error) {
	if err != nil && !errors.Is(err, credstore.ErrNotFound) && x.Remember {
		x.logf("warning: %v", err)
	}
}

// ErrNoAsker is returned for a prompt only a person could answer when the
// Answerer has no Asker.
var ErrNoAsker = errors.New("nobody to ask")

// Answer answers p.
func (x *Answerer) Answer(ctx context.Context, p *api.Prompt) (Answer, error) {
	switch p.Kind {
	case api.PromptPassphrase:
		return x.passphrase(ctx, p)
	case api.PromptProxy:
		return x.proxy(ctx, p)
	case api.PromptSAML:
		return x.saml(ctx, p)
	case api.PromptWebAuth:
		return x.webAuth(ctx, p)
	case api.PromptChallenge:
		if x.Ask == nil {
			return Answer{}, fmt.Errorf("the server asks %q: %w", p.Challenge, ErrNoAsker)
		}
		code, err := x.Ask.AskCode(ctx, p)
		return Answer{Username: p.Username, Response: code}, err
	case api.PromptUserPass:
		return x.userPass(ctx, p)
	}
	return Answer{}, fmt.Errorf("the service asks for %q, which this version of cvpn cannot answer", p.Kind)
}

// userPass answers a username and password prompt: the keyring first,
// and with a static challenge the one-time code alone is asked, never
// saved.
func (x *Answerer) userPass(ctx context.Context, p *api.Prompt) (Answer, error) {
	if p.Retry != "" && !x.NoKeyring {
		// The server refused: whatever was saved is wrong now.
		_ = credstore.Delete(x.Profile)
	}
	if saved := x.saved(p); saved != nil {
		if p.Challenge == "" {
			x.logf("using the saved credentials of %s", saved.Username)
			return Answer{Username: saved.Username, Password: saved.Password}, nil
		}
		if x.Ask == nil {
			return Answer{}, fmt.Errorf("the profile asks for a one-time code (%q): %w", p.Challenge, ErrNoAsker)
		}
		x.logf("using the saved password of %s", saved.Username)
		code := *p
		code.Username, code.AskUsername, code.AskPassword = saved.Username, false, false
		resp, err := x.Ask.AskCode(ctx, &code)
		if err != nil {
			return Answer{}, err
		}
		return Answer{Username: saved.Username, Password: saved.Password, Response: resp}, nil
	}
	if x.Ask == nil {
		return Answer{}, fmt.Errorf("the server asks for credentials: %w", ErrNoAsker)
	}
	got, err := x.Ask.AskUserPass(ctx, p)
	if err != nil {
		return Answer{}, err
	}
	if !p.AskUsername {
		got.Username = p.Username
	}
	if p.AskPassword {
		x.typed = &credstore.Credentials{Username: got.Username, Password: got.Password}
	}
	return got, nil
}

// saved returns the keyring's credentials when they may answer p: a first
// password prompt, and the user did not say otherwise.
func (x *Answerer) saved(p *api.Prompt) *credstore.Credentials {
	if !p.AskPassword || p.Retry != "" || x.Forget || x.NoSavedPassword || x.NoKeyring {
		return nil
	}
	c, err := credstore.Load(x.Profile)
	if err != nil {
		x.warn(err)
		return nil
	}
	return &c
}

// Connected saves, with Remember, what was typed for the connection that
// just came up.
func (x *Answerer) Connected() {
	if !x.Remember || x.NoKeyring {
		return
	}
	x.rememberSecrets()
	if x.typed == nil {
		return
	}
	if err := credstore.Save(x.Profile, *x.typed); err != nil {
		x.logf("warning: the password was not saved: %v", err)
		return
	}
	x.logf("saved the password of %s for %s in the keyring", x.typed.Username, x.Profile)
	x.typed = nil
}

// ForgetSaved deletes the profile's saved password and key passphrase, for
// a connect that wants them typed again.
func ForgetSaved(profile string) error {
	return errors.Join(credstore.Delete(profile), credstore.DeletePassphrase(profile))
}
