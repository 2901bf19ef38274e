package push

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	ip  = netip.MustParseAddr
	pfx = netip.MustParsePrefix
)

// feed runs messages (one PUSH_REPLY each) through an Accumulator and checks
// that only the last completes the reply.
func feed(t *testing.T, acc *Accumulator, msgs ...string) (*Options, error) {
	t.Helper()
	for i, m := range msgs {
		r, ok := ParseMessage(m).(*PushReply)
		if !ok {
			t.Fatalf("message %d is not a PUSH_REPLY: %q", i, m)
		}
		o, err := acc.Add(r)
		if i < len(msgs)-1 {
			if o != nil || err != nil || !acc.Pending() {
				t.Fatalf("part %d of %d completed the reply (%v)", i+1, len(msgs), err)
			}
			continue
		}
		if o == nil && err == nil {
			t.Fatalf("last part did not complete the reply")
		}
		if acc.Pending() {
			t.Fatal("accumulator not reset after completion")
		}
		return o, err
	}
	return nil, nil
}

func readLines(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func TestTypical26Reply(t *testing.T) {
	o, err := feed(t, &Accumulator{}, "PUSH_REPLY,route-gateway 10.8.0.1,topology subnet,ping 10,ping-restart 120,"+
		"ifconfig 10.8.0.2 255.255.255.0,peer-id 0,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm dyn-tls-crypt,tun-mtu 1500")
	if err != nil {
		t.Fatal(err)
	}
	want := &Options{
		Topology: TopologySubnet, IPv4: Interface{Address: pfx("10.8.0.2/24")}, Gateway4: ip("10.8.0.1"),
		Ping: 10 * time.Second, PingTimeout: 120 * time.Second, PingTimeoutAction: PingRestart,
		HasPeerID: true, Cipher: "AES-256-GCM", ProtocolFlags: FlagCCExit | FlagTLSEKM | FlagDynTLSCrypt, TunMTU: 1500,
		Pushed: []string{"route-gateway", "topology", "ping", "ping-restart", "ifconfig", "peer-id", "cipher", "protocol-flags", "tun-mtu"},
	}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("got\n%s\nwant\n%s", o, want)
	}
}

// TestCapturedSubnetDNS replays what Debian's openvpn 2.6.14 server sent
// (testdata/subnet-dns.txt, auth-token replaced): a full reply, then the
// auth-token-only reply 2.6 sends on its own.
func TestCapturedSubnetDNS(t *testing.T) {
	msgs := readLines(t, "testdata/subnet-dns.txt")
	acc := &Accumulator{}
	o, err := feed(t, acc, msgs[0])
	if err != nil {
		t.Fatal(err)
	}
	const wantString = `topology subnet
ifconfig 10.8.0.2/24
gateway 10.8.0.1
route 192.168.50.0/24 via 10.8.0.1
redirect gateway def1 bypass-dhcp
dhcp-option DNS 10.8.0.1
dns search-domains corp.example
dns server 1 10.8.0.1 [fd00::1]:5353
block-outside-dns
ping 10s
ping-restart 2m0s
peer-id 0
cipher AES-256-GCM
protocol-flags cc-exit tls-ekm dyn-tls-crypt
tun-mtu 1500
auth-token [redacted]
`
	if got := o.String(); got != wantString {
		t.Errorf("String =\n%s\nwant\n%s", got, wantString)
	}
	if o.AuthToken.Reveal() != "SESS_ID_AT_0123456789abcdefFAKE" {
		t.Error("auth-token not kept")
	}
	servers, search := o.Resolvers()
	if want := []netip.AddrPort{netip.AddrPortFrom(ip("10.8.0.1"), 0), netip.MustParseAddrPort("[fd00::1]:5353")}; !reflect.DeepEqual(servers, want) {
		t.Errorf("Resolvers servers = %v, want %v (dns replaces dhcp-option DNS)", servers, want)
	}
	if !reflect.DeepEqual(search, []string{"corp.example"}) {
		t.Errorf("Resolvers search = %v", search)
	}

	up, err := feed(t, acc, msgs[1])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(up.Pushed, []string{"auth-token"}) || up.AuthToken == "" {
		t.Errorf("update: Pushed = %v", up.Pushed)
	}
}

// TestAWSSample is go-openlawsvpn's sample of an AWS Client VPN push.
func TestAWSSample(t *testing.T) {
	o, err := feed(t, &Accumulator{}, "PUSH_REPLY,topology subnet,ifconfig 172.16.77.4 255.255.255.224,"+
		"route-gateway 172.16.77.1,route 10.130.0.0 255.255.0.0,dhcp-option DNS 10.130.0.2,cipher AES-256-GCM")
	if err != nil {
		t.Fatal(err)
	}
	if o.IPv4.Address != pfx("172.16.77.4/27") || o.Gateway4 != ip("172.16.77.1") {
		t.Errorf("interface %v gateway %v", o.IPv4, o.Gateway4)
	}
	if want := []Route{{Prefix: pfx("10.130.0.0/16"), Gateway: ip("172.16.77.1")}}; !reflect.DeepEqual(o.Routes, want) {
		t.Errorf("routes %v", o.Routes)
	}
	if servers, _ := o.Resolvers(); !reflect.DeepEqual(servers, []netip.AddrPort{netip.AddrPortFrom(ip("10.130.0.2"), 0)}) {
		t.Errorf("resolvers %v", servers)
	}
	if o.Ping != 0 || o.HasPeerID || o.ProtocolFlags != 0 {
		t.Error("defaults changed")
	}
}

