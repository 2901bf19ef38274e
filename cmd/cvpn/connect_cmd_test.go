package main

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/profile"
)

func TestConnectArguments(t *testing.T) {
	store := profile.NewStore(t.TempDir(), t.TempDir())
	run := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		a := &app{stdout: &out, stderr: &errb, store: func() (*profile.Store, error) { return store, nil }}
		return a.run(args), errb.String()
	}
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"connect", "x.ovpn"}, exitUsage, "connect --foreground PROFILE"},
		{[]string{"connect", "--foreground"}, exitUsage, "Usage: cvpn connect --foreground PROFILE"},
		{[]string{"connect", "--foreground", "/nonexistent/x.ovpn"}, exitError, "does not exist"},
		{[]string{"connect", "--foreground", "nosuchprofile"}, exitError, "nosuchprofile"},
	}
	for _, tt := range tests {
		code, stderr := run(tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("cvpn %s: exit %d, stderr %q; want %d and %q", strings.Join(tt.args, " "), code, stderr, tt.code, tt.stderr)
		}
	}
}

func TestEventLine(t *testing.T) {
	connected := &openvpn.StateChange{To: openvpn.StateConnected, Connection: &openvpn.ConnectionInfo{
		Remote: netip.MustParseAddrPort("198.18.1.1:1194"), Proto: "udp", Cipher: "AES-256-GCM",
		IPv4: netip.MustParsePrefix("198.19.1.2/24"),
	}}
	if got, want := eventLine(connected), "connected 198.19.1.2 via 198.18.1.1:1194/udp AES-256-GCM"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	rec := &openvpn.StateChange{To: openvpn.StateReconnecting, Err: errors.New("no packets"), Detail: "next attempt in 1s"}
	if got := eventLine(rec); got != "reconnecting: no packets (next attempt in 1s)" {
		t.Errorf("got %q", got)
	}
}

func TestAdvice(t *testing.T) {
	auth := &openvpn.AuthError{Reason: "bad password"}
	if got := advice(auth); !strings.Contains(got, `"bad password"`) || !strings.Contains(got, "check the username and password") {
		t.Errorf("advice: %q", got)
	}
	un := &openvpn.UnreachableError{Attempts: 3, Last: errors.New("timeout")}
	if got := advice(un); !strings.Contains(got, "after 3 attempts") || !strings.Contains(got, "check the network") {
		t.Errorf("advice: %q", got)
	}
}
