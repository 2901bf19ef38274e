package profile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// tcpProfile is profileWith over TCP, with the extra lines first.
func tcpProfile(t *testing.T, extra ...string) string {
	t.Helper()
	return strings.Replace(profileWith(t, extra...), "remote vpn.example.com 1194", "remote vpn.example.com 443 tcp", 1)
}

func TestHTTPProxy(t *testing.T) {
	p := mustParse(t, tcpProfile(t,
		"http-proxy-option AGENT \"Mozilla/5.0 (cvpn)\"",
		"http-proxy proxy.example.com 3128",
		"http-proxy-option VERSION 1.1",
		"http-proxy-option CUSTOM-HEADER X-Corp-Id \"abc 123\"",
		"http-proxy-option EXT1 X-Bare"))
	x := p.Remotes[0].Proxy
	if x == nil {
		t.Fatal("no proxy")
	}
	want := Proxy{Type: ProxyHTTP, Host: "proxy.example.com", Port: 3128, Auth: ProxyAuthNone, HTTPVersion: "1.1",
		UserAgent: "Mozilla/5.0 (cvpn)", Line: 2}
	got := *x
	got.Headers = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("proxy = %+v\nwant %+v", got, want)
	}
	if len(x.Headers) != 2 || x.Headers[0] != (HTTPHeader{"X-Corp-Id", "abc 123"}) || x.Headers[1] != (HTTPHeader{"X-Bare", ""}) {
		t.Errorf("headers = %q", x.Headers)
	}
	if s := p.Summary(); s.Proxy != "http://proxy.example.com:3128" {
		t.Errorf("summary proxy = %q", s.Proxy)
	}
}

func TestHTTPProxyDefaults(t *testing.T) {
	p := mustParse(t, tcpProfile(t, "http-proxy 10.0.0.1 8080 auto"))
	x := p.Remotes[0].Proxy
	if x.HTTPVersion != "1.0" || x.Auth != ProxyAuthAuto || x.AskCredentials || x.Username != "" {
		t.Errorf("proxy = %+v", x)
	}
	p = mustParse(t, tcpProfile(t, "http-proxy 10.0.0.1 8080 stdin"))
	if x := p.Remotes[0].Proxy; x.Auth != ProxyAuthBasic || !x.AskCredentials {
		t.Errorf("stdin: proxy = %+v, want basic and ask", x)
	}
	p = mustParse(t, tcpProfile(t, "http-proxy 10.0.0.1 8080 auto-nct"))
	if x := p.Remotes[0].Proxy; x.Auth != ProxyAuthAutoNCT {
		t.Errorf("auto-nct: auth = %v", x.Auth)
	}
	p = mustParse(t, tcpProfile(t, "http-proxy 10.0.0.1 8080 stdin none"))
	if x := p.Remotes[0].Proxy; x.Auth != ProxyAuthNone {
		t.Errorf("method none: auth = %v", x.Auth)
	}
}

// TestProxyCredentialsStaySecret: inline credentials reach the Remote, but
// never JSON or the Summary.
func TestProxyCredentialsStaySecret(t *testing.T) {
	p := mustParse(t, tcpProfile(t, "http-proxy proxy.example.com 3128 auto",
		block("http-proxy-user-pass", "proxyuser\nproxy-secret-pw")))
	x := p.Remotes[0].Proxy
	if x.Username != "proxyuser" || x.Password != "proxy-secret-pw" || x.AskCredentials {
		t.Fatalf("proxy = %+v", x)
	}
	for _, v := range []any{p, p.Summary()} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "proxy-secret-pw") || strings.Contains(string(b), "proxyuser") {
			t.Errorf("%T JSON holds the proxy credentials: %s", v, b)
		}
	}
}

