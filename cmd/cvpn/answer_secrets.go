package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cvpn/cvpn/credstore"
	"github.com/cvpn/cvpn/openvpn"
)

// Key passphrases and proxy credentials: asked like the VPN password, kept
// in the keyring under their own items (credstore), never printed.

// secretAnswers is what one connect learned about them.
type secretAnswers struct {
	// passphrase was typed this time, to save once connected.
	passphrase *string
	// passphraseRefused: the engine said a passphrase was wrong, so the
	// keyring's is never offered again during this connect.
	passphraseRefused bool
	// proxies typed this time, and proxies that refused what was sent,
	// by host:port.
	proxies      map[string]credstore.Credentials
	proxyRefused map[string]bool
	proxyOrder   []string
}

// passphrase answers a PromptPassphrase: the keyring first (unless the
// last one was wrong), then the terminal.
func (x *answerer) passphrase(ctx context.Context, req *openvpn.Prompt) (*openvpn.Answer, error) {
	name := x.prof.Name
	if req.Retry != "" {
		x.secrets.passphraseRefused = true
		if err := credstore.DeletePassphrase(name); err != nil && x.flags.remember {
			fmt.Fprintf(x.a.stderr, "warning: %v\n", err)
		}
	}
	if !x.secrets.passphraseRefused && !x.flags.forget {
		pp, err := credstore.LoadPassphrase(name)
		if err == nil {
			fmt.Fprintf(x.a.stderr, "using the saved passphrase of the private key of %s\n", name)
			return &openvpn.Answer{Password: pp}, nil
		}
		if !errors.Is(err, credstore.ErrNotFound) && x.flags.remember {
			fmt.Fprintf(x.a.stderr, "warning: %v\n", err)
		}
	}
	p := x.secretAsker()
	if p == nil {
		return nil, fmt.Errorf("the private key of %s is protected by a passphrase and there is no terminal to ask on: run cvpn connect on a terminal (with --remember to keep it in the keyring)", name)
	}
	got, err := p.Prompt(ctx, req)
	if err != nil {
		return nil, err
	}
	pp := got.Password
	x.secrets.passphrase = &pp
	return &openvpn.Answer{Password: pp}, nil
}

// proxy answers a PromptProxyAuth for the proxy req.Proxy.
func (x *answerer) proxy(ctx context.Context, req *openvpn.Prompt) (*openvpn.Answer, error) {
	hp := req.Proxy
	if req.Retry != "" && hp != "" {
		if x.secrets.proxyRefused == nil {
			x.secrets.proxyRefused = map[string]bool{}
		}
		x.secrets.proxyRefused[hp] = true
		if err := credstore.DeleteProxy(hp); err != nil && x.flags.remember {
			fmt.Fprintf(x.a.stderr, "warning: %v\n", err)
		}
	}
	if hp != "" && !x.secrets.proxyRefused[hp] && !x.flags.forget {
		c, err := credstore.LoadProxy(hp)
		if err == nil {
			fmt.Fprintf(x.a.stderr, "using the saved credentials of %s for proxy %s\n", c.Username, hp)
			return &openvpn.Answer{Username: c.Username, Password: c.Password}, nil
		}
		if !errors.Is(err, credstore.ErrNotFound) && x.flags.remember {
			fmt.Fprintf(x.a.stderr, "warning: %v\n", err)
		}
	}
	p := x.secretAsker()
	if p == nil {
		return nil, fmt.Errorf("the proxy %s asks for a username and password and there is no terminal to ask on: run cvpn connect on a terminal (with --remember to keep them in the keyring)", hp)
	}
	got, err := p.Prompt(ctx, req)
	if err != nil {
		return nil, err
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
	return &openvpn.Answer{Username: got.Username, Password: got.Password}, nil
}

// secretAsker is where passphrase and proxy prompts go: the terminal,
// else the auth file (which explains that it cannot answer them).
func (x *answerer) secretAsker() openvpn.Prompter {
	switch {
	case x.term != nil:
		return x.term
	case !x.noTerminal && isTerminal(os.Stdin):
		return terminalPrompter{in: os.Stdin, out: x.a.stderr}
	case x.flags.authFile != "":
		return authFilePrompter(x.flags.authFile)
	}
	return nil
}

// rememberSecrets saves, with --remember, the passphrase and proxy
// credentials typed for a connection that worked.
func (x *answerer) rememberSecrets() {
	if !x.flags.remember {
		return
	}
	if pp := x.secrets.passphrase; pp != nil {
		if err := credstore.SavePassphrase(x.prof.Name, *pp); err != nil {
			fmt.Fprintf(x.a.stderr, "warning: the key passphrase was not saved: %v\n", err)
		} else {
			fmt.Fprintf(x.a.stderr, "saved the passphrase of the private key of %s in the keyring\n", x.prof.Name)
		}
	}
	for _, hp := range x.secrets.proxyOrder {
		c := x.secrets.proxies[hp]
		if err := credstore.SaveProxy(hp, c); err != nil {
			fmt.Fprintf(x.a.stderr, "warning: the proxy credentials were not saved: %v\n", err)
			continue
		}
		fmt.Fprintf(x.a.stderr, "saved the credentials of %s for proxy %s in the keyring\n", c.Username, hp)
	}
}

// secretPrompt asks for a key passphrase or proxy credentials on the
// terminal; passwords are never echoed.
func (t terminalPrompter) secretPrompt(r *bufio.Reader, req *openvpn.Prompt) (*openvpn.Answer, error) {
	ans := &openvpn.Answer{Username: req.Username}
	if req.Kind == openvpn.PromptPassphrase {
		p, err := t.secret(fmt.Sprintf("Passphrase for the private key of %s: ", req.Profile))
		if err != nil {
			return nil, err
		}
		ans.Password = p
		return ans, nil
	}
	if req.Username == "" || req.AskUsername {
		fmt.Fprintf(t.out, "Username for proxy %s: ", req.Proxy)
		line, err := r.ReadString('\n')
		if err != nil && line == "" {
			return nil, fmt.Errorf("read username: %w", err)
		}
		if typed := strings.TrimRight(line, "\r\n"); typed != "" || req.Username == "" {
			ans.Username = typed // an empty line keeps the name the engine knows
		}
	}
	p, err := t.secret(fmt.Sprintf("Password for proxy %s: ", req.Proxy))
	if err != nil {
		return nil, err
	}
	ans.Password = p
	return ans, nil
}

// retryLine says on the terminal why a prompt is asked again.
func retryLine(req *openvpn.Prompt) string {
	switch req.Kind {
	case openvpn.PromptPassphrase:
		return "The passphrase was wrong: " + req.Retry
	case openvpn.PromptProxyAuth:
		return fmt.Sprintf("The proxy %s refused the sign-in: %s", req.Proxy, req.Retry)
	}
	return "The server refused the sign-in: " + req.Retry
}

// secretsOnTerminal is connect --foreground's prompter with --auth-file on
// a terminal: the file answers the VPN's username and password, the
// terminal the key passphrase and proxy credentials.
type secretsOnTerminal struct {
	file, term openvpn.Prompter
}

func (s secretsOnTerminal) Prompt(ctx context.Context, req *openvpn.Prompt) (*openvpn.Answer, error) {
	if req.Kind == openvpn.PromptPassphrase || req.Kind == openvpn.PromptProxyAuth {
		return s.term.Prompt(ctx, req)
	}
	return s.file.Prompt(ctx, req)
}
