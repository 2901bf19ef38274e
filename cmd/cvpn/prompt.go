package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/usersession"
)

// cliAsker is the CLI's usersession.Asker: --auth-file answers the VPN's
// username and password, the terminal everything else (and the password
// too when there is no file). What neither can answer fails with advice
// instead of hanging.
type cliAsker struct {
	out  io.Writer
	file string            // --auth-file, or ""
	term usersession.Asker // the terminal; nil when stdin is not one
}

// newCLIAsker asks on stdin when it is a terminal.
func newCLIAsker(out io.Writer, authFile string) *cliAsker {
	x := &cliAsker{out: out, file: authFile}
	if isTerminal(os.Stdin) {
		x.term = terminalAsker{in: os.Stdin, out: out}
	}
	return x
}

func (x *cliAsker) AskUserPass(ctx context.Context, p *api.Prompt) (usersession.Answer, error) {
	switch {
	case x.file != "":
		return readAuthFile(x.file, p)
	case x.term != nil:
		return x.term.AskUserPass(ctx, p)
	}
	return usersession.Answer{}, errors.New("the server asks for credentials and there is no terminal to ask on: run cvpn connect on a terminal, pass --auth-file FILE, or save them with --remember once")
}

func (x *cliAsker) AskCode(ctx context.Context, p *api.Prompt) (string, error) {
	switch {
	case x.file != "" && p.Kind == api.PromptChallenge:
		return "", fmt.Errorf("the server asks %q, which --auth-file cannot answer", p.Challenge)
	case x.file != "":
		return "", errors.New("the profile has a static challenge, which --auth-file cannot answer")
	case x.term != nil:
		return x.term.AskCode(ctx, p)
	case p.Kind == api.PromptChallenge:
		return "", fmt.Errorf("the server asks %q and there is no terminal to answer on: run cvpn connect on a terminal", p.Challenge)
	}
	return "", fmt.Errorf("the profile asks for a one-time code (%q) and there is no terminal to ask on: run cvpn connect on a terminal", p.Challenge)
}

func (x *cliAsker) AskPassphrase(ctx context.Context, p *api.Prompt) (string, error) {
	switch {
	case x.term != nil:
		return x.term.AskPassphrase(ctx, p)
	case x.file != "":
		return "", fmt.Errorf("the private key of %s is protected by a passphrase, which --auth-file cannot answer: run cvpn connect on a terminal to be asked (add --remember to keep it in the keyring)", p.Tunnel)
	}
	return "", fmt.Errorf("the private key of %s is protected by a passphrase and there is no terminal to ask on: run cvpn connect on a terminal (with --remember to keep it in the keyring)", p.Tunnel)
}

func (x *cliAsker) AskProxy(ctx context.Context, p *api.Prompt) (usersession.Answer, error) {
	switch {
	case x.term != nil:
		return x.term.AskProxy(ctx, p)
	case x.file != "":
		return usersession.Answer{}, fmt.Errorf("the proxy %s asks for a username and password, which --auth-file cannot answer: run cvpn connect on a terminal to be asked (add --remember to keep them in the keyring)", p.Proxy)
	}
	return usersession.Answer{}, fmt.Errorf("the proxy %s asks for a username and password and there is no terminal to ask on: run cvpn connect on a terminal (with --remember to keep them in the keyring)", p.Proxy)
}

func (x *cliAsker) SignInAt(p *api.Prompt, url string) {
	if p.Retry != "" {
		fmt.Fprintf(x.out, "Signing in again: %s\n", p.Retry)
	}
	fmt.Fprintf(x.out, "Sign in to %s in the browser; if it did not open, open this address:\n  %s\n", p.Tunnel, url)
}

// readAuthFile answers a username and password prompt from a file in
// OpenVPN's auth-user-pass format: the username on the first line, the
// password on the second.
func readAuthFile(path string, p *api.Prompt) (usersession.Answer, error) {
	if p.Retry != "" {
		return usersession.Answer{}, fmt.Errorf("the credentials in %s were refused (%s)", path, p.Retry)
	}
	if p.Challenge != "" {
		return usersession.Answer{}, errors.New("the profile has a static challenge, which --auth-file cannot answer")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return usersession.Answer{}, fmt.Errorf("read auth file: %w", err)
	}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	if len(lines) < 2 || lines[0] == "" {
		return usersession.Answer{}, fmt.Errorf("auth file %s: want the username on the first line and the password on the second", path)
	}
	return usersession.Answer{Username: lines[0], Password: lines[1]}, nil
}

