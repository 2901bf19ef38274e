//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// startResolved runs a real systemd-resolved on a private system bus in the
// lab's client namespace (lab.StartResolved) for the rest of the test.
func startResolved(t *testing.T, l *lab.Lab) *lab.Resolved {
	t.Helper()
	r, err := lab.StartResolved(t.Context(), l)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("systemd-resolved log:\n%s", r.LogTail(60))
		}
		r.Close()
	})
	return r
}

// startCvpnResolved starts cvpn as startCvpnPrivateResolv does, but in
// resolved's mount namespace, where the system bus has systemd-resolved
// on it: cvpn must pick it over resolv.conf.
func startCvpnResolved(t *testing.T, l *lab.Lab, r *lab.Resolved, profile string, args ...string) *cvpnClient {
	t.Helper()
	c := runCvpn(t, l, r.Enter(), profile, true, args...)
	if !strings.Contains(c.Log(), "through systemd-resolved") {
		t.Fatalf("cvpn did not set DNS through systemd-resolved:\n%s", c.LogTail(30))
	}
	return c
}

// resolvedLink is what resolvectl says of one link's DNS: servers,
// domains and whether it is a default route, e.g. "Link 7 (tun0): yes".
func resolvedLink(t *testing.T, r *lab.Resolved, link string) (dns, domains, defaultRoute string) {
	t.Helper()
	get := func(verb string) string {
		out, err := r.Resolvectl(t.Context(), verb, link)
		if err != nil {
			t.Fatal(err)
		}
		_, v, _ := strings.Cut(out, "): ")
		return strings.TrimSpace(v)
	}
	return get("dns"), get("domain"), get("default-route")
}

func resolvedStatus(t *testing.T, r *lab.Resolved) string {
	t.Helper()
	out, err := r.Resolvectl(t.Context(), "status")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// resolveVia asks resolved for name (resolvectl query) and the C library
// through the stub on 127.0.0.53 (getent hosts), and wants want from the
// server behind link.
func resolveVia(t *testing.T, r *lab.Resolved, name, want, link string) {
	t.Helper()
	out, err := r.Resolvectl(t.Context(), "query", "--cache=no", "-4", name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, name+": "+want) || !strings.Contains(out, "-- link: "+link) {
		t.Errorf("resolvectl query %s:\n%s\nwant %s through link %s", name, out, want, link)
	}
	b, err := r.Exec(t.Context(), "getent", "ahostsv4", name)
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(string(b)); len(f) < 1 || f[0] != want {
		t.Errorf("getent ahostsv4 %s: %q, want %s", name, b, want)
	}
}

func stopCvpn(t *testing.T, c *cvpnClient, sig syscall.Signal) {
	t.Helper()
	if err := c.Signal(sig); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatalf("cvpn did not exit after %v", sig)
	}
}

