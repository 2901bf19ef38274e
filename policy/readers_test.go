package policy

import (
	"errors"
	"strings"
	"testing"
)

// Every reader refuses what the schema does not allow, with the source,
// the problem and what happens meanwhile in the error.
func TestRegistryErrors(t *testing.T) {
	tests := []struct {
		name, fixture, wantErr string
	}{
		{"no values", "", ""},
		{"unknown value", "allow_imports REG_DWORD 0", `unknown value "allow_imports"`},
		{"bool as string", "allow_import REG_SZ false", "allow_import: is a REG_SZ; a boolean is a REG_DWORD of 0 or 1"},
		{"bool out of range", "allow_edit REG_DWORD 2", "allow_edit: is 2; a boolean is a REG_DWORD"},
		{"list as string", "allowed_servers REG_SZ vpn.example.com", "allowed_servers: is a REG_SZ; a list is a REG_MULTI_SZ"},
		{"string as dword", "connect_at_start REG_DWORD 1", "connect_at_start: is a REG_DWORD; a string is a REG_SZ"},
		{"number as binary", "max_tunnels REG_BINARY", "max_tunnels: is of registry type 3"},
		{"too many tunnels", "max_tunnels REG_DWORD 6", "max_tunnels is 6; use a number from 1 to 5"},
		{"qword number", "max_tunnels REG_QWORD 3", ""},
		{"bad server", "blocked_servers REG_MULTI_SZ vpn..example.com", `blocked_servers: "vpn..example.com" is not a host name`},
		{"two problems", "allow_edit REG_DWORD 2\nmax_tunnels REG_SZ 3", "allow_edit: is 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := fromRegistry(parseRegFixture(t, tt.fixture), RegistryKey)
			checkErr(t, err, tt.wantErr, RegistryKey)
			if tt.wantErr == "" && tt.fixture == "" && p != nil {
				t.Errorf("no values gave %+v, want no policy", p)
			}
		})
	}
	if _, err := fromRegistry(&fakeKey{err: errors.New("access denied")}, RegistryKey); err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("unreadable key: %v", err)
	}
}

func TestPlistErrors(t *testing.T) {
	const head = `<?xml version="1.0"?><plist version="1.0">`
	tests := []struct {
		name, in, wantErr string
	}{
		{"empty dict", head + `<dict/></plist>`, ""},
		{"payload keys skipped", head + `<dict><key>PayloadUUID</key><string>x</string></dict></plist>`, ""},
		{"unknown key", head + `<dict><key>allowImport</key><false/></dict></plist>`, `unknown key "allowImport"`},
		{"bool as string", head + `<dict><key>allow_import</key><string>NO</string></dict></plist>`, "allow_import: is a string; use <true/> or <false/>"},
		{"number as real", head + `<dict><key>max_tunnels</key><real>2.5</real></dict></plist>`, "max_tunnels: is a <real>; use an <integer>"},
		{"list of numbers", head + `<dict><key>allowed_servers</key><array><integer>1</integer></array></dict></plist>`, "entry 1 is an integer"},
		{"empty allow list", head + `<dict><key>allowed_servers</key><array/></dict></plist>`, "allowed_servers is empty"},
		{"out of range", head + `<dict><key>max_tunnels</key><integer>0</integer></dict></plist>`, "max_tunnels is 0"},
		{"not a dict", head + `<array/></plist>`, "not a dictionary"},
		{"not a plist", `<html/>`, "not <plist>"},
		{"truncated", head + `<dict><key>allow_edit</key>`, "not a valid property list"},
		{"key twice", head + `<dict><key>allow_edit</key><true/><key>allow_edit</key><false/></dict></plist>`, `key "allow_edit" twice`},
		{"binary", "bplist00\x00\x01", "plutil -convert xml1"},
		{"too big", head + strings.Repeat(" ", MaxSize), "larger than 1024 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodePlist([]byte(tt.in), "/Library/Managed Preferences/com.cvpn.plist")
			checkErr(t, err, tt.wantErr, "/Library/Managed Preferences/com.cvpn.plist")
		})
	}
}

func checkErr(t *testing.T, err error, want, source string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), source) || !strings.Contains(err.Error(), errFix) {
		t.Fatalf("error %v, want one naming %s, %q and what happens meanwhile", err, source, want)
	}
}
