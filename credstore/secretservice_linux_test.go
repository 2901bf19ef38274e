package credstore

// The integration test runs credstore against a real Secret Service: a
// private D-Bus session bus and a gnome-keyring-daemon whose login keyring
// is created and unlocked with a password on stdin, in a temporary HOME
// (internal/keyringtest).
//
// godbus keeps one session-bus connection per process (dbus.SessionBus),
// chosen from DBUS_SESSION_BUS_ADDRESS on first use, so the credstore calls
// run in a child: this test binary again, with the session's environment
// and childEnv naming what to do. TestMain sends the child there.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"

	"github.com/cvpn/cvpn/internal/keyringtest"
	"github.com/cvpn/cvpn/internal/testenv"
)

const (
	childEnv       = "CVPN_CREDSTORE_CHILD"   // the child's task
	childSecretEnv = "CVPN_CREDSTORE_SECRET"  // a password to save
	childTimeout   = "CVPN_CREDSTORE_TIMEOUT" // credstore.Timeout in the child
)

func TestMain(m *testing.M) {
	if task := os.Getenv(childEnv); task != "" {
		os.Exit(runChild(task))
	}
	os.Exit(testenv.MainNoLeaks(m))
}

func TestSecretService(t *testing.T) {
	began := time.Now()
	s := keyringtest.StartBus(t)

	t.Run("no bus", func(t *testing.T) {
		out := child(t, s, "unavailable", "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(s.Dir, "no-such-bus"))
		t.Logf("child said:\n%s", out)
		wantIn(t, out, "no keyring available", "D-Bus session bus", "gnome-keyring", "--remember")
	})
	t.Run("no keyring daemon", func(t *testing.T) {
		out := child(t, s, "unavailable")
		t.Logf("child said:\n%s", out)
		wantIn(t, out, "no keyring available", "no Secret Service", "gnome-keyring", "--remember")
	})

	s.StartKeyring(t)
	// go-keyring writes to the "login" collection, or the "default" alias
	// when there is none: a fresh keyring unlocked with a password must
	// have created login and made it the default.
	var def dbus.ObjectPath
	if err := s.Secrets().Call("org.freedesktop.Secret.Service.ReadAlias", 0, "default").Store(&def); err != nil {
		t.Fatalf("read default alias: %v", err)
	}
	if def != keyringtest.LoginCollection {
		t.Fatalf("default collection is %q, want %q", def, keyringtest.LoginCollection)
	}
	keyringFile := s.LoginKeyringFile()
	before, err := os.ReadFile(keyringFile)
	if err != nil {
		t.Fatalf("no login keyring file: %v", err)
	}

	secret := "pw-" + keyringtest.RandomHex(t)
	t.Run("round trip", func(t *testing.T) {
		child(t, s, "roundtrip", childSecretEnv+"="+secret)
		if n := countItems(t, s, "kept"); n != 1 {
			t.Errorf("login collection holds %d items for profile kept, want 1", n)
		}
		if n := countItems(t, s, "corp"); n != 0 {
			t.Errorf("login collection holds %d items for deleted profile corp, want 0", n)
		}
	})
	t.Run("no plaintext on disk", func(t *testing.T) {
		after, err := os.ReadFile(keyringFile)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(before, after) {
			t.Fatalf("%s did not change: the item was not stored on disk, so this check proves nothing", keyringFile)
		}
		s.CheckNoPlaintext(t, secret)
	})
	t.Run("locked keyring", func(t *testing.T) {
		// With the keyring locked, go-keyring asks for an unlock prompt,
		// which cannot be shown here (no prompter on this bus).
		s.LockLogin(t)
		out := child(t, s, "unavailable", childTimeout+"=15s")
		t.Logf("child said:\n%s", out)
		wantIn(t, out, "no keyring available", "locked", "--remember")
	})
	t.Logf("integration test took %v", time.Since(began).Round(time.Millisecond))
}

// countItems counts the login collection's items for a cvpn profile.
func countItems(t *testing.T, s *keyringtest.Session, profile string) int {
	t.Helper()
	return len(s.Items(t, map[string]string{"service": Service, "username": profile}))
}

// child runs this test binary as a child doing task on the session bus (or
// where extra points it), and returns its output; it fails t if the child
// fails.
func child(t *testing.T, s *keyringtest.Session, task string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(s.Env(), childEnv+"="+task)
	cmd.Env = append(cmd.Env, extra...) // later entries win
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child %q: %v\n%s", task, err, out)
	}
	return string(out)
}

// runChild is the child's side: it does task with credstore and reports a
// failure by printing it and returning 1.
func runChild(task string) int {
	if d, err := time.ParseDuration(os.Getenv(childTimeout)); err == nil {
		Timeout = d
	}
	var err error
	switch task {
	case "roundtrip":
		err = childRoundTrip(os.Getenv(childSecretEnv))
	case "unavailable":
		err = childUnavailable()
	default:
		err = fmt.Errorf("unknown task %q", task)
	}
	if err != nil {
		fmt.Println("FAIL:", err)
		return 1
	}
	return 0
}

func childRoundTrip(secret string) error {
	if secret == "" {
		return errors.New("no secret given")
	}
	first := Credentials{Username: "alice", Password: secret + "-old"}
	second := Credentials{Username: "alice@example.com", Password: secret + "-new"}
	kept := Credentials{Username: "bob", Password: secret}
	steps := []struct {
		name string
		do   func() error
	}{
		{"load before save", func() error { return wantLoad("corp", Credentials{}, ErrNotFound) }},
		{"save", func() error { return Save("corp", first) }},
		{"load", func() error { return wantLoad("corp", first, nil) }},
		{"overwrite", func() error { return Save("corp", second) }},
		{"load overwritten", func() error { return wantLoad("corp", second, nil) }},
		{"save another", func() error { return Save("kept", kept) }},
		{"load another", func() error { return wantLoad("kept", kept, nil) }},
		{"delete", func() error { return Delete("corp") }},
		{"load deleted", func() error { return wantLoad("corp", Credentials{}, ErrNotFound) }},
		{"delete again", func() error { return Delete("corp") }},
		{"other still there", func() error { return wantLoad("kept", kept, nil) }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
	}
	return nil
}

func wantLoad(profile string, want Credentials, wantErr error) error {
	got, err := Load(profile)
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			return fmt.Errorf("load %s: got %v, want %v", profile, err, wantErr)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("load %s: got user %q, a different password or user than saved", profile, got.Username)
	}
	return nil
}

// childUnavailable expects every operation to fail with ErrUnavailable,
// and prints the messages for the parent to check.
func childUnavailable() error {
	const pw = "never-in-errors-5f1c"
	errs := []error{Save("corp", Credentials{Username: "alice", Password: pw})}
	_, err := Load("corp")
	errs = append(errs, err, Delete("corp"))
	for _, err := range errs {
		if !errors.Is(err, ErrUnavailable) {
			return fmt.Errorf("got %v, want ErrUnavailable", err)
		}
		if strings.Contains(err.Error(), pw) {
			return fmt.Errorf("error contains the password: %v", err)
		}
		fmt.Println(err)
	}
	return nil
}

func wantIn(t *testing.T, out string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}
