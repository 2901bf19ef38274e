package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/saml"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/usersession"
)

// connectService asks the service for the tunnel through usersession,
// which answers its prompts (keyring, then the auth file or the
// terminal), and returns once the tunnel is connected, or failed. The
// tunnel keeps running after we exit.
func (a *app) connectService(prof *profile.Profile, f connectFlags) int {
	if f.forget {
		if err := usersession.ForgetSaved(prof.Name); err != nil {
			fmt.Fprintf(a.stderr, "warning: %v\n", err)
		}
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	errCanceled := errors.New("canceled")
	go func() {
		var timeout <-chan time.Time
		if f.timeout > 0 {
			timeout = time.After(f.timeout)
		}
		select {
		case <-sigs:
			fmt.Fprintln(a.stderr, "canceled: disconnecting")
			cancel(errCanceled)
		case <-timeout:
			fmt.Fprintf(a.stderr, "cvpn connect: not connected after %v: giving up and disconnecting\n", f.timeout)
			cancel(errCanceled)
		case <-ctx.Done():
		}
	}()

	ans := a.answerer(prof, f)
	noReconnect, level := a.connectPrefs(f)
	st, err := usersession.Connect(ctx, a.client(), api.ConnectBody{Name: prof.Name, Profile: string(prof.Inlined()),
		Device: f.devName, NoKeyExport: f.noEKM, EnforceRoutes: f.enforceRoutes,
		NoReconnect: noReconnect, LogLevel: level}, usersession.ConnectOptions{
		Answerer:      ans,
		OnEvent:       func(ev *api.Event) { a.printEvent(ev, f) },
		OnAnswerError: func(err error) { fmt.Fprintf(a.stderr, "cvpn connect: %v\n", err) },
	})
	var ended *usersession.EndedError
	switch {
	case err == nil:
		if f.json {
			return a.printJSON(st)
		}
		return exitOK
	case errors.Is(err, errCanceled):
		if err != errCanceled { // the disconnect failed too
			fmt.Fprintf(a.stderr, "cvpn connect: %v\n", err)
		}
		return exitError
	case errors.As(err, &ended):
		fmt.Fprintf(a.stderr, "cvpn connect: %s\n", usersession.Explain(ended.Error(), ended.Reason))
		return exitError
	case errors.Is(err, usersession.ErrServiceStopped):
		fmt.Fprintln(a.stderr, "cvpn connect: the cvpn service stopped")
		return exitError
	}
	return a.fail("connect", err)
}

// answerer is how connect answers prompts: the keyring (unless --forget,
// or --auth-file for the password), then the auth file or the terminal.
func (a *app) answerer(prof *profile.Profile, f connectFlags) *usersession.Answerer {
	ask := a.asker
	if ask == nil {
		ask = newCLIAsker(a.stderr, f.authFile)
	}
	// --browser, then $CVPN_BROWSER (which saml reads itself), then the
	// user's setting.
	browser := f.browser
	if browser == "" && os.Getenv(saml.BrowserEnv) == "" {
		if path, err := usersession.SettingsPath(); err == nil {
			s, err := usersession.LoadSettings(path)
			if err != nil {
				fmt.Fprintf(a.stderr, "warning: %v\n", err)
			}
			browser = s.Browser
		}
	}
	return &usersession.Answerer{
		Browser:         browser,
		Profile:         prof.Name,
		Ask:             ask,
		Remember:        f.remember,
		Forget:          f.forget,
		NoSavedPassword: f.authFile != "",
		Logf:            func(format string, args ...any) { fmt.Fprintf(a.stderr, format+"\n", args...) },
	}
}

// connectPrefs are the auto-reconnect and log level a connect asks for,
// the same the desktop app would ask for: the user's settings, with
// --no-reconnect and --log-level over them, and the administrator's
// policy over both. A flag the policy overrides is not silently dropped:
// a warning says which policy decides.
func (a *app) connectPrefs(f connectFlags) (noReconnect bool, level string) {
	m, _, err := a.openSettings()
	if err != nil {
		fmt.Fprintf(a.stderr, "warning: %v\n", err)
	}
	eff := usersession.Settings{}
	if m != nil {
		eff = m.Settings()
		if err := m.PolicyError(); err != nil {
			fmt.Fprintf(a.stderr, "warning: %v\n", err)
		}
	}
	locked := func(key string) (bool, string) {
		if m == nil {
			return false, ""
		}
		return m.Locked(key)
	}
	noReconnect, level = !eff.AutoReconnect(), eff.Level()
	if f.noReconnect && !noReconnect {
		if on, src := locked(policy.KeyAutoReconnect); on {
			fmt.Fprintf(a.stderr, "warning: --no-reconnect is ignored: your administrator turns auto-reconnect on in the policy %s\n", src)
		} else {
			noReconnect = true
		}
	}
	if f.logLevel != "" && f.logLevel != level {
		if on, src := locked(policy.KeyLogLevel); on {
			fmt.Fprintf(a.stderr, "warning: --log-level %s is ignored: your administrator sets the log level to %s in the policy %s\n", f.logLevel, level, src)
		} else {
			level = f.logLevel
		}
	}
	return noReconnect, level
}

// printEvent shows one of the tunnel's events while connecting.
func (a *app) printEvent(ev *api.Event, f connectFlags) {
	if ev.Kind == api.EventLog {
		if f.verbose {
			fmt.Fprintf(a.stderr, "  %s\n", ev.Message)
		}
		return
	}
	line := eventLine(ev)
	if line == "" || ev.State == api.StateDisconnected {
		return
	}
	if f.json {
		fmt.Fprintln(a.stderr, line) // stdout is for the JSON alone
	} else {
		fmt.Fprintln(a.stdout, line)
	}
}
