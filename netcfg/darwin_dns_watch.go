package netcfg

// DNS watch on macOS: the DNS dictionary cvpn published in configd's
// dynamic store (State:/Network/Service/cvpn-IFACE/DNS, darwin_dns.go)
// can be replaced or removed by another program — a second VPN client
// reusing the key, an administrator's scutil — and names then stop going
// to the tunnel's servers. Every interval the watch asks scutil to show
// the key and compares the dictionary with the one cvpn's script set,
// reporting DNSChanged (Path is the key) once for each new content that
// is not cvpn's, as the resolv.conf watch does (watch_dns.go). The
// dictionaries are compared as data, key by key and in array order, not
// as text, so scutil's layout does not matter.
//
// NOTE: untested on a real Mac; scutil's "show" output is parsed as its
// man page and vpnc-script users show it.

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// darwinRunner runs a command; darwinSystem is one.
type darwinRunner interface {
	Run(argv []string, stdin string) ([]byte, error)
}

// darwinDNSKey is the dynamic-store key of the DNS dictionary of the
// configd service id.
func darwinDNSKey(id string) string { return "State:/Network/Service/" + id + "/DNS" }

// watchSCUtil is WatchDNS for a record of the macOS layer, polling
// through /usr/sbin/scutil.
//
//lint:ignore U1000 WatchDNS in watch_dns.go is to dispatch scutil records here; that shared change is pending.
func watchSCUtil(rec *AppliedDNS, interval time.Duration, onChange func(Change)) *DNSWatch {
	t := time.NewTicker(interval)
	return watchSCUtilWith(darwinExec{}, rec, t.C, t.Stop, onChange, nil)
}

// darwinExec runs commands for real.
type darwinExec struct{}

func (darwinExec) Run(argv []string, stdin string) ([]byte, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	return cmd.CombinedOutput()
}

// watchSCUtilWith is watchSCUtil on a given runner and clock; checked, if
// set, is called after each poll. It returns nil, a watch that Stop
// accepts, when rec is not the macOS layer's or names no DNS dictionary.
func watchSCUtilWith(run darwinRunner, rec *AppliedDNS, tick <-chan time.Time, stopTick func(), onChange func(Change), checked func()) *DNSWatch {
	if rec == nil || rec.Mode != darwinSCUtilMode {
		stopTick()
		return nil
	}
	key := darwinDNSKey(rec.Link)
	want, ok := darwinScriptDict(string(rec.Written), key)
	if !ok {
		stopTick()
		return nil
	}
	w := &DNSWatch{done: make(chan struct{}), finished: make(chan struct{})}
	go func() {
		defer close(w.finished)
		defer stopTick()
		last := ""       // the content last reported
		changed := false // and it is not cvpn's
		for {
			select {
			case <-w.done:
				return
			case <-tick:
			}
			out, err := run.Run([]string{"/usr/sbin/scutil"}, "show "+key+"\nquit\n")
			if err == nil { // scutil failing tells nothing about the key
				cur, _ := parseSCUtilShow(string(out)) // unparsable: not cvpn's
				switch {
				case cur == want:
					changed = false
				case changed && cur == last:
					// already reported
				default:
					changed, last = true, cur
					onChange(Change{Kind: DNSChanged, Path: key})
				}
			}
			if checked != nil {
				checked()
			}
		}
	}()
	return w
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
