package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cvpn/cvpn/credstore"
	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
)

// connectService asks the service for the tunnel, answers its prompts on
// the terminal (or from the keyring or an auth file) and returns once the
// tunnel is connected, or failed. The tunnel keeps running after we exit.
func (a *app) connectService(prof *profile.Profile, f connectFlags) int {
	c := a.client()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	if f.forget {
		if err := credstore.Delete(prof.Name); err != nil {
			fmt.Fprintf(a.stderr, "warning: %v\n", err)
		}
		if err := credstore.DeletePassphrase(prof.Name); err != nil {
			fmt.Fprintf(a.stderr, "warning: %v\n", err)
		}
	}
	// Subscribe before asking, so no prompt or state is missed.
	events, err := c.Events(ctx)
	if err != nil {
		return a.fail("connect", err)
	}
	defer events.Close()
	if _, err := c.Connect(ctx, api.ConnectBody{Name: prof.Name, Profile: string(prof.Inlined()),
		Device: f.devName, NoKeyExport: f.noEKM, EnforceRoutes: f.enforceRoutes}); err != nil {
		return a.fail("connect", err)
	}
	ans := &answerer{a: a, prof: prof, flags: f}
	done := make(chan int, 1)
	go func() { done <- a.followConnect(ctx, c, events, ans, f) }()
	var timeout <-chan time.Time
	if f.timeout > 0 {
		timeout = time.After(f.timeout)
	}
	select {
	case code := <-done:
		return code
	case <-sigs:
		fmt.Fprintln(a.stderr, "canceled: disconnecting")
	case <-timeout:
		fmt.Fprintf(a.stderr, "cvpn connect: not connected after %v: giving up and disconnecting\n", f.timeout)
	}
	cancel()
	dctx, dcancel := context.WithTimeout(context.Background(), defaultWait)
	defer dcancel()
	if _, err := c.Disconnect(dctx, prof.Name); err != nil && !client.IsCode(err, api.CodeNotConnected) {
		fmt.Fprintf(a.stderr, "cvpn connect: %v\n", err)
	}
	return exitError
}

// followConnect reads events until the tunnel is connected or gone.
func (a *app) followConnect(ctx context.Context, c *client.Client, events *client.Events, ans *answerer, f connectFlags) int {
	name := ans.prof.Name
	for {
		ev, err := events.Next()
		if err != nil {
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				fmt.Fprintln(a.stderr, "cvpn connect: the cvpn service stopped")
				return exitError
			}
			return a.fail("connect", err)
		}
		if ev.Tunnel != name && ev.Tunnel != "" {
			continue
		}
		if ev.Kind == "log" {
			if f.verbose {
				fmt.Fprintf(a.stderr, "  %s\n", ev.Message)
			}
			continue
		}
		if ev.Prompt != nil {
			a.answerPrompt(ctx, c, ans, ev.Prompt)
			continue
		}
		if line := eventLine(ev); line != "" && ev.State != "disconnected" {
			if f.json {
				fmt.Fprintln(a.stderr, line) // stdout is for the JSON alone
			} else {
				fmt.Fprintln(a.stdout, line)
			}
		}
		switch ev.State {
		case "connected":
			ans.remember()
			if f.json && ev.Status != nil {
				return a.printJSON(ev.Status)
			}
			return exitOK
		case "disconnected":
			msg := ev.Message
			if msg == "" {
				msg = "the tunnel stopped"
			}
			fmt.Fprintf(a.stderr, "cvpn connect: %s\n", msg)
			return exitError
		}
	}
}

func (a *app) answerPrompt(ctx context.Context, c *client.Client, ans *answerer, p *api.Prompt) {
	reply := api.AnswerBody{ID: p.ID}
	got, err := ans.Prompt(ctx, enginePrompt(ans.prof.Name, p))
	if err != nil {
		fmt.Fprintf(a.stderr, "cvpn connect: %v\n", err)
		reply.Cancel = true
	} else {
		reply.Username, reply.Password, reply.Response = got.Username, got.Password, got.Response
	}
	if err := c.Answer(ctx, reply); err != nil {
		fmt.Fprintf(a.stderr, "cvpn connect: %v\n", err)
	}
}

