package push

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzPushReplyParts feeds a PUSH_REPLY split into continued parts (one per
// NUL-ended message) through an Accumulator, the whole path from control
// messages to Options, and checks it against parsing every option at once:
// a reply must mean the same however the server cut it, and the
// accumulator must say whether it waits for more.
func FuzzPushReplyParts(f *testing.F) {
	f.Add("PUSH_REPLY,route 10.0.0.0 255.0.0.0,push-continuation 2\x00PUSH_REPLY,ifconfig 10.8.0.2 255.255.255.0,topology subnet,push-continuation 1\x00")
	f.Add("PUSH_REPLY,dhcp-option DNS 10.0.0.2,push-continuation 2\x00PUSH_REPLY,dns server 1 address 10.0.0.3,route-ipv6 ::/0,push-continuation 2\x00PUSH_REPLY,cipher AES-256-GCM,peer-id 7,push-continuation 1\x00")
	f.Add("PUSH_REPLY,ping 10,ping-restart 60,redirect-gateway def1 bypass-dhcp,auth-token SESS_ID_AT_abc\x00")
	f.Add("PUSH_REPLY,push-continuation 2\x00PUSH_REPLY,push-continuation 2\x00")
	f.Add("PUSH_REPLY,route 10.1.0.0 255.255.0.0 vpn_gateway 5,push-continuation 1\x00PUSH_REPLY,route 10.2.0.0/16\x00")
	f.Fuzz(func(t *testing.T, record string) {
		acc := &Accumulator{}
		var items []string
		for _, m := range ParseRecord([]byte(record)) {
			r, ok := m.(*PushReply)
			if !ok {
				continue
			}
			items = append(items, r.Options...)
			o, err := acc.Add(r)
			if o == nil {
				if err != nil {
					t.Fatalf("no options and %v", err)
				}
				if !acc.Pending() {
					t.Fatal("Add returned nothing and waits for nothing")
				}
				continue
			}
			if acc.Pending() {
				t.Fatal("Add returned options and still waits for more")
			}
			whole, _ := ParseOptions(items...)
			if !reflect.DeepEqual(o, whole) {
				t.Fatalf("in parts:\n%v\nat once:\n%v\nitems %q", o, whole, items)
			}
			for _, r := range append(append([]Route(nil), o.Routes...), o.Routes6...) {
				if !r.Prefix.IsValid() || r.Prefix.Masked() != r.Prefix {
					t.Fatalf("route prefix %v", r.Prefix)
				}
			}
			if tok := o.AuthToken.Reveal(); len(tok) >= 8 {
				var others []string
				for _, it := range items {
					if !strings.HasPrefix(it, "auth-token") {
						others = append(others, it)
					}
				}
				if !strings.Contains(strings.Join(others, ","), tok) && strings.Contains(o.String(), tok) {
					t.Fatalf("options print the auth-token: %s", o.String())
				}
			}
			items = nil
		}
	})
}
