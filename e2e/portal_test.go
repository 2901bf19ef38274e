//go:build linux

package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/cvpn/cvpn/e2e/idp"
	"github.com/cvpn/cvpn/portal"
)

// TestPortal: the self-service portal in headless Chromium on Linux
// x86-64. The page renders with its inline stylesheet allowed by the CSP,
// recommends the amd64 .deb, downloads it byte for byte, and switches to
// Japanese.
func TestPortal(t *testing.T) {
	requireChromium(t)
	fx := portalFixtures(t)
	base := startPortal(t, portal.Config{Dist: fx.dist, Profile: fx.profile, Logf: t.Logf}, nil)
	ctx, downloads := portalBrowser(t)

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#recommended"))); err != nil {
		t.Fatalf("open the portal: %v", err)
	}
	page := evalString(t, ctx, `document.documentElement.lang + "|" + document.querySelector("#detected").innerText + "|" +
		Array.from(document.querySelectorAll("#recommended a")).map(a => a.getAttribute("href")).join(",")`)
	want := "en|Your computer appears to run Linux (x86-64).|/download/cvpn_1.2.0_amd64.deb"
	if page != want {
		t.Fatalf("page says %q, want %q", page, want)
	}
	// The other installers are listed below the recommended one.
	others := evalString(t, ctx, `Array.from(document.querySelectorAll("#others a")).map(a => a.getAttribute("href")).join(",")`)
	for _, n := range []string{"cvpn_1.2.0_arm64.deb", "cvpn-1.2.0-1.x86_64.rpm", "cvpn-1.2.0-x64.msi", "cvpn-1.2.0-arm64.pkg"} {
		if !strings.Contains(others, n) {
			t.Errorf("other installers %q lack %s", others, n)
		}
	}
	// A stylesheet blocked by the CSP would leave the link unstyled.
	if bg := evalString(t, ctx, `getComputedStyle(document.querySelector("#recommended a")).backgroundColor`); bg != "rgb(11, 79, 156)" {
		t.Errorf("recommended link background %q: the inline stylesheet was not applied (CSP hash?)", bg)
	}

	got := downloads.click(t, ctx, `#recommended a`)
	if !bytes.Equal(got, fx.deb) {
		t.Fatalf("downloaded %d bytes, want the %d of the fixture .deb", len(got), len(fx.deb))
	}

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`nav a[hreflang="ja"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="ja"] #recommended`))); err != nil {
		t.Fatalf("switch to Japanese: %v", err)
	}
	if ja := evalString(t, ctx, `document.body.innerText`); !strings.Contains(ja, "おすすめのインストーラー") || !strings.Contains(ja, "Linux (x86-64) のようです") {
		t.Errorf("Japanese page lacks its text: %.300q", ja)
	}
}

// TestPortalSAML: with SAML on, a browser without a session is sent to
// the IdP (e2e/idp) for every page; after the IdP's login form the page
// and the profile are reachable.
func TestPortalSAML(t *testing.T) {
	requireChromium(t)
	fx := portalFixtures(t)

	idpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	idpURL := "http://" + idpLn.Addr().String()
	i, err := idp.New(idp.Options{URL: idpURL, Username: idpUser, Password: idpPassword, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	idpSrv := &http.Server{Handler: i.Handler()}
	go func() { _ = idpSrv.Serve(idpLn) }()
	t.Cleanup(func() { _ = idpSrv.Close() })

	certFile, keyFile := writeSelfSigned(t, t.TempDir())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	startPortal(t, portal.Config{Dist: fx.dist, Profile: fx.profile, Logf: t.Logf, SAML: &portal.SAMLConfig{
		IdPMetadata: idpURL + "/metadata", CertFile: certFile, KeyFile: keyFile, PublicURL: base + "/",
	}}, ln)

	// The IdP administrator registers the portal's published metadata.
	spMeta := httpGet(t, base+"/saml/metadata", http.StatusOK)
	if err := i.AddServiceProvider("portal", spMeta); err != nil {
		t.Fatal(err)
	}

	// Without a session, nothing is served: every path redirects to the IdP.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range []string{"/", "/profile", "/download/cvpn_1.2.0_amd64.deb"} {
		resp, err := noRedirect.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), idpURL+"/sso") ||
			bytes.Contains(body, fx.profileBytes) {
			t.Errorf("GET %s without a session = %d to %q, want 302 to the IdP", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}

	ctx, downloads := portalBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`input[name="user"]`))); err != nil {
		t.Fatalf("open the portal: %v", err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasPrefix(loc, idpURL) {
		t.Fatalf("without a session the browser is at %s, want the IdP %s", loc, idpURL)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), idpUser),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), idpPassword),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#profile`)),
	); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("sign in at the IdP (now at %s): %v", loc, err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasPrefix(loc, base+"/") {
		t.Errorf("after sign-in the browser is at %s, want the portal", loc)
	}
	if got := downloads.click(t, ctx, `#profile`); !bytes.Equal(got, fx.profileBytes) {
		t.Fatalf("downloaded profile %q, want the fixture's", got)
	}
}

