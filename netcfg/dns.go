package netcfg

import (
	"fmt"
	"net/netip"
	"strings"
)

// DNS is the name resolution a tunnel asks for. A nil *DNS in Config leaves
// the system's DNS alone.
type DNS struct {
	// Servers in preference order; port 0 means the default (53).
	Servers []netip.AddrPort
	// SearchDomains complete single-label names, in order.
	SearchDomains []string
	// RouteDomains are names whose queries should go to Servers (split
	// DNS). Only a per-link resolver (systemd-resolved) can honour them;
	// the resolv.conf fallback sends every query to Servers anyway.
	RouteDomains []string
	// Default: the tunnel carries all traffic, so all queries go to
	// Servers.
	Default bool
	// DNSSEC is how the servers' answers are validated: "" (the
	// system's setting), "yes", "no" or "allow-downgrade" (validate
	// where the zone is signed). Only systemd-resolved can do it.
	DNSSEC string `json:",omitempty"`
	// OverTLS asks for DNS over TLS to Servers (port 853 unless given),
	// checking ServerName when set. Only systemd-resolved can do it;
	// elsewhere queries go in plain text, with a warning.
	OverTLS    bool   `json:",omitempty"`
	ServerName string `json:",omitempty"`
}

func (d *DNS) String() string {
	if d == nil {
		return "none"
	}
	var b strings.Builder
	servers := make([]string, len(d.Servers))
	for i, s := range d.Servers {
		servers[i] = s.String()
		if s.Port() == 0 {
			servers[i] = s.Addr().String()
		}
	}
	fmt.Fprintf(&b, "servers %v search %v route %v", servers, d.SearchDomains, d.RouteDomains)
	if d.Default {
		b.WriteString(" default")
	}
	if d.DNSSEC != "" {
		b.WriteString(" dnssec " + d.DNSSEC)
	}
	if d.OverTLS {
		b.WriteString(" over-tls")
		if d.ServerName != "" {
			b.WriteString(" sni " + d.ServerName)
		}
	}
	return b.String()
}

// Validate reports the first inconsistency in d.
func (d *DNS) Validate() error {
	if d == nil {
		return nil
	}
	for _, s := range d.Servers {
		if !s.Addr().IsValid() || s.Addr().Zone() != "" {
			return fmt.Errorf("network config: invalid dns server %v", s)
		}
	}
	switch d.DNSSEC {
	case "", "yes", "no", "allow-downgrade":
	default:
		return fmt.Errorf("network config: dnssec %q is not yes, no or allow-downgrade", d.DNSSEC)
	}
	if strings.ContainsAny(d.ServerName, " \t\r\n") {
		return fmt.Errorf("network config: invalid dns server name %q", d.ServerName)
	}
	for _, list := range [][]string{d.SearchDomains, d.RouteDomains} {
		for _, dom := range list {
			if dom == "" || strings.ContainsAny(dom, " \t\r\n#;") {
				return fmt.Errorf("network config: invalid dns domain %q", dom)
			}
		}
	}
	return nil
}

// AppliedDNS records a DNS change so that it can be undone, even by a
// later process after a crash. It is plain data.
//
// Crash safety: Apply fills this record and hands the whole Applied to
// Config.Checkpoint BEFORE it touches the resolver configuration, so a
// record holding the exact original is on disk before the original is
// overwritten. Revert therefore has to cope with a record whose change
// never happened (the crash came between checkpoint and write): it only
// restores when the file still holds exactly what cvpn wrote (Written),
// and leaves the file alone otherwise — unchanged, or rewritten since by
// another program.
type AppliedDNS struct {
	// Mode is how DNS was set: "resolv.conf", or "resolved" (per link
	// through systemd-resolved: Link and IfIndex, nothing else).
	Mode    string `json:"mode"`
	Link    string `json:"link,omitempty"`
	IfIndex int    `json:"ifindex,omitempty"`
	// Path is the resolv.conf that was changed.
	Path string `json:"path"`
	// Existed: Path existed before; Original holds its exact bytes (or,
	// when it was a symlink, the bytes it resolved to, for the record).
	Existed  bool   `json:"existed"`
	Original []byte `json:"original,omitempty"`
	// Perm is the original file's permission bits.
	Perm uint32 `json:"perm,omitempty"`
	// Symlink is the link's target when Path was a symbolic link: cvpn
	// replaced the link by a file and puts the link itself back.
	Symlink string `json:"symlink,omitempty"`
	// InPlace: Path could not be replaced (a bind mount, as in
	// containers) and was truncated and rewritten in place instead.
	InPlace bool `json:"in_place,omitempty"`
	// Written is exactly what cvpn wrote.
	Written []byte `json:"written"`
	// Set is the DNS configuration given to systemd-resolved, kept so
	// that route enforcement can set it again.
	Set *DNS `json:"set,omitempty"`
}

const modeResolvConf = "resolv.conf"
