//go:build linux

package e2e

import (
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/crewjam/saml"

	"github.com/cvpn/cvpn/e2e/awsemu"
	"github.com/cvpn/cvpn/e2e/idp"
	"github.com/cvpn/cvpn/internal/testenv"
)

// The test IdP's one user.
const (
	idpUser     = "alice"
	idpPassword = "correct horse battery"
)

// The helper programs the AWS SAML tests build, once per run.
var (
	toolMu    sync.Mutex
	toolPaths = map[string]string{}
	toolDir   string
)

// toolBinary builds github.com/cvpn/cvpn/e2e/cmd/<name> and returns its path.
func toolBinary(t *testing.T, name string) string {
	t.Helper()
	toolMu.Lock()
	defer toolMu.Unlock()
	if p, ok := toolPaths[name]; ok {
		return p
	}
	if toolDir == "" {
		d, err := os.MkdirTemp("", "cvpn-e2e-tools-")
		if err != nil {
			t.Fatal(err)
		}
		toolDir = d
	}
	p := filepath.Join(toolDir, name)
	out, err := exec.Command("go", "build", "-o", p, "github.com/cvpn/cvpn/e2e/cmd/"+name).CombinedOutput()
	if err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, out)
	}
	toolPaths[name] = p
	return p
}

// requireChromium is lab.Require for the browser: skipped on a laptop
// without chromium, a failure under CI=true.
func requireChromium(t *testing.T) {
	t.Helper()
	var err error
	if _, lerr := exec.LookPath("chromium"); lerr != nil {
		err = errors.New("no chromium in PATH (apt-get install chromium)")
	}
	testenv.SkipOrFail(t, err, testenv.InCI())
}

// startIdP serves a test IdP on ln, which browsers reach at base, with the
// emulator's service provider (ACS acs) registered.
func startIdP(t *testing.T, ln net.Listener, base, acs string) *idp.IdP {
	t.Helper()
	spMeta, err := awsemu.SPMetadata(acs)
	if err != nil {
		t.Fatal(err)
	}
	i, err := idp.New(idp.Options{URL: base, Username: idpUser, Password: idpPassword,
		ServiceProviders: []*saml.EntityDescriptor{spMeta}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: i.Handler()}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return i
}

// freeLoopbackPort returns a TCP port free on 127.0.0.1 a moment ago.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// browserEnv is the environment browser-login takes its credentials from.
func browserEnv() []string {
	return []string{"CVPN_TEST_IDP_USER=" + idpUser, "CVPN_TEST_IDP_PASSWORD=" + idpPassword}
}

// setBrowserEnv puts browserEnv into this process's environment for the
// test, for a browser started by this process.
func setBrowserEnv(t *testing.T) {
	for _, kv := range browserEnv() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}
