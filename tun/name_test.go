package tun

import (
	"errors"
	"strings"
	"testing"
)

// TestNameRules: each OS's rule, checked on every OS, so a Linux CI run
// also guards the macOS and Windows rules the service applies there.
func TestNameRules(t *testing.T) {
	tests := []struct {
		check func(string) error
		name  string
		ok    bool
	}{
		{checkLinuxName, "cvpn0", true},
		{checkLinuxName, "cvpn%d", true},
		{checkLinuxName, "tun-office.1_a", true},
		{checkLinuxName, "exactly15bytes_", true},
		{checkLinuxName, "sixteen-bytes-xx", false},
		{checkLinuxName, "", false},
		{checkLinuxName, ".", false},
		{checkLinuxName, "a\nb", false},
		{checkLinuxName, "a%", false},
		{checkLinuxName, "%d%d", false},
		{checkLinuxName, "100%", false},
		{checkUtunName, "utun", true},
		{checkUtunName, "utun7", true},
		{checkUtunName, "utun12345", false},
		{checkUtunName, "utun7x", false},
		{checkUtunName, "tun0", false},
		{checkUtunName, "utun-1", false},
		{checkWindowsName, "cvpn", true},
		{checkWindowsName, "Office VPN 2", true},
		{checkWindowsName, "Büro-VPN", true},
		{checkWindowsName, "   ", false},
		{checkWindowsName, `a\b`, false},
		{checkWindowsName, "a:b", false},
		{checkWindowsName, strings.Repeat("x", 128), false},
		{checkWindowsName, strings.Repeat("x", 127), true},
	}
	for _, tt := range tests {
		err := tt.check(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("%q: err %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrBadName) {
			t.Errorf("%q: %v does not wrap ErrBadName", tt.name, err)
		}
	}
}
