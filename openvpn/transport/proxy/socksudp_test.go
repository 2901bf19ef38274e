package proxy

import (
	"bytes"
	"context"
	"net/netip"
	"testing"
	"time"
)

func TestSOCKS5UDPAssociate(t *testing.T) {
	tests := []struct {
		name    string
		reply   []byte
		want    netip.AddrPort
		wantErr string
	}{
		{name: "unspecified means the proxy", reply: []byte{5, 0, 0, 1, 0, 0, 0, 0, 0x30, 0x39}, want: netip.MustParseAddrPort("198.18.1.1:12345")},
		{name: "own address", reply: []byte{5, 0, 0, 1, 10, 0, 0, 7, 0x30, 0x39}, want: netip.MustParseAddrPort("10.0.0.7:12345")},
		{name: "port zero", reply: []byte{5, 0, 0, 1, 10, 0, 0, 7, 0, 0}, wantErr: "no usable UDP relay"},
		{name: "refused", reply: []byte{5, 7, 0, 1, 0, 0, 0, 0, 0, 0}, wantErr: "refused to connect to a UDP relay: command not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := socksScript{rep: 1, replyRaw: tt.reply}
			c := fake(t, s.serve)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, err := SOCKS5UDPAssociate(ctx, c, "socks:1080", netip.MustParseAddr("198.18.1.1"), Credentials{})
			if tt.wantErr != "" {
				if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.wantErr)) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("relay %v, %v; want %v", got, err, tt.want)
			}
			c.Close()
			if want := []byte{5, 3, 0, 1, 0, 0, 0, 0, 0, 0}; !bytes.Equal(s.gotReq, want) {
				t.Errorf("request % x, want % x", s.gotReq, want)
			}
		})
	}
}

func TestUDPHeader(t *testing.T) {
	for _, host := range []string{"192.0.2.1", "2001:db8::1", "vpn.example.com"} {
		h, err := UDPHeader(host, 1194)
		if err != nil {
			t.Fatal(err)
		}
		got, err := StripUDPHeader(append(h, "payload"...))
		if err != nil || string(got) != "payload" {
			t.Errorf("%s: stripped %q, %v", host, got, err)
		}
	}
	for _, bad := range [][]byte{{0, 0, 1, 1, 1, 2, 3, 4, 0, 1}, {0, 0, 0, 9}, {0, 0, 0, 1, 1}, {0, 0, 0, 3}} {
		if _, err := StripUDPHeader(bad); err == nil {
			t.Errorf("% x: no error", bad)
		}
	}
}

func FuzzStripUDPHeader(f *testing.F) {
	for _, b := range [][]byte{{0, 0, 0, 1, 1, 2, 3, 4, 0, 1, 'x'}, {0, 0, 0, 3, 1, 'a', 0, 1}, {0, 0, 0, 4}} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := StripUDPHeader(b)
		if err == nil && (len(p) > len(b)-10+6 || !bytes.HasSuffix(b, p)) {
			t.Fatalf("payload %d of %d", len(p), len(b))
		}
	})
}
