//go:build linux

package e2e

import (
	"fmt"
	"html"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// TestCvpnWebAuth: OpenVPN's own web sign-in (not AWS's). A stock openvpn
// 2.6 server hands the decision to a management agent, which accepts the
// password and then holds the client in AUTH_PENDING with
// INFO_PRE,WEB_AUTH and the address of a sign-in page served in the
// server's namespace. cvpn, which announced IV_SSO webauth, opens the page
// in the user's browser (CVPN_BROWSER: headless Chromium through
// browser-login); the user signs in there, the page tells the agent, the
// agent lets the client in, and traffic flows.
func TestCvpnWebAuth(t *testing.T) {
	lab.Require(t, "ping")
	requireChromium(t)
	t.Parallel()
	browser := toolBinary(t, "browser-login")
	l := lab.NewT(t, lab.Options{NoStart: true})
	sock := filepath.Join(l.Dir, "mgmt.sock")
	appendServerLines(t, l, lab.ManagementLines(sock)...)
	ctx := t.Context()
	if err := l.StartServer(ctx); err != nil {
		t.Fatal(err)
	}
	ln, err := lab.ListenTCP(l.ServerNS, netip.AddrPortFrom(l.ServerLinkIP, 0))
	if err != nil {
		t.Fatal(err)
	}
	page := "http://" + ln.Addr().String() + "/login"

	var (
		mu    sync.Mutex
		agent *lab.AuthAgent
		sso   string
		done  bool
	)
	agent, err = lab.StartAuthAgent(ctx, sock, func(r *lab.AuthRequest) lab.Decision {
		mu.Lock()
		defer mu.Unlock()
		if r.Event == "CONNECT" && r.Env["password"] == agentPass {
			sso = r.Env["IV_SSO"]
			return lab.Decision{Pending: fmt.Sprintf("WEB_AUTH::%s?s=%s.%s", page, r.CID, r.KID), PendingTimeout: 60 * time.Second}
		}
		return lab.Decision{Deny: "wrong password"}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("auth agent:\n%s", agent.Log())
		}
		agent.Close()
	})
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := r.URL.Query().Get("s")
		cid, kid, ok := strings.Cut(s, ".")
		if r.URL.Path != "/login" || !ok {
			http.NotFound(w, r)
			return
		}
		if r.Method == http.MethodPost && r.FormValue("user") == idpUser && r.FormValue("password") == idpPassword {
			mu.Lock()
			done = true
			mu.Unlock()
			agent.Resolve(cid, kid, lab.Decision{Accept: true})
			fmt.Fprint(w, "<html><body><p>Sign-in is complete.</p></body></html>")
			return
		}
		fmt.Fprintf(w, `<html><body><form method="post" action="/login?s=%s">
<input name="user"><input name="password" type="password"><button>Sign in</button></form></body></html>`, html.EscapeString(s))
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	authFile := filepath.Join(l.Dir, "agent-auth.txt")
	if err := os.WriteFile(authFile, []byte(agentUser+"\n"+agentPass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(l.Dir, "webauth.ovpn")
	if err := l.WriteClientProfile(profile, lab.ProfileOptions{Extra: []string{"auth-user-pass"}}); err != nil {
		t.Fatal(err)
	}
	wrap := append([]string{"env", "CVPN_BROWSER=" + browser + " -timeout 40s"}, browserEnv()...)
	p := runCvpn(t, l, wrap, profile, true, "--auth-file", authFile)
	assertTunnel(t, l)
	mu.Lock()
	defer mu.Unlock()
	if !done {
		t.Error("connected without the web sign-in")
	}
	if !strings.Contains(sso, "webauth") {
		t.Errorf("IV_SSO %q lacks webauth", sso)
	}
	if strings.Contains(p.Log(), agentPass) {
		t.Error("the password reached cvpn's log")
	}
}