// TestProxyAuthFileInlined: an auth file is read like auth-user-pass and
// inlined, and the stored profile parses to the same credentials.
func TestProxyAuthFileInlined(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "proxy.txt"), []byte("bob\r\nhunter2\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line, wantLine, wantBlock string
		typ                       ProxyType
	}{
		{"http-proxy proxy.example.com 3128 proxy.txt", "http-proxy proxy.example.com 3128 stdin basic", "<http-proxy-user-pass>", ProxyHTTP},
		{"http-proxy proxy.example.com 3128 proxy.txt basic", "http-proxy proxy.example.com 3128 stdin basic", "<http-proxy-user-pass>", ProxyHTTP},
		{"socks-proxy socks.example.com 1081 proxy.txt", "socks-proxy socks.example.com 1081 stdin", "ignore-unknown-option socks-proxy-user-pass\n<socks-proxy-user-pass>", ProxySOCKS5},
	}
	for _, tt := range tests {
		p, err := Parse([]byte(tcpProfile(t, tt.line)), ParseOptions{Name: "test.ovpn", Dir: dir})
		if err != nil {
			t.Fatalf("%s: %v", tt.line, err)
		}
		check := func(what string, p *Profile) {
			x := p.Remotes[0].Proxy
			if x == nil || x.Type != tt.typ || x.Username != "bob" || x.Password != "hunter2" || x.AskCredentials {
				t.Errorf("%s %q: proxy = %+v", what, tt.line, x)
			}
		}
		check("parsed", p)
		text := string(p.Inlined())
		if !strings.Contains(text, tt.wantBlock+"\nbob\nhunter2\n") || !strings.Contains(text, "\n"+tt.wantLine+"\n") || strings.Contains(text, "proxy.txt") {
			t.Errorf("%q: inlined profile:\n%s", tt.line, text)
		}
		again, err := Parse([]byte(text), ParseOptions{Name: "stored.ovpn"})
		if err != nil {
			t.Fatalf("%q: stored profile: %v", tt.line, err)
		}
		check("stored", again)
	}
}

func TestSOCKSProxy(t *testing.T) {
	p := mustParse(t, tcpProfile(t, "socks-proxy 127.0.0.1"))
	x := p.Remotes[0].Proxy
	if x.Type != ProxySOCKS5 || x.Host != "127.0.0.1" || x.Port != 1080 || x.AskCredentials {
		t.Errorf("proxy = %+v", x)
	}
	if s := p.Summary(); s.Proxy != "socks5://127.0.0.1:1080" {
		t.Errorf("summary proxy = %q", s.Proxy)
	}
	// UDP goes through the proxy's UDP relay (UDP ASSOCIATE).
	p = mustParse(t, profileWith(t, "socks-proxy 127.0.0.1"))
	if x := p.Remotes[0].Proxy; x == nil || p.Remotes[0].Proto != ProtoUDP {
		t.Errorf("udp remote: proxy = %+v", x)
	}
	p = mustParse(t, tcpProfile(t, "socks-proxy ::1 9050 stdin"))
	if x := p.Remotes[0].Proxy; !x.AskCredentials || x.URL() != "socks5://[::1]:9050" {
		t.Errorf("proxy = %+v (%s)", x, x.URL())
	}
}

// TestProxyPerConnection: proxy options are connection-entry defaults
// that blocks inherit and may change without touching the next block.
func TestProxyPerConnection(t *testing.T) {
	text := strings.Join([]string{
		"client", "dev tun", "auth-user-pass", "proto tcp",
		"http-proxy proxy.example.com 3128",
		"<connection>", "remote a.example.com 443", "http-proxy-option VERSION 1.1", "</connection>",
		"<connection>", "remote b.example.com 443", "</connection>",
		"<connection>", "remote c.example.com 443", "http-proxy other.example.com 8080", "</connection>",
		block("ca", readTestdata(t, "ca.crt")),
	}, "\n") + "\n"
	p := mustParse(t, text)
	if len(p.Remotes) != 3 {
		t.Fatalf("%d remotes", len(p.Remotes))
	}
	got := []string{}
	for _, r := range p.Remotes {
		got = append(got, r.Proxy.URL()+" "+r.Proxy.HTTPVersion)
	}
	want := []string{"http://proxy.example.com:3128 1.1", "http://proxy.example.com:3128 1.0", "http://other.example.com:8080 1.0"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("proxies = %q, want %q", got, want)
	}
	if s := p.Summary(); s.Proxy != "http://proxy.example.com:3128, http://other.example.com:8080" {
		t.Errorf("summary proxy = %q", s.Proxy)
	}
}

