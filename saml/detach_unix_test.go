//go:build !windows && !plan9 && !js && !wasip1

package saml

import "testing"

func TestInvokingUser(t *testing.T) {
	tests := []struct {
		name    string
		euid    int
		env     map[string]string
		uid     uint32
		gid     uint32
		dropped bool
	}{
		{"not root", 1000, map[string]string{"SUDO_UID": "1000", "SUDO_GID": "1000"}, 0, 0, false},
		{"root without sudo", 0, nil, 0, 0, false},
		{"sudo", 0, map[string]string{"SUDO_UID": "1000", "SUDO_GID": "1001"}, 1000, 1001, true},
		{"pkexec", 0, map[string]string{"PKEXEC_UID": "1002"}, 1002, 1002, true},
		{"sudo from root", 0, map[string]string{"SUDO_UID": "0", "SUDO_GID": "0"}, 0, 0, false},
		{"garbage", 0, map[string]string{"SUDO_UID": "alice"}, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uid, gid, home, ok := invokingUser(tt.euid, func(k string) string { return tt.env[k] })
			if ok != tt.dropped || uid != tt.uid || (ok && gid != tt.gid) {
				t.Errorf("invokingUser = %d, %d, %q, %v; want %d, %d, %v", uid, gid, home, ok, tt.uid, tt.gid, tt.dropped)
			}
			if ok && home == "" {
				t.Error("no home directory for the browser")
			}
		})
	}
}
