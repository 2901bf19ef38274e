package portal

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// newTestServer serves a dist directory with an amd64 .deb and an MSI,
// and a profile, without SAML.
func newTestServer(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	dir := t.TempDir()
	dist := filepath.Join(dir, "dist")
	if err := os.Mkdir(dist, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"cvpn_1.2.0_amd64.deb", "cvpn-1.2.0-x64.msi"} {
		if err := os.WriteFile(filepath.Join(dist, n), []byte("installer "+n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("TOPSECRET-CONTENT"), 0o644); err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(dir, "Acme VPN (prod).ovpn")
	if err := os.WriteFile(profile, []byte("client\nremote vpn.example.com 443\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := New(context.Background(), Config{Dist: dist, Profile: profile, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, dist
}

func do(t *testing.T, method, url string, body io.Reader, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPageHeadersAndCSP(t *testing.T) {
	ts, _ := newTestServer(t)
	resp, body := do(t, "GET", ts.URL+"/", nil, map[string]string{"User-Agent": uaChromeLinux})
	if resp.StatusCode != 200 {
		t.Fatalf("GET / = %d", resp.StatusCode)
	}
	h := resp.Header
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"Content-Type":           "text/html; charset=utf-8",
		"Cache-Control":          "no-store",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	csp := h.Get("Content-Security-Policy")
	for _, part := range []string{"default-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, part) {
			t.Errorf("CSP %q lacks %q", csp, part)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q allows unsafe-inline", csp)
	}
	// The hash in the CSP must be the inline stylesheet's, byte for byte,
	// or the browser drops the style.
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no <style> in the page")
	}
	sum := sha256.Sum256([]byte(m[1]))
	if want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
		t.Errorf("CSP %q does not allow the page's stylesheet (%s)", csp, want)
	}
	if !strings.Contains(h.Get("Accept-CH"), "Sec-CH-UA-Arch") {
		t.Errorf("Accept-CH = %q, want the architecture hint asked for", h.Get("Accept-CH"))
	}
	for _, want := range []string{`<html lang="en">`, `href="/download/cvpn_1.2.0_amd64.deb"`, `id="recommended"`, `href="/profile"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, "<script") || strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		t.Error("page has a script or an external reference")
	}
}

func TestPageNotes(t *testing.T) {
	ts, _ := newTestServer(t)
	tests := []struct {
		ua, arch, want string
	}{
		{uaEdgeWindows, `"arm"`, "the x64 one runs there"},
		{uaFirefoxFedora, "", "Other installers"},
		{uaIPhone, "", "We could not tell which system you use"},
	}
	for _, tt := range tests {
		_, body := do(t, "GET", ts.URL+"/", nil, map[string]string{"User-Agent": tt.ua, "Sec-CH-UA-Arch": tt.arch})
		if !strings.Contains(body, tt.want) {
			t.Errorf("%s (arch %s): page lacks %q", tt.ua, tt.arch, tt.want)
		}
	}
}

func TestLanguage(t *testing.T) {
	ts, _ := newTestServer(t)
	tests := []struct {
		query, accept, wantLang, wantText string
	}{
		{"", "", "en", "Download the cvpn VPN client"},
		{"", "ja-JP,ja;q=0.9,en;q=0.8", "ja", "ダウンロード"},
		{"", "en-US,en;q=0.9,ja;q=0.5", "en", "Recommended for you"},
		{"?lang=ja", "en", "ja", "おすすめ"},
		{"?lang=en", "ja", "en", "Recommended for you"},
		{"?lang=xx", "fr", "en", "Recommended for you"},
	}
	for _, tt := range tests {
		_, body := do(t, "GET", ts.URL+"/"+tt.query, nil, map[string]string{"Accept-Language": tt.accept})
		if !strings.Contains(body, `<html lang="`+tt.wantLang+`">`) || !strings.Contains(body, tt.wantText) {
			t.Errorf("%q with Accept-Language %q: want lang %s and %q", tt.query, tt.accept, tt.wantLang, tt.wantText)
		}
	}
}

func TestDownloads(t *testing.T) {
	ts, _ := newTestServer(t)
	resp, body := do(t, "GET", ts.URL+"/download/cvpn_1.2.0_amd64.deb", nil, nil)
	if resp.StatusCode != 200 || body != "installer cvpn_1.2.0_amd64.deb" {
		t.Fatalf("download = %d %q", resp.StatusCode, body)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename=cvpn_1.2.0_amd64.deb` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	resp, body = do(t, "GET", ts.URL+"/profile", nil, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "client\n") {
		t.Fatalf("profile = %d %q", resp.StatusCode, body)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename=Acme-VPN-prod.ovpn` {
		t.Errorf("profile Content-Disposition = %q", cd)
	}
	resp, body = do(t, "HEAD", ts.URL+"/download/cvpn-1.2.0-x64.msi", nil, nil)
	if resp.StatusCode != 200 || body != "" || resp.ContentLength != int64(len("installer cvpn-1.2.0-x64.msi")) {
		t.Errorf("HEAD = %d, length %d, body %q", resp.StatusCode, resp.ContentLength, body)
	}
}

func TestNoTraversalNoListing(t *testing.T) {
	ts, _ := newTestServer(t)
	for _, p := range []string{
		"/download/",
		"/download/../secret.txt",
		"/download/..%2fsecret.txt",
		"/download/%2e%2e%2fsecret.txt",
		"/download/..%5csecret.txt",
		"/download/secret.txt",
		"/download/cvpn_1.2.0_amd64.deb/",
		"/download/cvpn_1.2.0_amd64.deb%00",
		"/dist/cvpn_1.2.0_amd64.deb",
		"/secret.txt",
		"/download",
		"/profile/../secret.txt",
		"//etc/passwd",
	} {
		resp, body := do(t, "GET", ts.URL+p, nil, nil)
		if resp.StatusCode == 200 || strings.Contains(body, "TOPSECRET") || strings.Contains(body, "installer") {
			t.Errorf("GET %s = %d %.60q, want no file", p, resp.StatusCode, body)
		}
	}
}

func TestMethodsAndLimits(t *testing.T) {
	ts, _ := newTestServer(t)
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"} {
		resp, _ := do(t, m, ts.URL+"/", nil, nil)
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s / = %d Allow %q, want 405 GET, HEAD", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	resp, _ := do(t, "GET", ts.URL+"/", strings.NewReader("x"), nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET with a body = %d, want 400", resp.StatusCode)
	}
	// Headers beyond MaxHeaderBytes are refused by the http.Server.
	srv := HTTPServer(http.NotFoundHandler(), nil)
	big := httptest.NewUnstartedServer(srv.Handler)
	big.Config = srv
	big.Start()
	defer big.Close()
	resp, _ = do(t, "GET", big.URL+"/", nil, map[string]string{"X-Big": strings.Repeat("a", 2*MaxHeaderBytes)})
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("huge header = %d, want 431", resp.StatusCode)
	}
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 {
		t.Errorf("a timeout is unset: %+v", srv)
	}
}

func TestProfileFileName(t *testing.T) {
	for in, want := range map[string]string{
		"/etc/cvpn/acme.ovpn":      "acme.ovpn",
		"Acme VPN (prod).ovpn":     "Acme-VPN-prod.ovpn",
		"/x/.hidden.conf":          "hidden.ovpn",
		"/x/\"; rm -rf\r\n.ovpn":   "rm--rf.ovpn",
		"/x/東京.ovpn":               "profile.ovpn",
		"/x/../../etc/passwd.ovpn": "passwd.ovpn",
	} {
		if got := ProfileFileName(in); got != want {
			t.Errorf("ProfileFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	for name, cfg := range map[string]Config{
		"no dist":         {},
		"missing dist":    {Dist: filepath.Join(dir, "nope")},
		"missing profile": {Dist: dir, Profile: filepath.Join(dir, "nope.ovpn")},
		"half saml":       {Dist: dir, SAML: &SAMLConfig{IdPMetadata: "x"}},
	} {
		if _, err := New(context.Background(), cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}