// enginePrompt turns the API's prompt back into the engine's, so the
// terminal and auth-file prompters serve both connect modes.
func enginePrompt(profileName string, p *api.Prompt) *openvpn.Prompt {
	req := &openvpn.Prompt{Profile: profileName, Username: p.Username, AskUsername: p.AskUsername,
		AskPassword: p.AskPassword, Retry: p.Retry}
	switch p.Kind {
	case "challenge":
		req.Kind = openvpn.PromptChallenge
		req.Challenge = &push.Challenge{Text: p.Challenge, Echo: p.Echo, Username: p.Username}
		return req
	case "passphrase":
		req.Kind = openvpn.PromptPassphrase
		return req
	case "proxy":
		req.Kind, req.Proxy = openvpn.PromptProxyAuth, p.Proxy
		return req
	}
	req.Kind = openvpn.PromptUserPass
	if p.Challenge != "" {
		req.StaticChallenge = &profile.StaticChallenge{Text: p.Challenge, Echo: p.Echo}
	}
	return req
}

// answerer answers prompts for one connect: from the keyring first (unless
// the server just refused those), then the auth file or the terminal. With
// --remember it saves what worked.
type answerer struct {
	a     *app
	prof  *profile.Profile
	flags connectFlags
	typed *credstore.Credentials // asked this time, to save once connected
	// secrets are the key passphrase and proxy credentials (answer_secrets.go).
	secrets secretAnswers
	// noTerminal pretends stdin is not a terminal, and term replaces the
	// terminal (tests).
	noTerminal bool
	term       openvpn.Prompter
}

func (x *answerer) Prompt(ctx context.Context, req *openvpn.Prompt) (*openvpn.Answer, error) {
	switch req.Kind {
	case openvpn.PromptPassphrase:
		return x.passphrase(ctx, req)
	case openvpn.PromptProxyAuth:
		return x.proxy(ctx, req)
	}
	if req.Retry != "" {
		// The server refused: whatever was saved is wrong now.
		_ = credstore.Delete(x.prof.Name)
	}
	p := x.asker()
	if saved := x.saved(req); saved != nil {
		if req.StaticChallenge == nil {
			fmt.Fprintf(x.a.stderr, "using the saved credentials of %s\n", saved.Username)
			return &openvpn.Answer{Username: saved.Username, Password: saved.Password}, nil
		}
		// A one-time code is never saved: ask for it alone.
		if p == nil {
			return nil, fmt.Errorf("the profile asks for a one-time code (%q) and there is no terminal to ask on: run cvpn connect on a terminal", req.StaticChallenge.Text)
		}
		fmt.Fprintf(x.a.stderr, "using the saved password of %s\n", saved.Username)
		code := *req
		code.Username, code.AskUsername, code.AskPassword = saved.Username, false, false
		got, err := p.Prompt(ctx, &code)
		if err != nil {
			return nil, err
		}
		return &openvpn.Answer{Username: saved.Username, Password: saved.Password, Response: got.Response}, nil
	}
	if p == nil {
		return nil, fmt.Errorf("the server asks for credentials and there is no terminal to ask on: run cvpn connect on a terminal, pass --auth-file FILE, or save them with --remember once")
	}
	got, err := p.Prompt(ctx, req)
	if err == nil && req.Kind == openvpn.PromptUserPass && req.AskPassword {
		x.typed = &credstore.Credentials{Username: got.Username, Password: got.Password}
	}
	return got, err
}

// saved returns the keyring's credentials when they may answer req: a
// first password prompt, no --auth-file, no --forget.
func (x *answerer) saved(req *openvpn.Prompt) *credstore.Credentials {
	if req.Kind != openvpn.PromptUserPass || !req.AskPassword || req.Retry != "" || x.flags.forget || x.flags.authFile != "" {
		return nil
	}
	c, err := credstore.Load(x.prof.Name)
	if err != nil {
		if !errors.Is(err, credstore.ErrNotFound) && x.flags.remember {
			fmt.Fprintf(x.a.stderr, "warning: %v\n", err)
		}
		return nil
	}
	return &c
}

// asker is where prompts not answered from the keyring go: the auth file,
// else the terminal; nil when there is neither.
func (x *answerer) asker() openvpn.Prompter {
	switch {
	case x.flags.authFile != "":
		return authFilePrompter(x.flags.authFile)
	case x.term != nil:
		return x.term
	case !x.noTerminal && isTerminal(os.Stdin):
		return terminalPrompter{in: os.Stdin, out: x.a.stderr}
	}
	return nil
}

// remember saves the credentials typed for a connection that worked.
func (x *answerer) remember() {
	x.rememberSecrets()
	if !x.flags.remember || x.typed == nil {
		return
	}
	if err := credstore.Save(x.prof.Name, *x.typed); err != nil {
		fmt.Fprintf(x.a.stderr, "warning: the password was not saved: %v\n", err)
		return
	}
	fmt.Fprintf(x.a.stderr, "saved the password of %s for %s in the keyring\n", x.typed.Username, x.prof.Name)
}