func TestProxyErrors(t *testing.T) {
	tests := []struct {
		lines []string
		want  string
	}{
		{[]string{"http-proxy proxy.example.com"}, "test.ovpn:1: http-proxy: the proxy's port is missing"},
		{[]string{"http-proxy proxy.example.com 3128 proxy.txt ntlm"}, "ntlm proxy authentication is not supported by cvpn; it only does basic"},
		{[]string{"http-proxy proxy.example.com 3128 proxy.txt digest"}, "digest proxy authentication is not supported"},
		{[]string{"http-proxy proxy.example.com 3128 proxy.txt kerberos"}, "unknown proxy authentication method"},
		{[]string{"http-proxy proxy.example.com 3128 proxy.txt"}, "refers to the file \"proxy.txt\", but this profile was given without its directory — paste the file's contents into a <http-proxy-user-pass> ... </http-proxy-user-pass> block"},
		{[]string{"http-proxy 'bad host' 3128"}, "is not a host name or IP address"},
		{[]string{"http-proxy-option VERSION 1.1"}, "test.ovpn:1: http-proxy-option: there is no http-proxy for it to apply to"},
		{[]string{"http-proxy-option VERSION 2"}, "bad VERSION option"},
		{[]string{"http-proxy-option CUSTOM-HEADER \"Bad: name\" x"}, "bad CUSTOM-HEADER option"},
		{[]string{"http-proxy-option FOO bar"}, "unknown http-proxy-option \"FOO\""},
		{[]string{"http-proxy p.example.com 3128", "socks-proxy s.example.com"}, "test.ovpn:2: http-proxy and socks-proxy cannot be used together"},
		{[]string{"socks-proxy s.example.com 0"}, "port 0 is out of range"},
	}
	for _, tt := range tests {
		_, err := parseText(tcpProfile(t, tt.lines...))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error = %v\nwant %q", tt.lines, err, tt.want)
		}
	}
	// OpenVPN 2.6: "--http-proxy MUST be used in TCP Client mode".
	_, err := parseText(profileWith(t, "http-proxy proxy.example.com 3128"))
	if err == nil || !strings.Contains(err.Error(), "add `proto tcp`") {
		t.Errorf("http-proxy over udp: %v", err)
	}
}

func TestProxyDeprecatedOptions(t *testing.T) {
	p := mustParse(t, tcpProfile(t, "http-proxy p.example.com 3128", "http-proxy-retry", "http-proxy-timeout 5", "socks-proxy-retry"))
	for _, w := range []string{"http-proxy-retry: deprecated since OpenVPN 2.4", "http-proxy-timeout: deprecated since OpenVPN 2.4", "socks-proxy-retry: deprecated"} {
		if !hasWarning(p, w) {
			t.Errorf("no warning %q in %v", w, p.Warnings)
		}
	}
}

func TestHTTPProxyOverride(t *testing.T) {
	text := strings.Join([]string{
		"client", "dev tun", "auth-user-pass",
		"remote udp.example.com 1194 udp", "remote tcp.example.com 443 tcp",
		"http-proxy-override proxy.example.com 3128 nct",
		block("ca", readTestdata(t, "ca.crt")),
	}, "\n") + "\n"
	p := mustParse(t, text)
	if len(p.Remotes) != 1 || p.Remotes[0].Host != "tcp.example.com" {
		t.Fatalf("remotes = %+v", remotesOf(p))
	}
	if x := p.Remotes[0].Proxy; x == nil || x.Auth != ProxyAuthAutoNCT || x.UserAgent != "OpenVPN-Autoproxy/1.0" {
		t.Errorf("proxy = %+v", x)
	}
	if !hasWarning(p, "UDP remotes are not used") {
		t.Errorf("warnings = %v", p.Warnings)
	}
	p = mustParse(t, profileWith(t, "http-proxy-override proxy.example.com 3128"))
	if p.Remotes[0].Proxy != nil || !hasWarning(p, "ignored because no remote uses TCP") {
		t.Errorf("udp only: proxy %+v, warnings %v", p.Remotes[0].Proxy, p.Warnings)
	}
}

func TestProxyExportRedacts(t *testing.T) {
	src := "socks-proxy s.example.com 1080 stdin\nignore-unknown-option socks-proxy-user-pass\n<socks-proxy-user-pass>\nbob\npw\n</socks-proxy-user-pass>\n" +
		"http-proxy-option CUSTOM-HEADER Proxy-Authorization \"Basic Ym9iOnB3\"\n"
	out := string(ExportText([]byte(src)))
	if strings.Contains(out, "bob") || strings.Contains(out, "Ym9iOnB3") {
		t.Errorf("export keeps proxy secrets:\n%s", out)
	}
}
