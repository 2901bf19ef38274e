package service_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/tunnel"
)

// The service enforces the administrator's servers and tunnel limit
// itself, refusing with 403 and CodePolicy and a message that names the
// setting, its source and who can change it; a broken policy enforces
// nothing.
func TestAPIConnectPolicy(t *testing.T) {
	const src = "/etc/cvpn/policy.json"
	one := 1
	// The test profile's server.
	const server = "cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"
	tests := []struct {
		name      string
		pol       *policy.Policy
		polErr    error
		connected int    // tunnels up before the one under test
		wantErr   string // "" for connected
	}{
		{name: "no policy"},
		{name: "allowed by wildcard", pol: &policy.Policy{AllowedServers: []string{"*.clientvpn.eu-west-1.amazonaws.com"}, Source: src}},
		{name: "not allowed", pol: &policy.Policy{AllowedServers: []string{"vpn.example.com"}, Source: src},
			wantErr: "server " + server + " is not in allowed_servers of " + src},
		{name: "blocked", pol: &policy.Policy{BlockedServers: []string{server}, Source: src},
			wantErr: "server " + server + " is blocked"},
		{name: "under the limit", pol: &policy.Policy{MaxTunnels: &one, Source: src}},
		{name: "over the limit", pol: &policy.Policy{MaxTunnels: &one, Source: src}, connected: 1,
			wantErr: "1 tunnels are connected and max_tunnels is 1 in " + src},
		{name: "broken policy locks nothing", polErr: errors.New("read policy " + src + ": bad"), connected: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServiceWith(t, serviceOptions{policy: tt.pol, policyErr: tt.polErr})
			ctx := context.Background()
			for i := 0; i < tt.connected; i++ {
				name := "other" + string(rune('a'+i))
				if _, err := ts.c.Connect(ctx, api.ConnectBody{Name: name, Profile: strings.Replace(profileText(t), server, "vpn.example.com", 1)}); err != nil {
					t.Fatal(err)
				}
			}
			_, err := ts.c.Connect(ctx, api.ConnectBody{Name: "corp", Profile: profileText(t)})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("connect: %v", err)
				}
				return
			}
			var ce *client.Error
			if !errors.As(err, &ce) || ce.Status != http.StatusForbidden || ce.Code != api.CodePolicy ||
				!strings.Contains(ce.Message, tt.wantErr) || !strings.Contains(ce.Message, "ask your administrator") {
				t.Fatalf("connect: %#v, want 403 %s with %q and the fix", err, api.CodePolicy, tt.wantErr)
			}
		})
	}
	if policy.MaxTunnels != tunnel.MaxTunnels {
		t.Errorf("policy allows max_tunnels up to %d, the manager runs %d", policy.MaxTunnels, tunnel.MaxTunnels)
	}
}
