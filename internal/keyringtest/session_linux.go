package keyringtest

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
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

// LoginCollection is the collection a keyring unlocked with a password
// creates and makes the default alias; go-keyring writes there.
const LoginCollection = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")

// Session is a private D-Bus session bus in a temporary HOME and
// XDG_RUNTIME_DIR, serving an unlocked keyring once StartKeyring ran.
type Session struct {
	Dir        string // holds Home, RuntimeDir and the bus config
	Home       string
	RuntimeDir string
	Addr       string // the bus's address

	conn *dbus.Conn // the test's own connection, for checks
	logs syncBuffer // the daemons' output, shown when the test fails
}

// Start starts a session bus and an unlocked keyring on it.
func Start(t testing.TB) *Session {
	t.Helper()
	s := StartBus(t)
	s.StartKeyring(t)
	return s
}

// StartBus starts a session bus with nothing on it yet, for tests of what
// happens without a keyring; StartKeyring adds one. When the test ends it
// stops the daemons and fails the test if any process of the session is
// left.
func StartBus(t testing.TB) *Session {
	t.Helper()
	daemon := testenv.RequireCommand(t, "dbus-daemon")
	dir := t.TempDir()
	s := &Session{Dir: dir, Home: filepath.Join(dir, "home"), RuntimeDir: filepath.Join(dir, "run")}
	for _, d := range []string{s.Home, s.RuntimeDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// Registered first, so it runs last, after every daemon was stopped.
	t.Cleanup(func() {
		if left := processesWith(s.baseEnv()[0]); len(left) > 0 {
			t.Errorf("processes of the test session still running: %v", left)
		}
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("keyring session daemons' output:\n%s", s.logs.String())
		}
	})
	s.startBus(t, daemon)
	return s
}

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

// startBus starts dbus-daemon in the session's directories.
func (s *Session) startBus(t testing.TB, daemon string) {
	t.Helper()
	conf := filepath.Join(s.Dir, "bus.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, busConfig, filepath.Join(s.RuntimeDir, "bus")), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+conf, "--nofork", "--print-address=1")
	cmd.Env = s.baseEnv()
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
	case s.Addr = <-addr:
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon printed no address within 10s")
	}
	if s.Addr == "" {
		t.Fatalf("dbus-daemon printed no address: %s", s.logs.String())
	}
	conn, err := dbus.Connect(s.Addr)
	if err != nil {
		t.Fatalf("connect to the test bus: %v", err)
	}
	s.conn = conn
	t.Cleanup(func() { conn.Close() })
}

// StartKeyring starts gnome-keyring-daemon in the foreground (so that it is
// this test's child and dies with it), creating and unlocking the login
// keyring with a password on stdin, and waits until it serves the Secret
// Service with a default collection.
func (s *Session) StartKeyring(t testing.TB) {
	t.Helper()
	daemon := testenv.RequireCommand(t, "gnome-keyring-daemon")
	cmd := exec.Command(daemon, "--foreground", "--unlock", "--components=secrets")
	cmd.Env = s.Env()
	cmd.Stdin = strings.NewReader("keyring-" + RandomHex(t))
	cmd.Stdout, cmd.Stderr = &s.logs, &s.logs
	startOwned(t, cmd)
	deadline := time.Now().Add(15 * time.Second)
	for {
		var has bool
		err := s.conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.secrets").Store(&has)
		if err == nil && has {
			var def dbus.ObjectPath
			if s.Secrets().Call("org.freedesktop.Secret.Service.ReadAlias", 0, "default").Store(&def) == nil && def != "/" {
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
// the test ends. Pdeathsig kills it if the test binary dies first.
func startOwned(t testing.TB, cmd *exec.Cmd) {
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

// Env is the environment a child needs to use the session: its bus, HOME
// and XDG directories, PATH and LANG=C. Append it to os.Environ() or use it
// alone; each call returns a new slice.
func (s *Session) Env() []string {
	return append(s.baseEnv(), "DBUS_SESSION_BUS_ADDRESS="+s.Addr)
}

// baseEnv is Env without the bus, for dbus-daemon itself.
func (s *Session) baseEnv() []string {
	return []string{
		"XDG_RUNTIME_DIR=" + s.RuntimeDir, // first: the leftover check looks for it
		"HOME=" + s.Home,
		"XDG_DATA_HOME=" + filepath.Join(s.Home, ".local", "share"),
		"XDG_CONFIG_HOME=" + filepath.Join(s.Home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(s.Home, ".cache"),
		"PATH=" + os.Getenv("PATH"),
		"LANG=C",
	}
}

// Conn is the test's own connection to the session bus.
func (s *Session) Conn() *dbus.Conn { return s.conn }

// Secrets is the Secret Service object.
func (s *Session) Secrets() dbus.BusObject {
	return s.conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
}

// LoginKeyringFile is where gnome-keyring keeps the login collection.
func (s *Session) LoginKeyringFile() string {
	return filepath.Join(s.Home, ".local", "share", "keyrings", "login.keyring")
}

// Items lists the login collection's items whose attributes match attrs
// (go-keyring sets "service" and "username", the latter to its user
// argument).
func (s *Session) Items(t testing.TB, attrs map[string]string) []dbus.ObjectPath {
	t.Helper()
	var items []dbus.ObjectPath
	err := s.conn.Object("org.freedesktop.secrets", LoginCollection).
		Call("org.freedesktop.Secret.Collection.SearchItems", 0, attrs).Store(&items)
	if err != nil {
		t.Fatalf("search the login collection: %v", err)
	}
	return items
}

// LockLogin locks the login collection, as a screen lock may.
func (s *Session) LockLogin(t testing.TB) {
	t.Helper()
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := s.Secrets().Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{LoginCollection}).Store(&locked, &prompt); err != nil {
		t.Fatalf("lock the login collection: %v", err)
	}
}

// CheckNoPlaintext fails t if any file under the session's HOME or
// XDG_RUNTIME_DIR holds secret in plaintext, as is or hex-encoded.
func (s *Session) CheckNoPlaintext(t testing.TB, secret string) {
	t.Helper()
	for _, root := range []string{s.Home, s.RuntimeDir} {
		scanForSecret(t, root, secret)
	}
}

func scanForSecret(t testing.TB, root, secret string) {
	t.Helper()
	needles := [][]byte{[]byte(secret), []byte(hex.EncodeToString([]byte(secret)))}
	var leaks []string
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
				leaks = append(leaks, path)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range leaks {
		t.Errorf("%s holds the password in plaintext", path)
	}
}

// Logs is what the session's daemons printed so far.
func (s *Session) Logs() string { return s.logs.String() }

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

// processesWith lists the pids whose environment holds entry: a daemon
// that forked away from its process group still has the session's
// XDG_RUNTIME_DIR.
func processesWith(entry string) []string {
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

// RandomHex is 24 random hex digits, for passwords no file holds by chance.
func RandomHex(t testing.TB) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
