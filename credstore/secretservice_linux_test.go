package credstore

// The integration test runs credstore against a real Secret Service: a
// private D-Bus session bus and a gnome-keyring-daemon whose login keyring
// is created and unlocked with a password on stdin, in a temporary HOME.
//
// godbus keeps one session-bus connection per process (dbus.SessionBus),
// chosen from DBUS_SESSION_BUS_ADDRESS on first use, so the credstore calls
// run in a child: this test binary again, with the session's environment
// and childEnv naming what to do. TestMain sends the child there.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"

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
	os.Exit(m.Run())
}

// session is a private D-Bus session bus, optionally with a keyring.
type session struct {
	dir, home, run string
	addr           string
	conn           *dbus.Conn // the parent's own connection, for checks
	logs           syncBuffer // the daemons' output, shown when the test fails
}

// syncBuffer is a buffer that several daemons' output copiers share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestSecretService(t *testing.T) {
	dbusDaemon := testenv.RequireCommand(t, "dbus-daemon")
	keyringDaemon := testenv.RequireCommand(t, "gnome-keyring-daemon")
	began := time.Now()

	s := newSession(t)
	// Registered first, so it runs last, after every daemon was stopped.
	t.Cleanup(func() {
		if left := processesWith(t, s.env()[0]); len(left) > 0 {
			t.Errorf("processes of the test session still running: %v", left)
		}
	})
	startBus(t, s, dbusDaemon)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("daemon output:\n%s", s.logs.String())
		}
	})

	t.Run("no bus", func(t *testing.T) {
		out := s.child(t, "unavailable", "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(s.dir, "no-such-bus"))
		t.Logf("child said:\n%s", out)
		wantIn(t, out, "no keyring available", "D-Bus session bus", "gnome-keyring", "--remember")
	})
	t.Run("no keyring daemon", func(t *testing.T) {
		out := s.child(t, "unavailable")
		t.Logf("child said:\n%s", out)
		wantIn(t, out, "no keyring available", "no Secret Service", "gnome-keyring", "--remember")
	})

	startKeyring(t, s, keyringDaemon)
	// go-keyring writes to the "login" collection, or the "default" alias
	// when there is none: a fresh keyring unlocked with a password must
	// have created login and made it the default.
	var def dbus.ObjectPath
	if err := s.secrets().Call("org.freedesktop.Secret.Service.ReadAlias", 0, "default").Store(&def); err != nil {
		t.Fatalf("read default alias: %v", err)
	}
	if def != loginCollection {
		t.Fatalf("default collection is %q, want %q", def, loginCollection)
	}
	keyringFile := filepath.Join(s.home, ".local", "share", "keyrings", "login.keyring")
	before, err := os.ReadFile(keyringFile)
	if err != nil {
		t.Fatalf("no login keyring file: %v", err)
	}

	secret := "pw-" + randomHex(t)
	t.Run("round trip", func(t *testing.T) {
		s.child(t, "roundtrip", childSecretEnv+"="+secret)
		if n := s.countItems(t, "kept"); n != 1 {
			t.Errorf("login collection holds %d items for profile kept, want 1", n)
		}
		if n := s.countItems(t, "corp"); n != 0 {
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
		for _, root := range []string{s.home, s.run} {
			scanForSecret(t, root, secret)
		}
	})
	t.Run("locked keyring", func(t *testing.T) {
		// With the keyring locked, go-keyring asks for an unlock prompt,
		// which cannot be shown here (no prompter on this bus).
		var locked []dbus.ObjectPath
		var prompt dbus.ObjectPath
		if err := s.secrets().Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{loginCollection}).Store(&locked, &prompt); err != nil {
			t.Fatalf("lock: %v", err)
		}
		out := s.child(t, "unavailable", childTimeout+"=15s")
		t.Logf("child said:\n%s", out)
		wantIn(t, out, "no keyring available", "locked", "--remember")
	})
	t.Logf("integration test took %v", time.Since(began).Round(time.Millisecond))
}

const loginCollection = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")

