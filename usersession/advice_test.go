package usersession

import (
	"strings"
	"testing"

	"github.com/cvpn/cvpn/service/api"
)

// Every reason a person can act on has advice; the ones they cannot (they
// canceled, or the code is new) have none, and the message stands alone.
func TestAdvice(t *testing.T) {
	tests := []struct {
		reason api.Reason
		msg    string
		want   string
	}{
		{api.ReasonAuthFailed, `authentication failed: the server says "bad password"`, `"bad password"; check the username and password`},
		{api.ReasonUnreachable, "server unreachable after 3 attempts: timeout", "after 3 attempts: timeout; check the network"},
		{api.ReasonSAMLTimeout, "sign-in: canceled by the user", "finish signing in"},
		{api.ReasonTooManyUsers, "2 users are logged in", "one logged-in user at a time"},
		{api.ReasonCanceled, "sign-in: canceled by the user", "sign-in: canceled by the user"},
		{"something_new", "it broke", "it broke"},
	}
	for _, tt := range tests {
		if got := Explain(tt.msg, tt.reason); !strings.Contains(got, tt.want) {
			t.Errorf("Explain(%q, %q) = %q, want it to contain %q", tt.msg, tt.reason, got, tt.want)
		}
	}
	for _, r := range []api.Reason{api.ReasonAuthFailed, api.ReasonCertRejected, api.ReasonServerUntrusted, api.ReasonUnreachable,
		api.ReasonTooManyUsers, api.ReasonUserGuard, api.ReasonRouteConflict, api.ReasonSAMLTimeout, api.ReasonPromptTimeout,
		api.ReasonServerExit, api.ReasonNetworkError, api.ReasonBadPassphrase, api.ReasonNeedPassphrase, api.ReasonNeedCredentials,
		api.ReasonNegotiation, api.ReasonServiceStopping} {
		if Advice(r) == "" {
			t.Errorf("no advice for %q", r)
		}
	}
}
