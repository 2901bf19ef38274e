package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cvpn/cvpn/openvpn"
)

// authFilePrompter answers username/password prompts from a file in
// OpenVPN's auth-user-pass format: the username on the first line, the
// password on the second.
type authFilePrompter string

func (f authFilePrompter) Prompt(_ context.Context, req *openvpn.Prompt) (*openvpn.Answer, error) {
	switch req.Kind {
	case openvpn.PromptPassphrase:
		return nil, fmt.Errorf("the private key of %s is protected by a passphrase, which --auth-file cannot answer: run cvpn connect on a terminal to be asked (add --remember to keep it in the keyring): %w", req.Profile, openvpn.ErrCanceled)
	case openvpn.PromptProxyAuth:
		return nil, fmt.Errorf("the proxy %s asks for a username and password, which --auth-file cannot answer: run cvpn connect on a terminal to be asked (add --remember to keep them in the keyring): %w", req.Proxy, openvpn.ErrCanceled)
	}
	if req.Kind != openvpn.PromptUserPass {
		return nil, fmt.Errorf("the server asks %q, which --auth-file cannot answer: %w", challengeText(req), openvpn.ErrCanceled)
	}
	if req.Retry != "" {
		return nil, fmt.Errorf("the credentials in %s were refused (%s): %w", string(f), req.Retry, openvpn.ErrCanceled)
	}
	if req.StaticChallenge != nil {
		return nil, fmt.Errorf("the profile has a static challenge, which --auth-file cannot answer: %w", openvpn.ErrCanceled)
	}
	data, err := os.ReadFile(string(f))
	if err != nil {
		return nil, fmt.Errorf("read auth file: %w", err)
	}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	if len(lines) < 2 || lines[0] == "" {
		return nil, fmt.Errorf("auth file %s: want the username on the first line and the password on the second", string(f))
	}
	return &openvpn.Answer{Username: lines[0], Password: lines[1]}, nil
}

// terminalPrompter asks on the terminal, without echoing secrets.
type terminalPrompter struct {
	in  *os.File
	out io.Writer
}

func (t terminalPrompter) Prompt(_ context.Context, req *openvpn.Prompt) (*openvpn.Answer, error) {
	ans := &openvpn.Answer{Username: req.Username}
	r := bufio.NewReader(t.in)
	if req.Retry != "" {
		fmt.Fprintln(t.out, retryLine(req))
	}
	switch req.Kind {
	case openvpn.PromptUserPass:
		if req.AskUsername {
			fmt.Fprintf(t.out, "Username for %s: ", req.Profile)
			line, err := r.ReadString('\n')
			if err != nil && line == "" {
				return nil, fmt.Errorf("read username: %w", err)
			}
			ans.Username = strings.TrimRight(line, "\r\n")
		}
		if req.AskPassword {
			p, err := t.secret(fmt.Sprintf("Password for %s: ", ans.Username))
			if err != nil {
				return nil, err
			}
			ans.Password = p
		}
		if sc := req.StaticChallenge; sc != nil {
			resp, err := t.answer(r, sc.Text+": ", sc.Echo)
			if err != nil {
				return nil, err
			}
			ans.Response = resp
		}
	case openvpn.PromptPassphrase, openvpn.PromptProxyAuth:
		return t.secretPrompt(r, req)
	case openvpn.PromptChallenge:
		c := req.Challenge
		resp, err := t.answer(r, c.Text+": ", c.Echo)
		if err != nil {
			return nil, err
		}
		ans.Response = resp
	default:
		return nil, errors.New("unknown prompt")
	}
	return ans, nil
}

func (t terminalPrompter) answer(r *bufio.Reader, prompt string, echo bool) (string, error) {
	if !echo {
		return t.secret(prompt)
	}
	fmt.Fprint(t.out, prompt)
	line, err := r.ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read answer: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (t terminalPrompter) secret(prompt string) (string, error) {
	fmt.Fprint(t.out, prompt)
	s, err := readSecret(t.in)
	fmt.Fprintln(t.out)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return s, nil
}

func challengeText(req *openvpn.Prompt) string {
	if req.Challenge != nil {
		return req.Challenge.Text
	}
	return "a question"
}