// portalFixture is a dist directory as `make package` leaves it, and a
// profile.
type portalFixture struct {
	dist, profile     string
	deb, profileBytes []byte
}

func portalFixtures(t *testing.T) portalFixture {
	t.Helper()
	dir := t.TempDir()
	fx := portalFixture{dist: filepath.Join(dir, "dist"), profile: filepath.Join(dir, "acme.ovpn")}
	if err := os.Mkdir(fx.dist, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"cvpn_1.2.0_amd64.deb", "cvpn_1.2.0_arm64.deb", "cvpn-1.2.0-1.x86_64.rpm",
		"cvpn-1.2.0-1.aarch64.rpm", "cvpn-1.2.0-x64.msi", "cvpn-1.2.0-arm64.pkg", "cvpn-1.2.0-x86_64.pkg"} {
		b := make([]byte, 300<<10)
		_, _ = rand.Read(b)
		if n == "cvpn_1.2.0_amd64.deb" {
			fx.deb = b
		}
		if err := os.WriteFile(filepath.Join(fx.dist, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fx.profileBytes = []byte("client\ndev tun\nproto udp\nremote vpn.example.test 1194\n")
	if err := os.WriteFile(fx.profile, fx.profileBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return fx
}

// startPortal serves a portal on ln (a new 127.0.0.1 listener when nil)
// with the command's timeouts and limits, and returns its base URL.
func startPortal(t *testing.T, cfg portal.Config, ln net.Listener) string {
	t.Helper()
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := portal.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := portal.HTTPServer(s, nil)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// downloadDir receives the browser's downloads.
type downloadDir string

// portalBrowser starts headless Chromium the way e2e/cmd/browser-login
// does, with downloads allowed into a temporary directory.
func portalBrowser(t *testing.T) (context.Context, downloadDir) {
	t.Helper()
	dir := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath("chromium"),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancel(); acancel() })
	downloads := filepath.Join(dir, "downloads")
	if err := os.Mkdir(downloads, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: ptrTo(true),
		})
		return err
	})); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx, downloadDir(downloads)
}

// click clicks the link sel and returns the bytes the browser downloaded.
func (d downloadDir) click(t *testing.T, ctx context.Context, sel string) []byte {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	progress := chromedp.Events(wctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download from %s: %v", sel, err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			b, err := os.ReadFile(filepath.Join(string(d), ev.GUID))
			if err != nil {
				t.Fatal(err)
			}
			return b
		case browser.DownloadProgressStateCanceled:
			t.Fatalf("the browser cancelled the download from %s", sel)
		}
	}
	t.Fatalf("no download from %s", sel)
	return nil
}

func evalString(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("evaluate %.60q: %v", js, err)
	}
	return s
}

func httpGet(t *testing.T, url string, want int) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s = %d, want %d: %.200q", url, resp.StatusCode, want, b)
	}
	return b
}

func ptrTo[T any](v T) *T { return &v }

// writeSelfSigned writes a fresh ECDSA key and self-signed certificate,
// the portal's SAML service-provider pair, and returns their paths.
func writeSelfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "cvpn e2e portal SP"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "sp.crt"), filepath.Join(dir, "sp.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