// TestCvpnResolved runs cvpn against a real systemd-resolved (unpacked, not
// installed; see lab.StartResolved): the pushed DNS server and domains land
// on the tunnel's link, names resolve through the tunnel with resolvectl
// and getent, and after a clean stop, or kill -9 and a recovering run,
// resolved's state is what it was before.
func TestCvpnResolved(t *testing.T) {
	tests := []struct {
		name string
		push []string
		// ask is served by the tunnel's DNS server; outside must not
		// reach it.
		ask, outside string
		domains      string
		defaultRoute string
		kill         bool
		// tamper: another program replaces the link's DNS servers
		// while cvpn runs with --enforce-routes, which sets them again.
		tamper bool
		// dnsOption pushes the 2.6 "dns server 0" lines (each given the
		// server's tunnel address) after the rest; a DNS-over-TLS
		// server is not asked (the lab's server speaks plain DNS).
		dnsOption  []string
		dnssec     string
		dnsOverTLS string
	}{
		{
			name:         "split DNS",
			push:         []string{"dhcp-option DOMAIN lab.example", "dhcp-option DOMAIN-ROUTE corp.example"},
			ask:          "www.corp.example",
			outside:      "www.elsewhere.example",
			domains:      "lab.example ~corp.example",
			defaultRoute: "no",
			tamper:       true,
		},
		{
			name:         "full tunnel, kill -9 and recovery",
			push:         []string{"redirect-gateway def1"},
			ask:          "www.elsewhere.example",
			domains:      "~.",
			defaultRoute: "yes",
			kill:         true,
		},
		{
			name: "dns option: DNSSEC, DNS over TLS with a name",
			dnsOption: []string{
				"dns server 0 address %s",
				"dns server 0 resolve-domains corp.example",
				"dns server 0 dnssec optional",
				"dns server 0 transport DoT",
				"dns server 0 sni dns.lab.example",
			},
			domains:      "~corp.example",
			defaultRoute: "no",
			dnssec:       "allow-downgrade",
			dnsOverTLS:   "yes",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lab.RequireResolved(t)
			l := labPushingDNS(t, tc.push...)
			pushMore(t, l, tc.dnsOption...)
			r := startResolved(t, l)
			wantDNS := l.ServerTunIP.String()
			if len(tc.dnsOption) > 0 {
				wantDNS += "#dns.lab.example"
			} else {
				serveDNS(t, l, tc.ask+".", l.ServerTunIP)
			}
			profile := filepath.Join(l.Dir, "cvpn-client.ovpn")
			if err := l.WriteClientProfile(profile, lab.ProfileOptions{}); err != nil {
				t.Fatal(err)
			}
			before := resolvedStatus(t, r)

			check := func(c *cvpnClient) {
				t.Helper()
				dns, domains, def := resolvedLink(t, r, lab.TunDev)
				t.Logf("resolved's %s: dns %s, domain %s, default-route %s", lab.TunDev, dns, domains, def)
				if dns != wantDNS || domains != tc.domains || def != tc.defaultRoute {
					t.Errorf("resolvectl on %s: dns %q, domain %q, default-route %q; want %q, %q, %q",
						lab.TunDev, dns, domains, def, wantDNS, tc.domains, tc.defaultRoute)
				}
				for verb, want := range map[string]string{"dnssec": tc.dnssec, "dnsovertls": tc.dnsOverTLS} {
					if want == "" {
						continue
					}
					out, err := r.Resolvectl(t.Context(), verb, lab.TunDev)
					if err != nil {
						t.Fatal(err)
					}
					if _, got, _ := strings.Cut(out, "): "); got != want {
						t.Errorf("resolvectl %s %s: %q, want %s", verb, lab.TunDev, out, want)
					}
				}
				if tc.ask != "" {
					resolveVia(t, r, tc.ask, l.ServerTunIP.String(), lab.TunDev)
				}
				if tc.outside != "" {
					// No other link has a server: a name outside the
					// routing domains has nobody to ask.
					if out, err := r.Resolvectl(t.Context(), "query", "--cache=no", "-4", tc.outside); err == nil {
						t.Errorf("resolvectl query %s went somewhere:\n%s", tc.outside, out)
					}
				}
			}

			var args []string
			if tc.tamper {
				args = append(args, "--enforce-routes")
			}
			c := startCvpnResolved(t, l, r, profile, args...)
			check(c)
			if tc.tamper {
				// Two polls of the DNS watch see cvpn's own settings:
				// no warning. Then another program's change is seen,
				// reported, and undone.
				time.Sleep(5 * time.Second)
				const changed = "was changed by another program"
				if strings.Contains(c.Log(), changed) {
					t.Fatalf("the DNS watch reported a change nobody made:\n%s", c.LogTail(20))
				}
				if _, err := r.Resolvectl(t.Context(), "dns", lab.TunDev, "192.0.2.99"); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
				defer cancel()
				if err := c.WaitFor(ctx, "the systemd-resolved DNS settings of "+lab.TunDev+" "+changed); err != nil {
					t.Fatal(err)
				}
				if err := c.WaitFor(ctx, "cvpn set it again"); err != nil {
					t.Fatal(err)
				}
				check(c)
			}
			if tc.kill {
				idx := tunIndex(t, r)
				stopCvpn(t, c, syscall.SIGKILL)
				// The kernel removes the dead process's TUN device, and
				// resolved the link with it.
				if out, err := r.Resolvectl(t.Context(), "status", idx); err == nil {
					t.Errorf("link %s still known to resolved after kill -9:\n%s", idx, out)
				}
				c = startCvpnResolved(t, l, r, profile)
				if !strings.Contains(c.Log(), "recovered: undid the network changes of \"cvpn-client\"") {
					t.Errorf("the run after kill -9 did not report its recovery:\n%s", c.LogTail(30))
				}
				check(c)
			}
			stopCvpn(t, c, syscall.SIGTERM)
			// cvpn closes the TUN device before it reverts, so resolved
			// has usually dropped the link by then and RevertLink is
			// skipped; either way the link must be gone or bare.
			if log := c.Log(); !strings.Contains(log, "reverted the DNS settings of "+lab.TunDev+" in systemd-resolved") &&
				!strings.Contains(log, lab.TunDev+" is gone, and its DNS settings in systemd-resolved with it") {
				t.Errorf("cvpn did not report undoing its DNS settings:\n%s", c.LogTail(30))
			}
			if after := resolvedStatus(t, r); after != before {
				t.Errorf("resolvectl status differs after cvpn stopped\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// pushMore makes the lab's server also push lines, each formatted with the
// server's tunnel address, and restarts it.
func pushMore(t *testing.T, l *lab.Lab, lines ...string) {
	t.Helper()
	if len(lines) == 0 {
		return
	}
	var b strings.Builder
	for _, line := range lines {
		if strings.Contains(line, "%s") {
			line = fmt.Sprintf(line, l.ServerTunIP)
		}
		b.WriteString("push \"" + line + "\"\n")
	}
	f, err := os.OpenFile(l.ServerConfigPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(b.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Server.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// tunIndex is the tunnel link's index, as resolvectl names it.
func tunIndex(t *testing.T, r *lab.Resolved) string {
	t.Helper()
	out, err := r.Resolvectl(t.Context(), "dns", lab.TunDev)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(out) // Link 7 (tun0): ...
	if len(f) < 2 {
		t.Fatalf("resolvectl dns %s: %q", lab.TunDev, out)
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		t.Fatalf("resolvectl dns %s: %q", lab.TunDev, out)
	}
	return f[1]
}