// busConfig is a session bus without service activation, so nothing but
// the daemons started here can appear on it (no second keyring, no prompter).
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// newSession makes a temporary HOME and XDG_RUNTIME_DIR.
func newSession(t *testing.T) *session {
	t.Helper()
	dir := t.TempDir()
	s := &session{dir: dir, home: filepath.Join(dir, "home"), run: filepath.Join(dir, "run")}
	for _, d := range []string{s.home, s.run} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// startBus starts dbus-daemon in the session's directories.
func startBus(t *testing.T, s *session, daemon string) {
	t.Helper()
	dir := s.dir
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, busConfig, filepath.Join(s.run, "bus")), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+conf, "--nofork", "--print-address=1")
	cmd.Env = s.env()
	cmd.Stderr = &s.logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	startOwned(t, cmd)
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case s.addr = <-addr:
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon printed no address within 10s")
	}
	if s.addr == "" {
		t.Fatalf("dbus-daemon printed no address: %s", s.logs.String())
	}
	conn, err := dbus.Connect(s.addr)
	if err != nil {
		t.Fatalf("connect to the test bus: %v", err)
	}
	s.conn = conn
	t.Cleanup(func() { conn.Close() })
}

// startKeyring starts gnome-keyring-daemon in the foreground (so that it is
// this test's child and dies with it), creating and unlocking the login
// keyring with a password on stdin, and waits until it serves the Secret
// Service.
func startKeyring(t *testing.T, s *session, daemon string) {
	t.Helper()
	cmd := exec.Command(daemon, "--foreground", "--unlock", "--components=secrets")
	cmd.Env = append(s.env(), "DBUS_SESSION_BUS_ADDRESS="+s.addr)
	cmd.Stdin = strings.NewReader("keyring-" + randomHex(t))
	cmd.Stdout, cmd.Stderr = &s.logs, &s.logs
	startOwned(t, cmd)
	deadline := time.Now().Add(15 * time.Second)
	for {
		var has bool
		err := s.conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.secrets").Store(&has)
		if err == nil && has {
			var def dbus.ObjectPath
			if s.secrets().Call("org.freedesktop.Secret.Service.ReadAlias", 0, "default").Store(&def) == nil && def != "/" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("gnome-keyring-daemon did not serve org.freedesktop.secrets with a default collection within 15s (err %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startOwned starts cmd in its own process group and stops the group when
// the test ends.
func startOwned(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		pgid := cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-done
		}
	})
}

// env is the environment of the session's daemons and children.
func (s *session) env() []string {
	return []string{
		"XDG_RUNTIME_DIR=" + s.run, // first: the leftover check looks for it
		"HOME=" + s.home,
		"XDG_DATA_HOME=" + filepath.Join(s.home, ".local", "share"),
		"XDG_CONFIG_HOME=" + filepath.Join(s.home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(s.home, ".cache"),
		"PATH=" + os.Getenv("PATH"),
		"LANG=C",
	}
}

func (s *session) secrets() dbus.BusObject {
	return s.conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
}

// countItems counts the login collection's items for a cvpn profile.
func (s *session) countItems(t *testing.T, profile string) int {
	t.Helper()
	var items []dbus.ObjectPath
	err := s.conn.Object("org.freedesktop.secrets", loginCollection).
		Call("org.freedesktop.Secret.Collection.SearchItems", 0, map[string]string{"service": Service, "username": profile}).Store(&items)
	if err != nil {
		t.Fatalf("search the login collection: %v", err)
	}
	return len(items)
}

// child runs this test binary as a child doing task on the session bus (or
// where extra points it), and returns its output; it fails t if the child
// fails.
func (s *session) child(t *testing.T, task string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(s.env(), "DBUS_SESSION_BUS_ADDRESS="+s.addr, childEnv+"="+task)
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

// scanForSecret fails t if any file under root holds secret in plaintext,
// as is or hex-encoded.
func scanForSecret(t *testing.T, root, secret string) {
	t.Helper()
	needles := [][]byte{[]byte(secret), []byte(hex.EncodeToString([]byte(secret)))}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s holds the password in plaintext", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// processesWith lists the pids whose environment holds entry: a daemon
// that forked away from its process group still has the session's
// XDG_RUNTIME_DIR.
func processesWith(t *testing.T, entry string) []string {
	t.Helper()
	dirs, _ := filepath.Glob("/proc/[0-9]*/environ")
	var pids []string
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for _, e := range bytes.Split(b, []byte{0}) {
			if string(e) == entry {
				pids = append(pids, filepath.Base(filepath.Dir(p)))
			}
		}
	}
	return pids
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
