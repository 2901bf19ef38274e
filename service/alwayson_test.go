package service_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service"
	"github.com/cvpn/cvpn/tunnel"
	"github.com/cvpn/cvpn/tunnel/tunneltest"
)

// The service connects the always-on profile itself when it is a managed
// profile that needs nobody to sign in, and says why not otherwise.
func TestConnectAtStart(t *testing.T) {
	managed := t.TempDir()
	store := profile.NewStore(managed, "")
	for name, file := range map[string]string{"corp": "aws-mutual.ovpn", "sso": "aws-saml.ovpn"} {
		if _, err := store.Import(filepath.Join("..", "profile", "testdata", file), name); err != nil {
			t.Fatal(err)
		}
	}
	str := func(s string) *string { return &s }
	tests := []struct {
		name      string
		pol       *policy.Policy
		wantUp    bool
		wantErr   string
		forbidden bool
	}{
		{name: "no policy"},
		{name: "certificate profile", pol: &policy.Policy{ConnectAtStart: str("corp")}, wantUp: true},
		{name: "needs a sign-in", pol: &policy.Policy{ConnectAtStart: str("sso")}, wantErr: "the desktop app connects it at login"},
		{name: "not managed", pol: &policy.Policy{ConnectAtStart: str("mine"), Source: "/etc/cvpn/policy.json"},
			wantErr: `connect_at_start names "mine" in /etc/cvpn/policy.json, which is not a managed profile`},
		{name: "server blocked", pol: &policy.Policy{ConnectAtStart: str("corp"), BlockedServers: []string{"*.amazonaws.com"}},
			wantErr: "is blocked", forbidden: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := tunneltest.NewOS()
			m := tunnel.NewManager(tunnel.Config{Hooks: fake.Hooks()})
			t.Cleanup(func() { _ = m.Close(context.Background()) })
			var logged []string
			srv := &service.Server{Manager: m, Policy: func() (*policy.Policy, error) { return tt.pol, nil },
				Logf: func(f string, a ...any) { logged = append(logged, f) }}
			err := srv.ConnectAtStart(context.Background(), managed)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) || errors.Is(err, policy.ErrForbidden) != tt.forbidden {
				t.Fatalf("error %v, want %q (forbidden %v)", err, tt.wantErr, tt.forbidden)
			}
			up := len(m.List()) == 1 && m.List()[0].Profile == "corp"
			if up != tt.wantUp {
				t.Errorf("tunnels %+v, want corp up: %v", m.List(), tt.wantUp)
			}
			if tt.wantErr != "" && len(logged) == 0 {
				t.Error("gave up without a log line")
			}
		})
	}
}
