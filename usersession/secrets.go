package usersession

import (
	"context"
	"fmt"

	"github.com/cvpn/cvpn/credstore"
	"github.com/cvpn/cvpn/service/api"
)

// Key passphrases and proxy credentials: asked like the VPN password,
// kept in the keyring under their own items (credstore), never logged.

// secretAnswers is what one connect learned about them.
type secretAnswers struct {
	// passphrase was typed this time, to save once connected.
	passphrase *string
	// passphraseRefused: the engine said a passphrase was wrong, so the
	// keyring's is never offered again during this connect.
	passphraseRefused bool
	// proxies typed this time, and proxies that refused what was sent,
	// by host:port, in the order asked.
	proxies      map[string]credstore.Credentials
	proxyRefused map[string]bool
	proxyOrder   []string
}

// passphrase answers a PromptPassphrase: the keyring first (unless the
// last one was wrong), then the Asker.
func (x *Answerer) passphrase(ctx context.Context, p *api.Prompt) (Answer, error) {
	name := x.Profile
	if p.Retry != "" && !x.NoKeyring {
		x.secrets.passphraseRefused = true
		x.warn(credstore.DeletePassphrase(name))
	}
	if !x.secrets.passphraseRefused && !x.Forget && !x.NoKeyring {
		pp, err := credstore.LoadPassphrase(name)
		if err == nil {
			x.logf("using the saved passphrase of the private key of %s", name)
			return Answer{Password: pp}, nil
		}
		x.warn(err)
	}
	if x.Ask == nil {
		return Answer{}, fmt.Errorf("the private key of %s is protected by a passphrase: %w", name, ErrNoAsker)
	}
	pp, err := x.Ask.AskPassphrase(ctx, p)
	if err != nil {
		return Answer{}, err
	}
	x.secrets.passphrase = &pp
	return Answer{Password: pp}, nil
}

// proxy answers a PromptProxy for the proxy p.Proxy.
func (x *Answerer) proxy(ctx context.Context, p *api.Prompt) (Answer, error) {
	hp := p.Proxy
	if p.Retry != "" && hp != "" && !x.NoKeyring {
		if x.secrets.proxyRefused == nil {
			x.secrets.proxyRefused = map[string]bool{}
		}
		x.secrets.proxyRefused[hp] = true
		x.warn(credstore.DeleteProxy(hp))
	}
	if hp != "" && !x.secrets.proxyRefused[hp] && !x.Forget && !x.NoKeyring {
		c, err := credstore.LoadProxy(hp)
		if err == nil {
			x.logf("using the saved credentials of %s for proxy %s", c.Username, hp)
			return Answer{Username: c.Username, Password: c.Password}, nil
		}
		x.warn(err)
	}
	if x.Ask == nil {
		return Answer{}, fmt.Errorf("the proxy %s asks for a username and password: %w", hp, ErrNoAsker)
	}
	got, err := x.Ask.AskProxy(ctx, p)
	if err != nil {
		return Answer{}, err
	}
	if hp != "" && got.Username != "" {
		if x.secrets.proxies == nil {
			x.secrets.proxies = map[string]credstore.Credentials{}
		}
		if _, ok := x.secrets.proxies[hp]; !ok {
			x.secrets.proxyOrder = append(x.secrets.proxyOrder, hp)
		}
		x.secrets.proxies[hp] = credstore.Credentials{Username: got.Username, Password: got.Password}
	}
	return Answer{Username: got.Username, Password: got.Password}, nil
}

// rememberSecrets saves the passphrase and proxy credentials typed for a
// connection that worked.
func (x *Answerer) rememberSecrets() {
	if pp := x.secrets.passphrase; pp != nil {
		if err := credstore.SavePassphrase(x.Profile, *pp); err != nil {
			x.logf("warning: the key passphrase was not saved: %v", err)
		} else {
			x.logf("saved the passphrase of the private key of %s in the keyring", x.Profile)
		}
		x.secrets.passphrase = nil
	}
	for _, hp := range x.secrets.proxyOrder {
		c := x.secrets.proxies[hp]
		if err := credstore.SaveProxy(hp, c); err != nil {
			x.logf("warning: the proxy credentials were not saved: %v", err)
			continue
		}
		x.logf("saved the credentials of %s for proxy %s in the keyring", c.Username, hp)
	}
	x.secrets.proxies, x.secrets.proxyOrder = nil, nil
}
