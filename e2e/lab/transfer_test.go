//go:build linux

package lab

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

// TestTransferOverVeth checks Transfer itself on the lab's plain veth link,
// without any VPN in between.
func TestTransferOverVeth(t *testing.T) {
	l := NewT(t, Options{NoStart: true})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	res, err := Transfer(ctx, l.ClientNS, l.ServerNS, netip.AddrPortFrom(l.ServerLinkIP, 5201), 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	if res.Bytes != 8<<20 {
		t.Fatalf("moved %d bytes, want %d", res.Bytes, 8<<20)
	}
	// The listener lives in the server namespace only: the client's own
	// namespace has no such address, so dialing it from there must fail.
	if _, err := Transfer(ctx, l.ClientNS, l.ClientNS, netip.AddrPortFrom(l.ServerLinkIP, 5202), 1); err == nil {
		t.Fatal("listening on the server's address inside the client namespace worked")
	}
}
