package netcfg

// DNS watch on macOS: the DNS dictionary cvpn published in configd's
// dynamic store (State:/Network/Service/cvpn-IFACE/DNS, darwin_dns.go)
// can be replaced or removed by another program — a second VPN client
// reusing the key, an administrator's scutil — and names then stop going
// to the tunnel's servers. scutilProbe lets the DNS watch (watch_dns.go)
// read the key back with "scutil show" every interval and compare it
// with the dictionary cvpn's script set, reporting DNSChanged (Path is
// the key); restoreSCUtil publishes it again. The dictionaries are
// compared as data, key by key and in array order, not as text, so
// scutil's layout does not matter.
//
// NOTE: untested on a real Mac; scutil's "show" output is parsed as
// scutil prints it in vpnc-script and Tunnelblick logs. WatchDNS and
// RestoreDNS do not reach this file on macOS yet: watch_dns_other.go
// still answers for darwin (a change outside the macOS files).

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// darwinRunner runs a command; darwinSystem is one.
type darwinRunner interface {
	Run(argv []string, stdin string) ([]byte, error)
}

// darwinDNSKey is the dynamic-store key of the DNS dictionary of the
// configd service id.
func darwinDNSKey(id string) string { return "State:/Network/Service/" + id + "/DNS" }

// scutilProbe reads back, for the DNS watch (watch_dns.go), the DNS
// dictionary the macOS layer published, through scutil; want is the
// dictionary its script set. It is false for a record of another layer
// or one whose script set no DNS dictionary.
func scutilProbe(run darwinRunner, rec *AppliedDNS) (dnsProbe, bool) {
	if rec == nil || rec.Mode != darwinSCUtilMode {
		return dnsProbe{}, false
	}
	key := darwinDNSKey(rec.Link)
	want, ok := darwinScriptDict(string(rec.Written), key)
	if !ok {
		return dnsProbe{}, false
	}
	read := func() ([]byte, error) {
		out, err := run.Run([]string{"/usr/sbin/scutil"}, "show "+key+"\nquit\n")
		if err != nil {
			return nil, fmt.Errorf("scutil show %s: %w", key, darwinOutputErr(err, out))
		}
		cur, _ := parseSCUtilShow(string(out)) // unparsable: not cvpn's
		return []byte(cur), nil
	}
	return dnsProbe{where: key, read: read, want: []byte(want)}, true
}

// restoreSCUtil publishes the macOS layer's DNS service again, after
// another program replaced or removed it, by running the script Apply
// ran: it sets the DNS dictionary and the IPv4/IPv6 entries whole.
func restoreSCUtil(run darwinRunner, rec *AppliedDNS, logf Logf) error {
	if rec == nil || rec.Mode != darwinSCUtilMode {
		return nil
	}
	if len(rec.Written) == 0 {
		return errors.New("restore dns: the record does not say what was set")
	}
	if out, err := run.Run([]string{"/usr/sbin/scutil"}, string(rec.Written)); err != nil {
		return fmt.Errorf("restore dns: scutil: %w", darwinOutputErr(err, out))
	}
	logf.printf("published dns service %s again", rec.Link)
	return nil
}

// darwinScriptDict is the dictionary an scutil script sets at key, in
// the canonical form of darwinDict: the d.add lines between the last
// d.init before "set key" and that line.
func darwinScriptDict(script, key string) (string, bool) {
	d := map[string]string{}
	for _, line := range strings.Split(script, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 1 && f[0] == "d.init":
			d = map[string]string{}
		case len(f) >= 3 && f[0] == "d.add":
			switch {
			case f[2] == "*":
				d[f[1]] = darwinArray(f[3:])
			case f[2] == "#" && len(f) == 4:
				d[f[1]] = f[3]
			default:
				d[f[1]] = strings.Join(f[2:], " ")
			}
		case len(f) == 2 && f[0] == "set" && f[1] == key:
			return darwinDict(d), true
		}
	}
	return "", false
}

// parseSCUtilShow reads scutil's answer to "show KEY": a dictionary of
// scalars and arrays of scalars,
//
//	<dictionary> {
//	  ServerAddresses : <array> {
//	    0 : 10.8.0.1
//	  }
//	  OverridePrimary : 1
//	}
//
// or "No such key". Anything else (a nested dictionary) is not
// something cvpn sets; it comes back as the text itself and false.
func parseSCUtilShow(out string) (string, bool) {
	s := strings.TrimSpace(out)
	if s == "No such key" {
		return "no such key", true
	}
	d := map[string]string{}
	var arrKey string
	var arr []string
	depth := 0
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		name, val, hasColon := strings.Cut(line, " : ")
		switch {
		case line == "":
		case depth == 0 && line == "<dictionary> {":
			depth = 1
		case depth == 1 && hasColon && val == "<array> {":
			arrKey, arr, depth = name, nil, 2
		case depth == 1 && hasColon && !strings.HasPrefix(val, "<"):
			d[name] = val
		case depth == 1 && line == "}":
			depth = -1 // done; nothing may follow
		case depth == 2 && hasColon && name == fmt.Sprint(len(arr)) && !strings.HasPrefix(val, "<"):
			arr = append(arr, val)
		case depth == 2 && line == "}":
			d[arrKey], depth = darwinArray(arr), 1
		default:
			return s, false
		}
	}
	if depth != -1 {
		return s, false
	}
	return darwinDict(d), true
}

func darwinArray(vs []string) string { return "[" + strings.Join(vs, " ") + "]" }

// darwinDict is d as one comparable string, keys sorted.
func darwinDict(d map[string]string) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, d[k])
	}
	return b.String()
}
