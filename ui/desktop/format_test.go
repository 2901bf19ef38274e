package desktop

import (
	"testing"
	"time"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/ui/viewmodel"
	"github.com/cvpn/cvpn/ui/viewmodel/viewmodeltest"
)

func TestSizeText(t *testing.T) {
	for _, c := range []struct {
		n    uint64
		want string
	}{
		{0, "0 bytes"}, {1023, "1023 bytes"}, {1024, "1.00 KB"}, {1536, "1.50 KB"}, {10 << 10, "10.0 KB"},
		{1023 << 10, "1023 KB"}, {1 << 20, "1.00 MB"}, {150 << 20, "150 MB"}, {5 << 30, "5.00 GB"},
		{3 << 40, "3.00 TB"}, {5000 << 40, "5000 TB"},
	} {
		if got := sizeText(c.n); got != c.want {
			t.Errorf("sizeText(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestDurationText(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0m 0s"}, {0, "0m 0s"}, {59*time.Second + 900*time.Millisecond, "0m 59s"},
		{time.Hour - time.Second, "59m 59s"}, {time.Hour, "1h 0m 0s"}, {26*time.Hour + 3*time.Minute + 4*time.Second, "26h 3m 4s"},
	} {
		if got := durationText(c.d); got != c.want {
			t.Errorf("durationText(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

// Both spellings of each sign-in method read the same; an unknown one is
// shown as it came.
func TestAuthText(t *testing.T) {
	for mode, want := range map[string]string{
		"certificate": "Certificate", "username+password": "Username and password", "userpass": "Username and password",
		"username+password+MFA (static challenge)": "Username, password and a code", "userpass+mfa": "Username, password and a code",
		"SAML federated": "Browser (SAML)", "saml": "Browser (SAML)", "kerberos": "kerberos", "": "—",
	} {
		if got := authText(mode); got != want {
			t.Errorf("authText(%q) = %q, want %q", mode, got, want)
		}
	}
}

func TestStateText(t *testing.T) {
	for _, c := range []struct {
		row  viewmodel.Row
		want string
	}{
		{viewmodel.Row{State: api.StateDisconnected}, "Disconnected"},
		{viewmodel.Row{State: api.StateDisconnected, Connecting: true}, "Connecting…"},
		{viewmodel.Row{State: api.StateAuthenticating, Connecting: true}, "Signing in…"},
		{viewmodel.Row{State: api.StateConnected}, "Connected"},
		{viewmodel.Row{State: api.StateReconnecting}, "Reconnecting…"},
	} {
		if got := stateText(c.row); got != c.want {
			t.Errorf("stateText(%+v) = %q, want %q", c.row, got, c.want)
		}
	}
}

// An idle window sets no timer; a connected one redraws once a second
// while shown, and not while hidden.
func TestTimerOnlyWhileSomethingCounts(t *testing.T) {
	h := start(t, viewmodeltest.Entry("corp", false))
	h.waitFor("corp selected", func() bool { return h.w.details.title.Text == "corp" })
	if h.w.tick != nil {
		t.Fatal("an idle window set a timer")
	}
	since := h.now
	h.b.SetConnect(connectsTo(api.Status{IPv4: "10.8.0.2"}, since))
	tapPrimary(h)
	h.waitValue("details.state", "Connected")
	if h.w.tick == nil {
		t.Fatal("a connected window set no timer for its connected time")
	}
	h.w.Hide()
	h.w.Changed()
	h.waitFor("a redraw while hidden", func() bool { return !h.w.pending.Load() })
	if h.w.tick != nil {
		t.Error("a hidden window keeps a timer")
	}
	h.w.Show()
	if h.w.tick == nil {
		t.Error("a window shown again set no timer")
	}
}
