package transport

import (
	"context"
	"testing"
)

// TestGSOEnabled makes sure the fast path is the one the other tests
// exercise: every supported Linux (4.18+) offers UDP_SEGMENT on loopback.
func TestGSOEnabled(t *testing.T) {
	c, err := Dial(context.Background(), UDP, udpEcho(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !c.(*udpConn).gso {
		t.Fatal("UDP GSO not enabled on loopback")
	}
}
