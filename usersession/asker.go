package usersession

import (
	"context"

	"github.com/cvpn/cvpn/service/api"
)

// Asker is the user interface's half of answering prompts. Each method
// asks the person for one thing, or returns an error saying why it cannot
// (no terminal, the user closed the dialog); the error stops the tunnel,
// and its text is shown. The prompt says what to show: p.Tunnel is the
// profile, p.Retry why it is asked again, p.Challenge and p.Echo the
// question and whether the answer may be shown while typed.
type Asker interface {
	// AskUserPass asks for the username when p.AskUsername (else
	// p.Username is it), the password when p.AskPassword, and the answer
	// to p.Challenge (a static challenge) when it is set.
	AskUserPass(ctx context.Context, p *api.Prompt) (Answer, error)
	// AskCode asks only for the answer to p.Challenge: a dynamic
	// challenge, or a static one whose password came from the keyring.
	AskCode(ctx context.Context, p *api.Prompt) (string, error)
	// AskPassphrase asks for the passphrase of the profile's private key.
	AskPassphrase(ctx context.Context, p *api.Prompt) (string, error)
	// AskProxy asks for the username and password of the proxy p.Proxy.
	AskProxy(ctx context.Context, p *api.Prompt) (Answer, error)
	// SignInAt tells the user that the browser sign-in waits at url, in
	// case the browser did not open it; it must not block.
	SignInAt(p *api.Prompt, url string)
}

// Answer is what the user gave.
type Answer struct {
	Username string
	Password string
	// Response answers a challenge, or is a SAML assertion.
	Response string
}
