package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateJSON(t *testing.T) {
	tests := []struct{ name, in, wantErr string }{
		{"all new keys", `{"allow_import": false, "allow_edit": true, "allow_remove": false, "allowed_servers": ["vpn.example.com", "*.example.org", "10.0.0.0/8", "2001:db8::1"],
			"blocked_servers": [], "diagnostics_include_profiles": false, "max_tunnels": 5}`, ""},
		{"max tunnels 0", `{"max_tunnels": 0}`, "max_tunnels is 0; use a number from 1 to 5"},
		{"max tunnels fraction", `{"max_tunnels": 1.5}`, "not a valid policy"},
		{"wildcard inside", `{"allowed_servers": ["vpn.*.example.com"]}`, `"vpn.*.example.com" is not a host name`},
		{"bare wildcard", `{"blocked_servers": ["*"]}`, `"*" is not a host name`},
		{"empty entry", `{"blocked_servers": [""]}`, `"" is not a host name`},
		{"url", `{"allowed_servers": ["https://vpn.example.com"]}`, "is not a host name"},
		{"empty allow list", `{"allowed_servers": []}`, "leave the key out to allow any server"},
		{"list of numbers", `{"blocked_servers": [1]}`, "not a valid policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tt.in), "src")
			checkErr(t, err, tt.wantErr, "src")
		})
	}
}

func TestCheckServers(t *testing.T) {
	const src = "/etc/cvpn/policy.json"
	tests := []struct {
		name             string
		allowed, blocked []string
		hosts            []string
		wantErr          string // "" for allowed
	}{
		{"no lists", nil, nil, []string{"anything.example"}, ""},
		{"exact name, any case", []string{"vpn.example.com"}, nil, []string{"VPN.Example.com."}, ""},
		{"name not allowed", []string{"vpn.example.com"}, nil, []string{"vpn.example.com", "evil.example.net"},
			"server evil.example.net is not in allowed_servers of " + src},
		{"wildcard below", []string{"*.example.com"}, nil, []string{"a.b.example.com"}, ""},
		{"wildcard not the domain itself", []string{"*.example.com"}, nil, []string{"example.com"}, "not in allowed_servers"},
		{"wildcard not a suffix of a label", []string{"*.example.com"}, nil, []string{"badexample.com"}, "not in allowed_servers"},
		{"address in prefix", []string{"198.51.100.0/24"}, nil, []string{"198.51.100.7"}, ""},
		{"address outside prefix", []string{"198.51.100.0/24"}, nil, []string{"198.51.101.7"}, "not in allowed_servers"},
		{"mapped address", []string{"198.51.100.7"}, nil, []string{"::ffff:198.51.100.7"}, ""},
		{"name is not matched by a prefix", []string{"10.0.0.0/8"}, nil, []string{"vpn.example.com"}, "not in allowed_servers"},
		{"blocked name", nil, []string{"legacy.example.com"}, []string{"legacy.example.com"},
			`server legacy.example.com is blocked (blocked_servers has "legacy.example.com" in ` + src},
		{"blocked wins over allowed", []string{"*.example.com"}, []string{"legacy.example.com"}, []string{"legacy.example.com"}, "is blocked"},
		{"blocked prefix", nil, []string{"203.0.113.0/24"}, []string{"203.0.113.9"}, "is blocked"},
		{"blocked v6 prefix", nil, []string{"2001:db8::/32"}, []string{"2001:db8::5"}, "is blocked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Policy{AllowedServers: tt.allowed, BlockedServers: tt.blocked, Source: src}
			err := p.CheckServers(tt.hosts)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrForbidden) ||
				!strings.Contains(err.Error(), "ask your administrator") {
				t.Fatalf("error %v, want ErrForbidden with %q and the fix", err, tt.wantErr)
			}
		})
	}
}

func TestAllow(t *testing.T) {
	f, tr := false, true
	tests := []struct {
		name    string
		p       *Policy
		a       Action
		wantErr string
	}{
		{"nil policy", nil, ActionImport, ""},
		{"not set", &Policy{}, ActionRemove, ""},
		{"true", &Policy{AllowImport: &tr}, ActionImport, ""},
		{"import off", &Policy{AllowImport: &f, Source: "HKLM"}, ActionImport, "importing profiles is turned off (allow_import is false in HKLM)"},
		{"edit off", &Policy{AllowEdit: &f, Source: "x"}, ActionEdit, "changing profiles (rename, replace) is turned off"},
		{"remove off", &Policy{AllowRemove: &f, Source: "x"}, ActionRemove, "removing profiles is turned off"},
		{"other key off", &Policy{AllowRemove: &f}, ActionImport, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Allow(tt.a)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrForbidden) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestLimitsAndDiagnostics(t *testing.T) {
	two, f := 2, false
	var none *Policy
	if none.TunnelLimit(5) != 5 || (&Policy{MaxTunnels: &two}).TunnelLimit(5) != 2 {
		t.Error("TunnelLimit")
	}
	if !none.ProfilesInDiagnostics() || (&Policy{DiagnosticsIncludeProfiles: &f}).ProfilesInDiagnostics() {
		t.Error("ProfilesInDiagnostics")
	}
	err := (&Policy{MaxTunnels: &two, Source: "src"}).TunnelLimitError(2)
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "2 tunnels are connected and max_tunnels is 2 in src") {
		t.Errorf("TunnelLimitError: %v", err)
	}
}
