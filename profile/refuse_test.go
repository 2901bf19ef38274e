package profile

import (
	"sort"
	"strings"
	"testing"
)

// TestRefusedDirectives checks every refused directive, one subtest each:
// the error names the file, the line and the directive, and says why.
func TestRefusedDirectives(t *testing.T) {
	names := make([]string, 0, len(refusals))
	for n := range refusals {
		names = append(names, n)
	}
	names = append(names, "management", "management-hold", "management-query-passwords",
		"pkcs11-providers", "pkcs11-id")
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			// Line 3, after two harmless lines, and with an argument so that
			// arity never hides the refusal.
			text := profileWith(t, "# leading comment", "verb 3", name+" /usr/bin/true")
			list := errorsOf(t, mustFail(t, text))
			prefix := "test.ovpn:3: " + name + ": "
			if !strings.HasPrefix(list[0].Error(), prefix) {
				t.Fatalf("error = %q, want prefix %q", list[0].Error(), prefix)
			}
			r, _ := refusalFor(name)
			if list[0].Msg != r.msg || list[0].Fix == "" || list[0].Line != 3 || list[0].Directive != name {
				t.Errorf("error = %+v", list[0])
			}
		})
	}
}

func mustFail(t *testing.T, text string) error {
	t.Helper()
	_, err := parseText(text)
	if err == nil {
		t.Fatal("parse succeeded; want an error")
	}
	return err
}

func TestRefusedMessages(t *testing.T) {
	tests := []struct {
		line string
		want string
	}{
		{"up /etc/openvpn/up.sh", "test.ovpn:1: up: runs a program; cvpn never runs scripts from a profile — remove the line"},
		{"plugin /usr/lib/openvpn/plugin.so", "test.ovpn:1: plugin: loads code into the VPN process"},
		{"management 127.0.0.1 7505", "test.ovpn:1: management: opens a management control port"},
		{"script-security 2\nup /etc/openvpn/up.sh", "test.ovpn:2: up: runs a program"},
		{"up '/etc/openvpn/update-resolv-conf; rm -rf /'", "test.ovpn:1: up: runs a program"},
		{"down /usr/local/bin/client.down.evil", "test.ovpn:1: down: runs a program"},
		{"route-up /etc/openvpn/update-resolv-conf", "test.ovpn:1: route-up: runs a program"},
		{"tls-remote server", "test.ovpn:1: tls-remote: was removed in OpenVPN 2.4 (verify-x509-name replaced it) — write `verify-x509-name NAME name`"},
		{"key-method 1", "test.ovpn:1: key-method: was removed in OpenVPN 2.5"},
		{"no-iv", "test.ovpn:1: no-iv: was removed in OpenVPN 2.5"},
		{"http-proxy proxy.example.com 8080", "test.ovpn:1: http-proxy: an HTTP proxy only carries TCP, and this connection uses udp"},
		{"socks-proxy 127.0.0.1 1080\nhttp-proxy p.example.com 3128", "test.ovpn:2: http-proxy and socks-proxy cannot be used together"},
		{"cryptoapicert \"SUBJ:me\"", "test.ovpn:1: cryptoapicert: smart cards and system certificate stores are not supported by cvpn yet"},
		{"pkcs11-id 'x'", "test.ovpn:1: pkcs11-id: smart cards and system certificate stores are not supported by cvpn yet"},
		{"server 10.8.0.0 255.255.255.0", "test.ovpn:1: server: is a server-side option"},
		{"dev-type tap", "test.ovpn:1: dev-type: tap (layer-2) devices are not supported"},
		{"fragment 1300", "test.ovpn:1: fragment: internal fragmentation is not supported by cvpn"},
		{"mode server", "test.ovpn:1: mode: is a server-side option"},
		{"setenv opt up /bin/sh", "test.ovpn:1: up: runs a program"},
		{"ignore-unknown-option up\nup /bin/sh", "test.ovpn:2: up: runs a program"},
	}
	for _, tt := range tests {
		err := mustFail(t, profileWith(t, tt.line))
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error = %v\nwant %q", tt.line, err, tt.want)
		}
	}
	// The last dev line wins, as in OpenVPN.
	err := mustFail(t, strings.Replace(profileWith(t), "dev tun", "dev tap0", 1))
	if want := "test.ovpn:2: dev: tap (layer-2) devices are not supported; cvpn only does tun — use `dev tun`"; !strings.Contains(err.Error(), want) {
		t.Errorf("dev tap0: error = %v", err)
	}
	// script-security 0 and 1 run nothing.
	mustParse(t, profileWith(t, "script-security 1"))
	mustParse(t, profileWith(t, "script-security 0"))
}
