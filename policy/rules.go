package policy

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrForbidden is what every refusal by the policy wraps; callers map it to
// their refusal (the API's CodePolicy, the CLI's exit status).
var ErrForbidden = errors.New("refused by your administrator's policy")

// askAdmin ends every refusal: the user cannot change the policy.
const askAdmin = "ask your administrator if you need it"

// Action is something the user does to the profile store that the policy
// may forbid.
type Action string

// The actions and the keys that allow them.
const (
	ActionImport Action = KeyAllowImport
	ActionEdit   Action = KeyAllowEdit // rename, or replace with import --force
	ActionRemove Action = KeyAllowRemove
)

var actionText = map[Action]string{
	ActionImport: "importing profiles",
	ActionEdit:   "changing profiles (rename, replace)",
	ActionRemove: "removing profiles",
}

// Allow returns nil when the policy lets the user do a, and otherwise an
// error wrapping ErrForbidden that names the key, its source and the fix.
// Allowed is the default: only an explicit false forbids.
func (p *Policy) Allow(a Action) error {
	v, set := p.Value(string(a))
	if b, ok := v.(bool); !set || !ok || b {
		return nil
	}
	return fmt.Errorf("%s is turned off (%s is false in %s): %w; %s",
		actionText[a], a, p.SourceOf(string(a)), ErrForbidden, askAdmin)
}

// TunnelLimit is how many tunnels may be up at once: max_tunnels, or def
// when the policy does not set it.
func (p *Policy) TunnelLimit(def int) int {
	if p != nil && p.MaxTunnels != nil {
		return *p.MaxTunnels
	}
	return def
}

// TunnelLimitError is the refusal of one tunnel more than max_tunnels.
func (p *Policy) TunnelLimitError(connected int) error {
	return fmt.Errorf("%d tunnels are connected and %s is %d in %s: %w; disconnect one first, or %s",
		connected, KeyMaxTunnels, p.TunnelLimit(0), p.SourceOf(KeyMaxTunnels), ErrForbidden, askAdmin)
}

// ProfilesInDiagnostics reports whether the diagnostics bundle may carry
// the user's profiles (with their keys removed); it may unless the policy
// says false.
func (p *Policy) ProfilesInDiagnostics() bool {
	return p == nil || p.DiagnosticsIncludeProfiles == nil || *p.DiagnosticsIncludeProfiles
}

// CheckServers refuses a profile whose servers (the hosts of its remotes)
// the policy does not allow: one that matches blocked_servers, or, when
// allowed_servers is set, one that matches none of it. The error wraps
// ErrForbidden and names the server, the key and its source.
//
// Names are matched as written in the profile, not resolved: a name
// matches a name entry (case-insensitively) or a *.domain wildcard below
// it; an address matches an address or a prefix that holds it. So an
// allow list of addresses only refuses a profile that names its servers,
// and a block list of addresses does not catch a name that resolves into
// it: list names for profiles that use names.
func (p *Policy) CheckServers(hosts []string) error {
	if p == nil {
		return nil
	}
	for _, h := range hosts {
		if rule, ok := matchServer(p.BlockedServers, h); ok {
			return fmt.Errorf("server %s is blocked (%s has %q in %s): %w; %s",
				h, KeyBlockedServers, rule, p.SourceOf(KeyBlockedServers), ErrForbidden, askAdmin)
		}
		if p.AllowedServers != nil {
			if _, ok := matchServer(p.AllowedServers, h); !ok {
				return fmt.Errorf("server %s is not in %s of %s: %w; %s",
					h, KeyAllowedServers, p.SourceOf(KeyAllowedServers), ErrForbidden, askAdmin)
			}
		}
	}
	return nil
}

// matchServer returns the first entry of list that host matches.
func matchServer(list []string, host string) (string, bool) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	addr, addrErr := netip.ParseAddr(host)
	for _, e := range list {
		entry := strings.ToLower(strings.TrimSuffix(e, "."))
		if addrErr == nil {
			addr := addr.Unmap()
			if pfx, err := netip.ParsePrefix(entry); err == nil && pfx.Masked().Contains(addr) {
				return e, true
			}
			if a, err := netip.ParseAddr(entry); err == nil && a.Unmap() == addr {
				return e, true
			}
			continue
		}
		if domain, ok := strings.CutPrefix(entry, "*."); ok {
			if strings.HasSuffix(host, "."+domain) {
				return e, true
			}
			continue
		}
		if entry == host {
			return e, true
		}
	}
	return "", false
}

// Default is key's value when the policy does not set it: nil for the
// desktop settings (the user's own choice) and for allowed_servers (any
// server), true for the allow_ keys and diagnostics_include_profiles, no
// blocked servers, and MaxTunnels.
func Default(key string) any {
	switch key {
	case KeyAllowImport, KeyAllowEdit, KeyAllowRemove, KeyDiagnosticsIncludeProfiles:
		return true
	case KeyBlockedServers:
		return []string{}
	case KeyMaxTunnels:
		return MaxTunnels
	}
	return nil
}
