//go:build linux

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/credstore"
	"github.com/cvpn/cvpn/e2e/lab"
	"github.com/cvpn/cvpn/internal/keyringtest"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
)

// cliTTY runs the cvpn CLI as root on a pseudo-terminal (util-linux
// script), typing input into it, the way a user answers its prompts. The
// terminal's output (stdout and stderr) is returned.
func (s *svcLab) cliTTY(t *testing.T, input string, args ...string) (string, int) {
	t.Helper()
	return s.cliTTYEnv(t, nil, input, args...)
}

// cliTTYEnv is cliTTY with env added to the CLI's environment.
func (s *svcLab) cliTTYEnv(t *testing.T, env []string, input string, args ...string) (string, int) {
	t.Helper()
	lab.Require(t, "script")
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	quoted := []string{s.bin}
	for _, a := range args {
		quoted = append(quoted, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	cmd := exec.CommandContext(ctx, "script", "-q", "-e", "-c", strings.Join(quoted, " "), "/dev/null")
	cmd.Env = append(os.Environ(), "CVPN_SOCKET="+s.sock, "CVPN_CONFIG_DIR="+s.config)
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// The pipe stays open until the CLI exits: at end of input script(1)
	// would send the terminal an end-of-file.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(stdin, input)
	err = cmd.Wait()
	stdin.Close()
	code := 0
	if err != nil {
		code = -1
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
	}
	return out.String(), code
}

// TestServiceKeyPassphrase connects through the service with a profile
// whose client key is protected by a passphrase: the service asks, the CLI
// asks on its terminal (again after a wrong one) and the tunnel comes up;
// three wrong ones fail with a clear error; a PKCS#12 bundle whose CA
// stands in for the missing <ca> is opened with a password answered over
// the API; and no passphrase reaches a log.
func TestServiceKeyPassphrase(t *testing.T) {
	const passphrase = "e2e-Key-Passphrase-7"
	l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{Extra: []string{"duplicate-cn"}}})
	s := newSvcLab(t, l)
	s.start(t)
	tunnelNet := strings.TrimSuffix(l.TunnelPrefix.Addr().String(), "0")
	add := func(t *testing.T, name string, po lab.ProfileOptions) string {
		t.Helper()
		path := filepath.Join(l.Dir, name+".ovpn")
		if err := l.WriteClientProfile(path, po); err != nil {
			t.Fatal(err)
		}
		if _, e, code := s.cli(t, 0, "profile", "import", path, "--name", name); code != 0 {
			t.Fatalf("import %s: %s", name, e)
		}
		return path
	}
	ppPath := add(t, "pp", lab.ProfileOptions{KeyPassphrase: passphrase})
	add(t, "p12", lab.ProfileOptions{PKCS12: true, KeyPassphrase: passphrase})
	disconnect := func(t *testing.T, name string) {
		t.Helper()
		if _, e, code := s.cli(t, 0, "disconnect", name); code != 0 {
			t.Fatalf("disconnect %s: %s", name, e)
		}
	}

	t.Run("profile check says it will ask", func(t *testing.T) {
		out, e, code := s.cli(t, 0, "profile", "check", ppPath, "--json")
		if code != 0 || !strings.Contains(out, `"key_passphrase": true`) && !strings.Contains(out, `"key_passphrase":true`) {
			t.Errorf("profile check --json: exit %d\n%s%s", code, out, e)
		}
	})

	t.Run("typed on the terminal, after a wrong one", func(t *testing.T) {
		out, code := s.cliTTY(t, "not-it\n"+passphrase+"\n", "connect", "pp")
		for _, want := range []string{"Passphrase for the private key of pp: ", "The passphrase was wrong", "connected " + tunnelNet} {
			if !strings.Contains(out, want) {
				t.Errorf("terminal lacks %q", want)
			}
		}
		if code != 0 || t.Failed() {
			t.Fatalf("cvpn connect pp: exit %d\n%s", code, out)
		}
		transfer(t, l, l.ServerTunIP, 1<<20, 0)
		disconnect(t, "pp")
	})

	t.Run("three wrong passphrases", func(t *testing.T) {
		out, code := s.cliTTY(t, "bad-1\nbad-2\nbad-3\n", "connect", "pp")
		if code != 1 || !strings.Contains(out, "wrong passphrase for the private key (3 tries)") {
			t.Errorf("exit %d\n%s", code, out)
		}
		if st := s.status(t); len(st.Tunnels) != 0 {
			t.Errorf("the failed tunnel is still there: %+v", st)
		}
	})

	t.Run("no terminal", func(t *testing.T) {
		_, e, code := s.cli(t, 0, "connect", "pp")
		if code != 1 || !strings.Contains(e, "protected by a passphrase and there is no terminal to ask on") {
			t.Errorf("exit %d: %s", code, e)
		}
		if st := s.status(t); len(st.Tunnels) != 0 {
			t.Errorf("the refused tunnel is still there: %+v", st)
		}
	})

	t.Run("remembered in the keyring", func(t *testing.T) {
		kr := keyringtest.Start(t)
		env := kr.Env()
		item := map[string]string{"service": credstore.PassphraseService, "username": "pp"}
		out, code := s.cliTTYEnv(t, env, passphrase+"\n", "connect", "pp", "--remember")
		if code != 0 || !strings.Contains(out, "saved the passphrase of the private key of pp in the keyring") {
			t.Fatalf("connect --remember: exit %d\n%s", code, out)
		}
		disconnect(t, "pp")
		if n := len(kr.Items(t, item)); n != 1 {
			t.Errorf("the keyring holds %d passphrase items for pp, want 1", n)
		}
		kr.CheckNoPlaintext(t, passphrase)
		// No terminal now: the keyring answers.
		o, e, code := s.cliEnv(t, env, "connect", "pp")
		if code != 0 || !strings.Contains(o, "connected "+tunnelNet) || !strings.Contains(e, "using the saved passphrase of the private key of pp") {
			t.Fatalf("connect from the keyring: exit %d\nstdout: %s\nstderr: %s", code, o, e)
		}
		disconnect(t, "pp")
		// --forget deletes it, and then nothing can answer.
		if _, e, code := s.cliEnv(t, env, "connect", "pp", "--forget"); code != 1 || !strings.Contains(e, "no terminal to ask on") {
			t.Errorf("connect --forget: exit %d: %s", code, e)
		}
		if n := len(kr.Items(t, item)); n != 0 {
			t.Errorf("the keyring holds %d passphrase items for pp after --forget, want 0", n)
		}
	})

	t.Run("pkcs12 password answered over the API", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(l.Dir, "p12.ovpn"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "<ca>") {
			t.Fatal("the pkcs12 profile has a <ca>; the CA must come from the bundle")
		}
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		defer cancel()
		c := client.New(s.sock)
		events, err := c.Events(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer events.Close()
		if _, err := c.Connect(ctx, api.ConnectBody{Name: "p12", Profile: string(data)}); err != nil {
			t.Fatal(err)
		}
		answers := []string{"wrong", passphrase}
		var kinds []string
		for {
			ev, err := events.Next()
			if err != nil {
				t.Fatalf("events: %v", err)
			}
			if ev.Tunnel != "p12" {
				continue
			}
			if p := ev.Prompt; p != nil {
				kinds = append(kinds, fmt.Sprintf("%s/%s", p.Kind, p.Retry))
				if len(answers) == 0 {
					t.Fatalf("asked again: %v", kinds)
				}
				if err := c.Answer(ctx, api.AnswerBody{ID: p.ID, Password: answers[0]}); err != nil {
					t.Fatal(err)
				}
				answers = answers[1:]
				continue
			}
			if ev.State == "connected" {
				break
			}
			if ev.State == "disconnected" {
				t.Fatalf("disconnected: %s", ev.Message)
			}
		}
		if want := "passphrase/ passphrase/wrong passphrase"; strings.Join(kinds, " ") != want {
			t.Errorf("prompts %q, want %q", strings.Join(kinds, " "), want)
		}
		transfer(t, l, l.ServerTunIP, 1<<20, 0)
		disconnect(t, "p12")
	})

	t.Run("no passphrase in the logs", func(t *testing.T) {
		secrets := []string{passphrase, "not-it", "bad-1"}
		checkNoSecrets(t, "service output", s.svc.Log(), secrets)
		err := filepath.Walk(s.logs, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			checkNoSecrets(t, path, readMaybeGzip(t, path), secrets)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