// terminalAsker asks on the terminal, without echoing secrets.
type terminalAsker struct {
	in  *os.File
	out io.Writer
}

func (t terminalAsker) AskUserPass(_ context.Context, p *api.Prompt) (usersession.Answer, error) {
	t.retry(p)
	ans := usersession.Answer{Username: p.Username}
	r := bufio.NewReader(t.in)
	if p.AskUsername {
		line, err := t.line(r, fmt.Sprintf("Username for %s: ", p.Tunnel))
		if err != nil {
			return ans, fmt.Errorf("read username: %w", err)
		}
		ans.Username = line
	}
	if p.AskPassword {
		pw, err := t.secret(fmt.Sprintf("Password for %s: ", ans.Username))
		if err != nil {
			return ans, err
		}
		ans.Password = pw
	}
	if p.Challenge != "" {
		resp, err := t.answer(r, p.Challenge+": ", p.Echo)
		if err != nil {
			return ans, err
		}
		ans.Response = resp
	}
	return ans, nil
}

func (t terminalAsker) AskCode(_ context.Context, p *api.Prompt) (string, error) {
	t.retry(p)
	return t.answer(bufio.NewReader(t.in), p.Challenge+": ", p.Echo)
}

func (t terminalAsker) AskPassphrase(_ context.Context, p *api.Prompt) (string, error) {
	t.retry(p)
	return t.secret(fmt.Sprintf("Passphrase for the private key of %s: ", p.Tunnel))
}

func (t terminalAsker) AskProxy(_ context.Context, p *api.Prompt) (usersession.Answer, error) {
	t.retry(p)
	ans := usersession.Answer{Username: p.Username}
	if p.Username == "" || p.AskUsername {
		typed, err := t.line(bufio.NewReader(t.in), fmt.Sprintf("Username for proxy %s: ", p.Proxy))
		if err != nil {
			return ans, fmt.Errorf("read username: %w", err)
		}
		if typed != "" || p.Username == "" {
			ans.Username = typed // an empty line keeps the name the service knows
		}
	}
	pw, err := t.secret(fmt.Sprintf("Password for proxy %s: ", p.Proxy))
	if err != nil {
		return ans, err
	}
	ans.Password = pw
	return ans, nil
}

func (t terminalAsker) SignInAt(p *api.Prompt, url string) {
	if p.Retry != "" {
		fmt.Fprintf(t.out, "Signing in again: %s\n", p.Retry)
	}
	fmt.Fprintf(t.out, "Sign in to %s in the browser; if it did not open, open this address:\n  %s\n", p.Tunnel, url)
}

// retry says why a prompt is asked again.
func (t terminalAsker) retry(p *api.Prompt) {
	if p.Retry != "" {
		fmt.Fprintln(t.out, retryLine(p))
	}
}

// retryLine is why p is asked again, for the terminal.
func retryLine(p *api.Prompt) string {
	switch p.Kind {
	case api.PromptPassphrase:
		return "The passphrase was wrong: " + p.Retry
	case api.PromptProxy:
		return fmt.Sprintf("The proxy %s refused the sign-in: %s", p.Proxy, p.Retry)
	}
	return "The server refused the sign-in: " + p.Retry
}

func (t terminalAsker) line(r *bufio.Reader, prompt string) (string, error) {
	fmt.Fprint(t.out, prompt)
	line, err := r.ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (t terminalAsker) answer(r *bufio.Reader, prompt string, echo bool) (string, error) {
	if !echo {
		return t.secret(prompt)
	}
	s, err := t.line(r, prompt)
	if err != nil {
		return "", fmt.Errorf("read answer: %w", err)
	}
	return s, nil
}

func (t terminalAsker) secret(prompt string) (string, error) {
	fmt.Fprint(t.out, prompt)
	s, err := readSecret(t.in)
	fmt.Fprintln(t.out)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return s, nil
}
