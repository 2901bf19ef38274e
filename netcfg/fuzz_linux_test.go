package netcfg

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzRenderResolvConf feeds any original resolv.conf (a bind mount from a
// container runtime, a file another tool left half-written) to the writer.
// Whatever it holds, the file cvpn writes must consist only of the lines
// it means to write, name every tunnel server, and never carry an original
// line through unparsed.
func FuzzRenderResolvConf(f *testing.F) {
	f.Add([]byte("# generated\nnameserver 192.0.2.53\nsearch corp.example lan\noptions edns0 trust-ad\n"))
	f.Add([]byte("domain example.org\nnameserver ::1\r\noptions ndots:5\n\n\n"))
	f.Add([]byte("nameserver\nsearch\n\x00\xff options"))
	servers := []netip.AddrPort{netip.MustParseAddrPort("10.8.0.1:53"), netip.MustParseAddrPort("[fd00::53]:53")}
	f.Fuzz(func(t *testing.T, orig []byte) {
		d := &DNS{Servers: servers, SearchDomains: []string{"vpn.example"}}
		out := string(renderResolvConf("tun0", d, orig, nil))
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if !strings.HasPrefix(lines[0], "# Written by cvpn") {
			t.Fatalf("first line %q", lines[0])
		}
		var named []string
		for _, l := range lines[1:] {
			kind, rest, _ := strings.Cut(l, " ")
			switch kind {
			case "nameserver":
				named = append(named, rest)
			case "search", "options":
			default:
				t.Fatalf("unexpected line %q in\n%s", l, out)
			}
		}
		if len(named) != len(servers) || named[0] != "10.8.0.1" || named[1] != "fd00::53" {
			t.Fatalf("nameservers %q, want the tunnel's", named)
		}
	})
}