// TestCapturedContinuation replays a 2.6.14 server pushing 120 routes with
// topology net30 and IPv6 (testdata/net30-120-routes.txt): five parts, the
// last ending push-continuation 1.
func TestCapturedContinuation(t *testing.T) {
	msgs := readLines(t, "testdata/net30-120-routes.txt")
	if len(msgs) != 5 {
		t.Fatalf("%d parts", len(msgs))
	}
	o, err := feed(t, &Accumulator{}, msgs...)
	if err != nil {
		t.Fatal(err)
	}
	if o.Topology != TopologyNet30 || o.IPv4 != (Interface{pfx("10.8.0.6/30"), ip("10.8.0.5")}) {
		t.Errorf("ipv4 %v %v", o.Topology, o.IPv4)
	}
	if o.Gateway4 != ip("10.8.0.5") {
		t.Errorf("net30 gateway = %v, want the peer", o.Gateway4)
	}
	if o.IPv6 != (Interface{pfx("fd00:1::1000/64"), ip("fd00:1::1")}) || o.Gateway6 != ip("fd00:1::1") {
		t.Errorf("ipv6 %v gateway %v", o.IPv6, o.Gateway6)
	}
	if len(o.Routes) != 121 {
		t.Fatalf("%d routes, want 120 pushed plus the server's host route", len(o.Routes))
	}
	for i := range 120 {
		want := Route{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(100 + i/100), byte(i % 100), 0}), 24), Gateway: ip("10.8.0.5")}
		if o.Routes[i] != want {
			t.Fatalf("route %d = %v, want %v", i, o.Routes[i], want)
		}
	}
	if o.Routes[120] != (Route{Prefix: pfx("10.8.0.1/32"), Gateway: ip("10.8.0.5")}) {
		t.Errorf("host route %v", o.Routes[120])
	}
	if want := []Route{{Prefix: pfx("2001:db8::/32"), Gateway: ip("fd00:1::1")}}; !reflect.DeepEqual(o.Routes6, want) {
		t.Errorf("routes6 %v", o.Routes6)
	}
	if o.Compression != (Compression{Directive: "compress", Algorithm: "stub-v2", Framing: CompFramingV2}) || o.ExplicitExitNotify != 3 {
		t.Errorf("compression %+v exit-notify %d", o.Compression, o.ExplicitExitNotify)
	}
	if !reflect.DeepEqual(o.Ignored, []string{"tun-ipv6"}) || o.Warnings != nil {
		t.Errorf("ignored %v warnings %v", o.Ignored, o.Warnings)
	}
	// The same reply as one list parses identically: the split is invisible.
	var all []string
	for _, m := range msgs {
		all = append(all, ParseMessage(m).(*PushReply).Options...)
	}
	one, err := ParseOptions(all...)
	if err != nil || !reflect.DeepEqual(one, o) {
		t.Errorf("ParseOptions differs from the accumulated reply (%v)", err)
	}
}

func TestAccumulatorControls(t *testing.T) {
	reply := &PushReply{Options: []string{"route 10.1.0.0 255.255.0.0", "dhcp-option DNS 10.1.0.2", "ifconfig 10.8.0.2 255.255.255.0",
		"route-gateway 10.8.0.1", "topology subnet", "auth-token secret"}}

	o, err := (&Accumulator{RouteNoPull: true}).Add(reply)
	if err != nil || o.Routes != nil || o.DHCP.DNS != nil || !o.IPv4.Address.IsValid() || !o.Gateway4.IsValid() {
		t.Errorf("route-nopull: %v %v", o, err)
	}
	if !reflect.DeepEqual(o.Ignored, []string{"route (route-nopull)", "dhcp-option (route-nopull)"}) {
		t.Errorf("route-nopull ignored %v", o.Ignored)
	}

	ignoreDNS := func(s string) FilterAction {
		if strings.HasPrefix(s, "dhcp-option") {
			return FilterIgnore
		}
		return FilterAccept
	}
	o, err = (&Accumulator{Filter: ignoreDNS}).Add(reply)
	if err != nil || o.DHCP.DNS != nil || len(o.Routes) != 1 || !reflect.DeepEqual(o.Ignored, []string{"dhcp-option (pull-filter)"}) {
		t.Errorf("filter ignore: %v %v", o, err)
	}

	reject := func(s string) FilterAction {
		if strings.HasPrefix(s, "route ") {
			return FilterReject
		}
		return FilterAccept
	}
	acc := &Accumulator{Filter: reject}
	if o, err := acc.Add(reply); o != nil || !errors.Is(err, ErrRejected) || acc.Pending() {
		t.Errorf("filter reject: %v %v", o, err)
	}

	acc = &Accumulator{}
	cont := &PushReply{Options: []string{"push-continuation 2"}}
	for range maxParts {
		if o, err := acc.Add(cont); o != nil || err != nil {
			t.Fatal("completed early")
		}
	}
	if o, err := acc.Add(cont); o != nil || !errors.Is(err, ErrTooManyParts) {
		t.Errorf("endless continuation: %v %v", o, err)
	}
	acc.Add(cont)
	acc.Reset()
	if o, _ := acc.Add(&PushReply{Options: []string{"ping 5"}}); o == nil || o.Ping != 5*time.Second {
		t.Error("Reset did not drop the partial reply")
	}
}

func TestRedaction(t *testing.T) {
	o, _ := ParseOptions("auth-token SESS_ID_AT_topsecret", "ping 1")
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{o, *o} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, "topsecret") {
				t.Errorf("%s leaks the token: %s", verb, out)
			}
		}
	}
}
