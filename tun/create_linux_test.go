package tun

import (
	"errors"
	"net"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// TestCreateRefusalsLeakNothing: the root service creates devices with
// names its callers choose. Every refused name, and every name another
// device already holds, must give its descriptor back and say why with a
// sentinel the service turns into a 400; before, each attempt left one
// /dev/net/tun descriptor open for the life of the service.
func TestCreateRefusalsLeakNothing(t *testing.T) {
	testenv.RequireRoot(t)
	held, err := Create("cvpntst%d", 1400)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	heldName, err := held.Name()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want error
	}{
		{"this-name-is-too-long", ErrBadName},
		{"a/b", ErrBadName},
		{"a b", ErrBadName},
		{"bad:name", ErrBadName},
		{"..", ErrBadName},
		{"cvpn%d%d", ErrBadName},
		{"cvpn%s", ErrBadName},
		{"caf\u00e9", ErrBadName},
		{heldName, ErrBusy},
		{"lo", ErrBusy},
	}
	const rounds = 20
	before := testenv.OpenFDs(t)
	for i := 0; i < rounds; i++ {
		for _, tt := range tests {
			dev, err := Create(tt.name, 1400)
			if err == nil {
				dev.Close()
				t.Errorf("Create(%q) succeeded", tt.name)
				continue
			}
			if i == 0 {
				t.Logf("Create(%q): %v", tt.name, err)
				if !errors.Is(err, tt.want) {
					t.Errorf("Create(%q) = %v, want %v", tt.name, err, tt.want)
				}
			}
		}
	}
	if after := testenv.OpenFDs(t); after != before {
		t.Errorf("%d refused creates: open descriptors %d before, %d after", rounds*len(tests), before, after)
	}
}

// TestCreateBadMTU: an MTU the kernel would refuse is refused before a
// device exists, so no half-made device or descriptor is left.
func TestCreateBadMTU(t *testing.T) {
	testenv.RequireRoot(t)
	before := testenv.OpenFDs(t)
	for _, mtu := range []int{-1, 67, 65536} {
		if dev, err := Create("", mtu); err == nil {
			dev.Close()
			t.Errorf("Create(mtu %d) succeeded", mtu)
		} else if !errors.Is(err, ErrBadMTU) {
			t.Errorf("Create(mtu %d) = %v, want ErrBadMTU", mtu, err)
		}
	}
	if after := testenv.OpenFDs(t); after != before {
		t.Errorf("open descriptors %d before, %d after", before, after)
	}
}

// TestCreateSetsMTU: the device is created without wireguard-go's link
// listeners, which also set the MTU, so create sets it itself.
func TestCreateSetsMTU(t *testing.T) {
	testenv.RequireRoot(t)
	for _, mtu := range []int{1280, 1400, 9000} {
		dev, err := Create("cvpntst%d", mtu)
		if err != nil {
			t.Fatal(err)
		}
		name, err := dev.Name()
		if err != nil {
			dev.Close()
			t.Fatal(err)
		}
		ifi, err := net.InterfaceByName(name)
		dev.Close()
		if err != nil {
			t.Fatal(err)
		}
		if ifi.MTU != mtu {
			t.Errorf("Create(%d): %s has MTU %d", mtu, name, ifi.MTU)
		}
	}
}
