package desktop

import (
	"context"
	"fmt"
	"testing"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/ui/viewmodel"
	"github.com/cvpn/cvpn/ui/viewmodel/viewmodeltest"
	"github.com/cvpn/cvpn/usersession"
)

// fails plays a connect that ends with err, after emitting evs.
func fails(err error, evs ...*api.Event) viewmodeltest.ConnectFunc {
	return func(_ context.Context, b *viewmodeltest.Backend, _ viewmodel.ConnectRequest) (*api.Status, error) {
		for _, ev := range evs {
			b.Emit(ev)
		}
		return nil, err
	}
}

// Every failure shows its cause and its fix, in the catalog's words
// chosen by the API's reason code, and the service's own words below.
func TestErrorsShowTheirFix(t *testing.T) {
	ended := func(r api.Reason, msg string) error {
		return &usersession.EndedError{Tunnel: "corp", Reason: r, Message: msg}
	}
	for _, c := range []struct {
		name               string
		connect            viewmodeltest.ConnectFunc
		cause, fix, detail string
	}{{
		name:    "wrong password",
		connect: fails(ended(api.ReasonAuthFailed, "AUTH_FAILED")),
		cause:   "The server did not accept the username or password.",
		fix:     "Check the username and password, then connect again.",
		detail:  "AUTH_FAILED",
	}, {
		name: "certificate rejected, told by the event stream",
		connect: fails(ended(api.ReasonCertRejected, "tls: bad certificate"), &api.Event{Kind: api.EventState,
			Tunnel: "corp", State: api.StateDisconnected, Reason: api.ReasonCertRejected, Message: "tls: bad certificate"}),
		cause:  "The server refused this computer's certificate.",
		fix:    "The certificate may be revoked, expired or issued by another authority. Ask your VPN administrator for a new profile.",
		detail: "tls: bad certificate",
	}, {
		name:    "another user logged in",
		connect: fails(ended(api.ReasonTooManyUsers, "2 users are logged in")),
		cause:   "Another user is logged in to this computer.",
		fix:     "cvpn connects for one logged-in user at a time. Log the other users out, then connect again.",
		detail:  "2 users are logged in",
	}, {
		name:    "service not running",
		connect: fails(fmt.Errorf("%w at /run/cvpn/cvpn.sock", client.ErrNotRunning)),
		cause:   "The cvpn service is not running.",
		fix:     "Start it with “sudo systemctl start cvpn”, or run “sudo cvpn service” in a terminal.",
	}, {
		name:    "a reason this version does not know",
		connect: fails(ended("quantum_flux", "flux")),
		cause:   "The connection failed.",
		fix:     "See the connection log for details, or export diagnostics for your VPN administrator.",
		detail:  "flux",
	}} {
		t.Run(c.name, func(t *testing.T) {
			h := start(t, viewmodeltest.Entry("corp", false))
			h.b.SetConnect(c.connect)
			h.waitFor("corp selected", func() bool { return h.w.details.title.Text == "corp" })
			tapPrimary(h)
			h.waitFor("the banner", func() bool { return h.w.banner.root.Visible() })
			b := h.w.banner
			if b.cause.Text != c.cause || b.fix.Text != c.fix || b.detail.Text != c.detail || b.detail.Visible() != (c.detail != "") {
				t.Errorf("banner says %q / %q / %q, want %q / %q / %q", b.cause.Text, b.fix.Text, b.detail.Text, c.cause, c.fix, c.detail)
			}
			h.tapButton(b.root, "") // the dismiss button is an icon
			h.waitFor("the banner gone", func() bool { return !h.w.banner.root.Visible() })
		})
	}
}

// tapPrimary taps Connect once the button allows it.
func tapPrimary(h *harness) {
	h.t.Helper()
	h.waitFor("the primary button enabled", func() bool { return !h.w.details.primary.Disabled() })
	h.tapButton(h.w.details.root, h.w.details.primary.Text)
}

// The service's warnings show in the banner until dismissed; a failure
// takes the banner over from them.
func TestNoticesShowUntilDismissed(t *testing.T) {
	h := start(t, viewmodeltest.Entry("corp", false))
	h.waitFor("corp selected", func() bool { return h.w.details.title.Text == "corp" })
	h.w.ShowNotice(viewmodel.Notice{Kind: viewmodel.NoticeConnected, Profile: "corp", Text: "corp is connected"})
	if h.w.banner.root.Visible() {
		t.Errorf("a state edge reached the banner: %q", h.w.banner.cause.Text)
	}
	h.w.ShowNotice(viewmodel.Notice{Kind: viewmodel.NoticeWarning, Text: "another user logged in"})
	if !h.w.banner.root.Visible() || h.w.banner.cause.Text != "another user logged in" {
		t.Fatalf("warning not shown: %q", texts(h.w.banner.root))
	}
	h.tapButton(h.w.banner.root, "")
	if h.w.banner.root.Visible() {
		t.Errorf("dismissed warning still shown: %q", texts(h.w.banner.root))
	}
}
