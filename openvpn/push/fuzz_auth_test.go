package push

import (
	"fmt"
	"strings"
	"testing"
)

// authPrefixes steer FuzzAuthMessages to the messages of a pending or
// challenged sign-in; the fuzzer supplies the rest.
var authPrefixes = []string{
	"AUTH_FAILED,CRV1:", "AUTH_FAILED,TEMP", "AUTH_FAILED,SESSION:", "AUTH_PENDING,",
	"INFO_PRE,WEB_AUTH:", "INFO_PRE,OPEN_URL:", "INFO_PRE,CR_TEXT:", "INFO,", "",
}

// FuzzAuthMessages parses CRV1 challenges, AUTH_PENDING and INFO/INFO_PRE
// (WEB_AUTH, OPEN_URL, CR_TEXT) and checks what the session relies on: the
// kinds agree with the parsed parts, a challenge's printed form never
// carries its state id, a WEB_AUTH proxy's credentials never reach the
// message's text, flags or printed forms, and timeouts are sane.
func FuzzAuthMessages(f *testing.F) {
	for _, s := range []struct {
		prefix byte
		rest   string
	}{
		{0, "R,E:Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l:Y3Ix:Please enter token PIN"},
		{0, "R:instance-1/2/3:b'Ti9B':https://idp.example/x?y=z"},
		{0, "R:instance/29/5c:Ti9B:https://portal.sso.eu-west-1.amazonaws.com/saml?SAMLRequest=abc%3D"},
		{0, "::"},
		{1, "[backoff 5,advance addr]:try later"},
		{2, "token expired"},
		{3, "timeout 60"},
		{3, "timeout 4294967296,unknown"},
		{4, "proxy=[::1];8080;dQ==;cGFzc3dvcmQxMjM=,external:http://x/"},
		{4, "hidden:https://sso.example/auth?state=1"},
		{5, "https://sso.example/"},
		{6, "R,E:Enter your OTP"},
		{7, "CR_TEXT:R:question"},
		{8, "AUTH_FAILED"},
	} {
		f.Add(s.prefix, s.rest)
	}
	f.Fuzz(func(t *testing.T, sel byte, rest string) {
		msg := ParseMessage(authPrefixes[int(sel)%len(authPrefixes)] + rest)
		if msg == nil {
			t.Fatal("nil message")
		}
		printed := msg.String()
		switch m := msg.(type) {
		case *AuthFailed:
			checkAuthFailed(t, m, printed)
		case *AuthPending:
			if m.Timeout < 0 || m.Timeout.Seconds() > 1<<32 {
				t.Fatalf("timeout %v", m.Timeout)
			}
		case *Info:
			checkInfo(t, m, printed)
		}
	})
}

func checkAuthFailed(t *testing.T, m *AuthFailed, printed string) {
	if (m.Kind == AuthFailChallenge) != (m.Challenge != nil) || (m.Kind == AuthFailTemp) != (m.Temp != nil) {
		t.Fatalf("kind %v with challenge %v, temp %v", m.Kind, m.Challenge != nil, m.Temp != nil)
	}
	if m.Temp != nil && m.Temp.Backoff < 0 {
		t.Fatalf("negative backoff %v", m.Temp.Backoff)
	}
	c := m.Challenge
	if c == nil {
		return
	}
	if c.StateID == "" || strings.Contains(c.StateID, ":") {
		t.Fatalf("state id %q", c.StateID)
	}
	// The printed form may depend on the state id's length, never on its
	// bytes: it goes to logs, and the state id is a bearer secret.
	masked := *c
	masked.StateID = strings.Repeat("\x00", len(c.StateID))
	if c.String() != masked.String() {
		t.Fatalf("challenge prints its state id: %q", c.String())
	}
	if printed != "AUTH_FAILED "+c.String() {
		t.Fatalf("AUTH_FAILED prints %q", printed)
	}
}

func checkInfo(t *testing.T, m *Info, printed string) {
	if (m.Kind == InfoWebAuth) != (m.WebAuth != nil) || (m.Kind == InfoCRText) != (m.CRText != nil) {
		t.Fatalf("kind %v with web auth %v, cr text %v", m.Kind, m.WebAuth != nil, m.CRText != nil)
	}
	w := m.WebAuth
	if w == nil {
		return
	}
	for _, fl := range w.Flags {
		if strings.HasPrefix(fl, "proxy=") {
			t.Fatalf("flag %q keeps the proxy's credentials", fl)
		}
	}
	if w.Proxy == nil {
		return
	}
	if want := "WEB_AUTH:" + strings.Join(w.Flags, ",") + ":" + w.URL; m.Text != want {
		t.Fatalf("text %q, want %q", m.Text, want)
	}
	pw := w.Proxy.Password.Reveal()
	elsewhere := fmt.Sprint(w.URL, w.Proxy.Host, w.Proxy.Username, w.Flags, w.Proxy.Port, w.Proxy.Password, true, false)
	if len(pw) < 4 || strings.Contains(elsewhere, pw) {
		return // too short, or legitimately present elsewhere, to tell
	}
	for _, s := range []string{printed, m.Text, fmt.Sprintf("%v %+v %#v", w.Proxy, *w.Proxy, *w.Proxy)} {
		if strings.Contains(s, pw) {
			t.Fatalf("proxy password %q printed: %q", pw, s)
		}
	}
}
