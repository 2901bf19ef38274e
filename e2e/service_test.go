//go:build linux

package e2e

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cvpn/cvpn/credstore"
	"github.com/cvpn/cvpn/e2e/lab"
	"github.com/cvpn/cvpn/internal/keyringtest"
)

// svcLab is a cvpn service running in a lab's client namespace, driven by
// the cvpn CLI from outside it, the way a desktop uses it.
type svcLab struct {
	l       *lab.Lab
	bin     string
	sockDir string // 0755, so an unprivileged caller reaches the socket
	sock    string
	state   string
	logs    string
	utmp    string
	config  string // the CLI's profile store
	svc     *lab.Process
	starts  int
	top     *testing.T // the service outlives subtests
}

func newSvcLab(t *testing.T, l *lab.Lab) *svcLab {
	t.Helper()
	bin := cvpnBinary(t)
	// The binary's temp dir is private; other users must run it too.
	if err := os.Chmod(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	sockDir, err := os.MkdirTemp("", "cvpn-e2e-sock-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	if err := os.Chmod(sockDir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &svcLab{l: l, bin: bin, sockDir: sockDir, sock: filepath.Join(sockDir, "cvpn.sock"),
		state: filepath.Join(l.Dir, "state"), logs: filepath.Join(l.Dir, "logs"),
		utmp: filepath.Join(l.Dir, "utmp"), config: filepath.Join(l.Dir, "config"), top: t}
	s.setUsers(t, "root")
	return s
}

// setUsers writes the crafted utmp the service counts logins from: one
// live USER_PROCESS record per user (our own pid keeps them alive).
func (s *svcLab) setUsers(t *testing.T, users ...string) {
	t.Helper()
	var buf bytes.Buffer
	for i, u := range users {
		rec := make([]byte, 384)                  // glibc struct utmp on x86_64/arm64
		binary.LittleEndian.PutUint16(rec[0:], 7) // USER_PROCESS
		binary.LittleEndian.PutUint32(rec[4:], uint32(os.Getpid()))
		copy(rec[8:40], "tty"+string(rune('1'+i)))
		copy(rec[44:76], u)
		binary.LittleEndian.PutUint32(rec[340:], uint32(time.Now().Unix()))
		buf.Write(rec)
	}
	if err := os.WriteFile(s.utmp+".tmp", buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(s.utmp+".tmp", s.utmp); err != nil {
		t.Fatal(err)
	}
}

// start runs "cvpn service" in the client namespace and waits until it
// listens.
func (s *svcLab) start(t *testing.T) *lab.Process {
	t.Helper()
	s.starts++
	argv := []string{s.bin, "service", "--socket", s.sock, "--state-dir", s.state, "--log-dir", s.logs, "--utmp", s.utmp}
	p, err := lab.StartProcess("cvpn-service", s.l.ClientNS, filepath.Join(s.l.Dir, fmt.Sprintf("service-%d.log", s.starts)), argv)
	if err != nil {
		t.Fatal(err)
	}
	top := s.top
	top.Cleanup(func() {
		_ = p.Stop()
		if top.Failed() {
			top.Logf("service log:\n%s", p.LogTail(60))
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := p.WaitFor(ctx, "listening on"); err != nil {
		t.Fatal(err)
	}
	s.svc = p
	return p
}

// cli runs the cvpn CLI as root (uid 0) or as another uid, outside the
// lab's namespaces: only the socket connects it to the service.
func (s *svcLab) cli(t *testing.T, uid int, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return s.runCLI(t, uid, nil, args)
}

// cliEnv runs the cvpn CLI as root like cli, with env added to its
// environment (later entries win), such as a keyring session's.
func (s *svcLab) cliEnv(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return s.runCLI(t, 0, env, args)
}

func (s *svcLab) runCLI(t *testing.T, uid int, env, args []string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Env = append(os.Environ(), "CVPN_SOCKET="+s.sock, "CVPN_CONFIG_DIR="+s.config)
	cmd.Env = append(cmd.Env, env...)
	if uid != 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
		cmd.Env = append(os.Environ(), "CVPN_SOCKET="+s.sock, "HOME=/nonexistent")
		cmd.Dir = "/"
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = 0
	if err != nil {
		code = -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
	}
	return o.String(), e.String(), code
}

type statusJSON struct {
	Tunnels []struct {
		Profile, State, IPv4, Device string
		TxBytes                      uint64 `json:"tx_bytes"`
		RxBytes                      uint64 `json:"rx_bytes"`
	}
}

func (s *svcLab) status(t *testing.T) statusJSON {
	t.Helper()
	out, errOut, code := s.cli(t, 0, "status", "--json")
	if code != 0 {
		t.Fatalf("cvpn status --json: exit %d: %s", code, errOut)
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status JSON %q: %v", out, err)
	}
	return st
}

// TestService drives the service as a desktop would: the CLI imports a
// profile, connects with a password, shows status and counters and
// disconnects; a password remembered in a private keyring answers the next
// connect, and --forget removes it; an unprivileged stranger is refused; a
// second logged-in user ends the tunnel; a SIGKILLed service's routes are
// undone by the next start; and no secret reaches any log.
func TestService(t *testing.T) {
	l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{UserPass: true, AuthGenToken: true,
		Extra: []string{`push "redirect-gateway def1"`, "duplicate-cn"}}})
	s := newSvcLab(t, l)
	s.start(t)
	profilePath := filepath.Join(l.Dir, "lab.ovpn")
	if err := l.WriteClientProfile(profilePath, lab.ProfileOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, e, code := s.cli(t, 0, "profile", "import", profilePath, "--name", "lab"); code != 0 {
		t.Fatalf("import: %s", e)
	}
	_, password := l.Credentials()
	serverIP := l.ServerLinkIP.String()

	// With duplicate-cn the server hands each connection a fresh address.
	tunnelNet := strings.TrimSuffix(l.TunnelPrefix.Addr().String(), "0")
	connect := func(t *testing.T) {
		t.Helper()
		out, e, code := s.cli(t, 0, "connect", "lab", "--auth-file", l.AuthFile)
		if code != 0 || !strings.Contains(out, "connected "+tunnelNet) {
			t.Fatalf("cvpn connect lab: exit %d\nstdout: %s\nstderr: %s", code, out, e)
		}
	}

	t.Run("connect, status, traffic, disconnect", func(t *testing.T) {
		connect(t)
		transfer(t, l, l.ServerTunIP, 4<<20, 0)
		st := s.status(t)
		if len(st.Tunnels) != 1 || st.Tunnels[0].State != "connected" || !l.TunnelPrefix.Contains(netip.MustParseAddr(st.Tunnels[0].IPv4)) ||
			st.Tunnels[0].TxBytes < 4<<20 {
			t.Errorf("status %+v: want lab connected with ≥4 MiB sent", st)
		}
		if out, _, _ := s.cli(t, 0, "status"); !strings.Contains(out, "MiB") || !strings.Contains(out, "lab") {
			t.Errorf("cvpn status:\n%s", out)
		}
		if _, e, code := s.cli(t, 0, "connect", "lab", "--auth-file", l.AuthFile); code == 0 || !strings.Contains(e, "already connected") {
			t.Errorf("second connect: exit %d: %s", code, e)
		}
		// A second profile for the same server gets an address in the same
		// subnet: the service refuses it and names both tunnels.
		if _, e, code := s.cli(t, 0, "profile", "import", profilePath, "--name", "lab-again"); code != 0 {
			t.Fatalf("import: %s", e)
		}
		_, e, code := s.cli(t, 0, "connect", "lab-again", "--auth-file", l.AuthFile)
		if code != 1 || !strings.Contains(e, `the routes of "lab-again" conflict with the connected tunnel "lab"`) {
			t.Errorf("overlapping second tunnel: exit %d: %s", code, e)
		}
		if st := s.status(t); len(st.Tunnels) != 1 || st.Tunnels[0].State != "connected" {
			t.Errorf("the first tunnel suffered from the refused one: %+v", st)
		}
		transfer(t, l, l.ServerTunIP, 1<<20, 0)
		if _, e, code := s.cli(t, 0, "disconnect", "lab"); code != 0 {
			t.Fatalf("disconnect: %s", e)
		}
		if routes := clientRoutes(t, l); strings.Contains(routes, "cvpn") || strings.Contains(routes, "0.0.0.0/1") || strings.Contains(routes, serverIP+" ") {
			t.Errorf("routes left after disconnect:\n%s", routes)
		}
		if st := s.status(t); len(st.Tunnels) != 0 {
			t.Errorf("status after disconnect: %+v", st)
		}
	})

	t.Run("remember the password in the keyring", func(t *testing.T) {
		kr := keyringtest.Start(t)
		env := kr.Env()
		user, _ := l.Credentials()
		item := map[string]string{"service": credstore.Service, "username": "lab"}
		before, err := os.ReadFile(kr.LoginKeyringFile())
		if err != nil {
			t.Fatalf("no login keyring file: %v", err)
		}
		disconnect := func(t *testing.T) {
			t.Helper()
			if _, e, code := s.cli(t, 0, "disconnect", "lab"); code != 0 {
				t.Fatalf("disconnect: %s", e)
			}
		}
		// A connection that worked with --remember saves what the auth
		// file answered.
		out, e, code := s.cliEnv(t, env, "connect", "lab", "--remember", "--auth-file", l.AuthFile)
		if code != 0 || !strings.Contains(e, "saved the password of "+user+" for lab in the keyring") {
			t.Fatalf("connect --remember: exit %d\nstdout: %s\nstderr: %s", code, out, e)
		}
		disconnect(t)
		if n := len(kr.Items(t, item)); n != 1 {
			t.Errorf("the keyring holds %d items for lab, want 1", n)
		}
		// Without --auth-file and without a terminal, only the keyring
		// can answer.
		out, e, code = s.cliEnv(t, env, "connect", "lab")
		if code != 0 || !strings.Contains(out, "connected "+tunnelNet) || !strings.Contains(e, "using the saved credentials of "+user) {
			t.Fatalf("connect from the keyring: exit %d\nstdout: %s\nstderr: %s", code, out, e)
		}
		transfer(t, l, l.ServerTunIP, 1<<20, 0)
		disconnect(t)

		after, err := os.ReadFile(kr.LoginKeyringFile())
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(before, after) {
			t.Fatalf("%s did not change: the item was not stored on disk, so the next check proves nothing", kr.LoginKeyringFile())
		}
		kr.CheckNoPlaintext(t, password)

		// --forget deletes the item before connecting; after it nothing
		// answers a connect without a terminal.
		if out, e, code := s.cliEnv(t, env, "connect", "lab", "--forget", "--auth-file", l.AuthFile); code != 0 {
			t.Fatalf("connect --forget: exit %d\nstdout: %s\nstderr: %s", code, out, e)
		}
		disconnect(t)
		if n := len(kr.Items(t, item)); n != 0 {
			t.Errorf("the keyring holds %d items for lab after --forget, want 0", n)
		}
		_, e, code = s.cliEnv(t, env, "connect", "lab")
		if code != 1 || !strings.Contains(e, "no terminal to ask on") {
			t.Errorf("connect after --forget: exit %d: %s", code, e)
		}
		if st := s.status(t); len(st.Tunnels) != 0 {
			t.Errorf("the refused connect left a tunnel: %+v", st)
		}
	})

	t.Run("unprivileged user refused", func(t *testing.T) {
		const nobody = 65534
		_, e, code := s.cli(t, nobody, "status")
		if code != 1 || !strings.Contains(e, "permission denied") || !strings.Contains(e, "uid 65534") {
			t.Errorf("nobody: exit %d, stderr %q; want exit 1 and permission denied", code, e)
		}
		// Once nobody is the one at the console, it may.
		s.setUsers(t, "nobody")
		defer s.setUsers(t, "root")
		if out, e, code := s.cli(t, nobody, "status"); code != 0 || !strings.Contains(out, "no tunnels") {
			t.Errorf("nobody at the console: exit %d, %s %s", code, out, e)
		}
	})

	t.Run("second user logs in", func(t *testing.T) {
		connect(t)
		s.setUsers(t, "root", "daemon")
		defer s.setUsers(t, "root")
		deadline := time.Now().Add(20 * time.Second)
		for len(s.status(t).Tunnels) != 0 {
			if time.Now().After(deadline) {
				t.Fatal("the tunnel stayed up with two users logged in")
			}
			time.Sleep(200 * time.Millisecond)
		}
		_, e, code := s.cli(t, 0, "connect", "lab", "--auth-file", l.AuthFile)
		if code != 1 || !strings.Contains(e, "2 users are logged in (daemon, root)") {
			t.Errorf("connect with two users: exit %d: %s", code, e)
		}
	})

	t.Run("SIGKILL, then the next start undoes the routes", func(t *testing.T) {
		before := netSnapshot(t, l)
		connect(t)
		if routes := clientRoutes(t, l); !strings.Contains(routes, serverIP+" ") {
			t.Fatalf("no route keeping the server outside the tunnel:\n%s", routes)
		}
		// A second service must not start, let alone undo the first one's routes.
		second := lab.Command(t.Context(), l.ClientNS, s.bin, "service", "--socket", s.sock, "--state-dir", s.state, "--log-dir", s.logs, "--utmp", s.utmp)
		if out, err := second.CombinedOutput(); err == nil || !strings.Contains(string(out), "already running") {
			t.Errorf("a second service: %v\n%s", err, out)
		}
		if routes := clientRoutes(t, l); !strings.Contains(routes, serverIP+" ") {
			t.Fatalf("the second service touched the first one's routes:\n%s", routes)
		}
		if err := s.svc.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-s.svc.Done()
		if routes := clientRoutes(t, l); !strings.Contains(routes, serverIP+" ") {
			t.Fatalf("the kill left nothing to recover; routes:\n%s", routes)
		}
		p := s.start(t)
		if !strings.Contains(p.Log(), "recovered: undid the network changes of \"lab\"") {
			t.Errorf("the restarted service did not report its recovery:\n%s", p.LogTail(10))
		}
		if routes := clientRoutes(t, l); strings.Contains(routes, serverIP+" ") {
			t.Errorf("route left after recovery:\n%s", routes)
		}
		if after := netSnapshot(t, l); after != before {
			t.Errorf("network state differs after kill -9 and recovery\nbefore:\n%s\nafter:\n%s", before, after)
		}
		connect(t) // and it works again
		if _, e, code := s.cli(t, 0, "disconnect"); code != 0 {
			t.Fatalf("disconnect all: %s", e)
		}
	})

	t.Run("logs and export hold no secrets", func(t *testing.T) {
		out, e, code := s.cli(t, 0, "logs", "--connections", "-n", "50")
		if code != 0 || !strings.Contains(out, `"result":"connected"`) || !strings.Contains(out, `"bytes_out"`) {
			t.Errorf("cvpn logs --connections: exit %d: %s%s", code, out, e)
		}
		bundle := filepath.Join(l.Dir, "bundle.zip")
		if _, e, code := s.cli(t, 0, "logs", "export", bundle); code != 0 {
			t.Fatalf("logs export: %s", e)
		}
		if st, err := os.Stat(bundle); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("bundle mode: %v %v", st, err)
		}
		secrets := secretsOf(t, profilePath, password)
		files := readBundle(t, bundle)
		for _, want := range []string{"logs/diagnostic.log", "logs/connection.jsonl", "profiles/lab.ovpn", "client/facts.txt", "service/facts.txt"} {
			if _, ok := files[want]; !ok {
				t.Errorf("bundle lacks %s", want)
			}
		}
		if !strings.Contains(files["profiles/lab.ovpn"], "[removed") {
			t.Errorf("exported profile kept its key:\n%s", files["profiles/lab.ovpn"])
		}
		for name, data := range files {
			checkNoSecrets(t, "bundle "+name, data, secrets)
		}
		err := filepath.Walk(s.logs, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			if info.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, want 0600", path, info.Mode().Perm())
			}
			checkNoSecrets(t, path, readMaybeGzip(t, path), secrets)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("an unreachable server gives up after --timeout", func(t *testing.T) {
		data, err := os.ReadFile(profilePath)
		if err != nil {
			t.Fatal(err)
		}
		dead := filepath.Join(l.Dir, "dead.ovpn")
		text := strings.Replace(string(data), serverIP+" 1194", serverIP+" 1195", 1)
		if text == string(data) {
			t.Fatalf("no remote line %q in the profile", serverIP+" 1194")
		}
		if err := os.WriteFile(dead, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, e, code := s.cli(t, 0, "connect", dead, "--auth-file", l.AuthFile, "--timeout", "3s")
		if code != 1 || !strings.Contains(e, "not connected after 3s") {
			t.Errorf("connect to a dead port: exit %d after %v: %s", code, time.Since(start), e)
		}
		if st := s.status(t); len(st.Tunnels) != 0 {
			t.Errorf("the abandoned tunnel is still there: %+v", st)
		}
	})

	t.Run("SIGTERM stops the tunnels and undoes their routes", func(t *testing.T) {
		out, e, code := s.cli(t, 0, "connect", "lab", "--auth-file", l.AuthFile, "--json")
		var st struct{ Profile, State string }
		if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.Profile != "lab" || st.State != "connected" {
			t.Fatalf("connect --json: exit %d\nstdout: %s\nstderr: %s", code, out, e)
		}
		if err := s.svc.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case <-s.svc.Done():
		case <-time.After(15 * time.Second):
			t.Fatal("the service did not stop within 15 s of SIGTERM")
		}
		if routes := clientRoutes(t, l); strings.Contains(routes, "0.0.0.0/1") || strings.Contains(routes, serverIP+" ") {
			t.Errorf("routes left after SIGTERM:\n%s", routes)
		}
		if left, _ := filepath.Glob(filepath.Join(s.state, "*")); len(left) != 0 {
			t.Errorf("crash-recovery records left after a clean stop: %v", left)
		}
	})
}

func clientRoutes(t *testing.T, l *lab.Lab) string {
	t.Helper()
	out, err := lab.Exec(t.Context(), l.ClientNS, "ip", "route")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// secretsOf lists what must never be logged: the password and every line
// of the profile's private key.
func secretsOf(t *testing.T, profilePath, password string) []string {
	t.Helper()
	data, err := os.ReadFile(profilePath)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{password}
	text := string(data)
	if i, j := strings.Index(text, "<key>"), strings.Index(text, "</key>"); i >= 0 && j > i {
		for _, line := range strings.Split(text[i:j], "\n") {
			if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") {
				secrets = append(secrets, line)
			}
		}
	}
	if len(secrets) < 3 {
		t.Fatalf("found no private key in %s", profilePath)
	}
	return secrets
}

func checkNoSecrets(t *testing.T, where, data string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(data, s) {
			t.Errorf("%s contains a secret (%.8s…)", where, s)
		}
	}
}

func readMaybeGzip(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return string(data)
}

func readBundle(t *testing.T, path string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(data)
	}
	return out
}
