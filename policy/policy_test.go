package policy

import (
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string // in the error; "" for none
		locked  []string
	}{
		{name: "empty object", in: `{}`},
		{name: "all keys", in: `{"connect_at_start": "work", "auto_reconnect": false, "log_level": "debug",
			"start_at_login": true, "language": "ja", "browser": "firefox"}`,
			locked: []string{KeyConnectAtStart, KeyAutoReconnect, KeyLogLevel, KeyStartAtLogin, KeyLanguage, KeyBrowser}},
		{name: "false still locks", in: `{"start_at_login": false}`, locked: []string{KeyStartAtLogin}},
		{name: "bad json", in: `{"browser": `, wantErr: "not a valid policy"},
		{name: "unknown key", in: `{"auto_reconect": true}`, wantErr: `unknown field "auto_reconect"`},
		{name: "wrong type", in: `{"auto_reconnect": "yes"}`, wantErr: "not a valid policy"},
		{name: "not an object", in: `[]`, wantErr: "not a valid policy"},
		{name: "trailing text", in: `{} {}`, wantErr: "text after the JSON object"},
		{name: "too big", in: `{"browser": "` + strings.Repeat("x", MaxSize) + `"}`, wantErr: "larger than 1024 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Decode(strings.NewReader(tt.in), "src")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "src") ||
					!strings.Contains(err.Error(), errFix) {
					t.Fatalf("error %v, want one naming the source, %q and what happens meanwhile", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, k := range []string{KeyConnectAtStart, KeyAutoReconnect, KeyLogLevel, KeyStartAtLogin, KeyLanguage, KeyBrowser} {
				locked, src := p.Locked(k)
				if locked {
					got[k] = true
					if src != "src" {
						t.Errorf("%s locked by %q, want src", k, src)
					}
				}
			}
			if len(got) != len(tt.locked) {
				t.Errorf("locked %v, want %v", got, tt.locked)
			}
			for _, k := range tt.locked {
				if !got[k] {
					t.Errorf("%s not locked", k)
				}
			}
			if p.Empty() != (len(tt.locked) == 0) {
				t.Errorf("Empty() = %v", p.Empty())
			}
		})
	}
}

func TestNilPolicyLocksNothing(t *testing.T) {
	var p *Policy
	if locked, _ := p.Locked(KeyBrowser); locked || !p.Empty() {
		t.Error("a nil policy locks")
	}
}
