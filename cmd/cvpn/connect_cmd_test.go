package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
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
		{[]string{"connect", "x.ovpn"}, exitError, "x.ovpn: file does not exist"},
		{[]string{"connect", "--foreground"}, exitUsage, "Usage: cvpn connect PROFILE"},
		{[]string{"connect", "a", "b"}, exitUsage, "Usage: cvpn connect PROFILE"},
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
	tests := []struct {
		ev   api.Event
		want string
	}{
		{api.Event{Kind: api.EventState, State: "connected", Status: &api.Status{
			Remote: "198.18.1.1:1194", Proto: "udp", Cipher: "AES-256-GCM", IPv4: "198.19.1.2"}},
			"connected 198.19.1.2 via 198.18.1.1:1194/udp AES-256-GCM"},
		{api.Event{Kind: api.EventState, State: "connected", Status: &api.Status{
			Remote: "[fd00::1]:1194", Proto: "tcp", Cipher: "AES-128-GCM", IPv6: "fd00::2"}},
			"connected fd00::2 via [fd00::1]:1194/tcp AES-128-GCM"},
		{api.Event{Kind: api.EventState, State: "reconnecting", Message: "reconnecting: next attempt in 1s: no packets"},
			"reconnecting: next attempt in 1s: no packets"},
		{api.Event{Kind: api.EventState, State: "disconnected", Message: "2 users are logged in"}, "disconnected"},
		{api.Event{Kind: api.EventWarning, Message: "route skipped"}, "warning: route skipped"},
		{api.Event{Kind: api.EventInfo, Message: "hello"}, "server info: hello"},
		{api.Event{Kind: api.EventStats}, ""},
		{api.Event{Kind: api.EventLog, Message: "noise"}, ""},
	}
	for _, tt := range tests {
		if got := eventLine(&tt.ev); got != tt.want {
			t.Errorf("eventLine(%+v) = %q, want %q", tt.ev, got, tt.want)
		}
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
