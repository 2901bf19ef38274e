package push

import (
	"os"
	"strings"
	"testing"
)

func recordSeeds(f *testing.F) {
	for _, name := range []string{"testdata/subnet-dns.txt", "testdata/net30-120-routes.txt"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			f.Add([]byte(line + "\x00"))
		}
	}
	for _, s := range []string{
		"AUTH_FAILED,CRV1:R,E:Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l:Y3Ix:Please enter token PIN\x00",
		"AUTH_FAILED,CRV1:R:instance-1/2/3:b'Ti9B':https://idp.example/x?y=z\x00",
		"AUTH_FAILED,TEMP[backoff 5,advance addr]:x\x00AUTH_FAILED,SESSION:\x00",
		"AUTH_PENDING,timeout 60\x00INFO_PRE,WEB_AUTH:proxy=[::1];8080;dQ==;cA==,external:http://x/\x00",
		"INFO,CR_TEXT:R:question\x00INFO_PRE,OPEN_URL:https://x\x00RESTART,[PN]m\x00HALT\x00EXIT\x00",
		"PUSH_REPLY,dns server 1 address [fd00::1]:53 1.2.3.4:853,route-ipv6 ::/0,echo \"a\\\" b\"\x00",
		"PUSH_REPLY,ifconfig 1.2.3.4 255.255.255.0,topology subnet,route vpn_gateway,push-continuation 2\x00",
		"\x00\x01\xff\xfeHALT",
	} {
		f.Add([]byte(s))
	}
}

// FuzzParseRecord: no panics, every message renders, and PUSH_REPLY parts
// go through the accumulator without panicking either.
func FuzzParseRecord(f *testing.F) {
	recordSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		acc := &Accumulator{}
		for _, m := range ParseRecord(b) {
			_ = m.String()
			if r, ok := m.(*PushReply); ok {
				if o, _ := acc.Add(r); o != nil {
					_ = o.String()
					_, _ = o.Resolvers()
				}
			}
		}
	})
}

// FuzzParseOptions: any option list parses to Options (never nil) whose
// prefixes are valid and masked.
func FuzzParseOptions(f *testing.F) {
	recordSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		items := strings.Split(string(b), ",")
		o, _ := ParseOptions(items...)
		if o == nil {
			t.Fatal("nil Options")
		}
		for _, r := range append(append([]Route(nil), o.Routes...), o.Routes6...) {
			if !r.Prefix.IsValid() || r.Prefix.Masked() != r.Prefix {
				t.Fatalf("route prefix %v not valid and masked", r.Prefix)
			}
		}
		_ = o.String()
	})
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{`echo "a b" 'c' d\ e`, "route 1 2 3 4", `x \\ \"`, "a;b #c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		params, err := tokenize(s)
		if err == nil && len(params) > maxParams {
			t.Fatalf("%d params", len(params))
		}
	})
}
