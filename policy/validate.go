package policy

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Validate checks the values the types alone do not: max_tunnels in
// MinTunnels..MaxTunnels, and server lists of host names, IP addresses,
// CIDR prefixes or *.domain wildcards. Every reader calls it, so a value
// is refused the same way whichever OS it was written on. The desktop
// settings' values are checked where they are used (an unknown log level
// by the settings model), as before.
func (p *Policy) Validate() error {
	var errs []error
	if p.MaxTunnels != nil && (*p.MaxTunnels < MinTunnels || *p.MaxTunnels > MaxTunnels) {
		errs = append(errs, fmt.Errorf("%s is %d; use a number from %d to %d", KeyMaxTunnels, *p.MaxTunnels, MinTunnels, MaxTunnels))
	}
	for _, l := range []struct {
		key  string
		list []string
	}{{KeyAllowedServers, p.AllowedServers}, {KeyBlockedServers, p.BlockedServers}} {
		if len(l.list) > MaxServers {
			errs = append(errs, fmt.Errorf("%s has %d entries, more than %d", l.key, len(l.list), MaxServers))
			continue
		}
		for _, s := range l.list {
			if err := checkServer(s); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", l.key, err))
			}
		}
	}
	if p.AllowedServers != nil && len(p.AllowedServers) == 0 {
		errs = append(errs, fmt.Errorf("%s is empty, which would refuse every server; leave the key out to allow any server", KeyAllowedServers))
	}
	return errors.Join(errs...)
}

// checkServer accepts a host name, an IP address, a CIDR prefix, or a
// host name whose first label is "*" (any name below that domain).
func checkServer(s string) error {
	if _, err := netip.ParsePrefix(s); err == nil {
		return nil
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return nil
	}
	name := strings.TrimPrefix(s, "*.")
	if !validHostname(name) || strings.Contains(name, "*") {
		return fmt.Errorf("%q is not a host name, IP address, CIDR prefix (10.0.0.0/8) or wildcard (*.example.com)", s)
	}
	return nil
}

// validHostname reports whether s is a DNS name: dot-separated labels of
// letters, digits, '-' and '_', none empty or longer than 63.
func validHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
