package credstore

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/zalando/go-keyring"
)

// Passphrases and proxy credentials live in items of their own: saving,
// refusing or deleting the VPN password never touches them, and back.
func TestPassphraseAndProxyItems(t *testing.T) {
	useMock(t, nil, "")
	vpn := Credentials{Username: "alice", Password: "vpn-" + testPassword}
	proxy := Credentials{Username: "bob", Password: "proxy-" + testPassword}
	const pp = "key-" + testPassword
	steps := []struct {
		name string
		do   func() error
	}{
		{"save password", func() error { return Save("corp", vpn) }},
		{"save passphrase", func() error { return SavePassphrase("corp", pp) }},
		{"save proxy", func() error { return SaveProxy("proxy.example.com:3128", proxy) }},
		{"delete password", func() error { return Delete("corp") }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	if _, err := Load("corp"); !errors.Is(err, ErrNotFound) {
		t.Errorf("password after delete: %v", err)
	}
	if got, err := LoadPassphrase("corp"); err != nil || got != pp {
		t.Errorf("passphrase after the password was deleted: %q %v", got, err)
	}
	if got, err := LoadProxy("proxy.example.com:3128"); err != nil || got != proxy {
		t.Errorf("proxy: %+v %v", got, err)
	}
	if _, err := LoadProxy("other.example.com:3128"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another proxy: %v", err)
	}
	// The items, as another cvpn version will find them.
	for _, it := range []struct{ service, account, field, want string }{
		{PassphraseService, "corp", "passphrase", pp},
		{ProxyService, "proxy.example.com:3128", "password", proxy.Password},
	} {
		raw, err := keyring.Get(it.service, it.account)
		if err != nil {
			t.Fatalf("no item %s/%s: %v", it.service, it.account, err)
		}
		var m map[string]any
		if json.Unmarshal([]byte(raw), &m) != nil || m["v"] != float64(1) || m[it.field] != it.want {
			t.Errorf("item %s/%s = %s", it.service, it.account, raw)
		}
	}
	if err := Save("corp", vpn); err != nil {
		t.Fatal(err)
	}
	if err := DeletePassphrase("corp"); err != nil {
		t.Fatal(err)
	}
	if err := DeleteProxy("proxy.example.com:3128"); err != nil {
		t.Fatal(err)
	}
	if err := DeletePassphrase("corp"); err != nil {
		t.Errorf("deleting a missing passphrase: %v", err)
	}
	if _, err := LoadPassphrase("corp"); !errors.Is(err, ErrNotFound) {
		t.Errorf("passphrase after delete: %v", err)
	}
	if _, err := LoadProxy("proxy.example.com:3128"); !errors.Is(err, ErrNotFound) {
		t.Errorf("proxy after delete: %v", err)
	}
	if got, err := Load("corp"); err != nil || got != vpn {
		t.Errorf("the password suffered: %+v %v", got, err)
	}
}

func TestSecretErrors(t *testing.T) {
	tests := []struct {
		name string
		err  func() error
		want error
		text string
	}{
		{"NUL passphrase", func() error { return SavePassphrase("corp", testPassword+"\x00") }, nil, "NUL"},
		{"bad profile", func() error { return SavePassphrase("", testPassword) }, nil, "empty profile name"},
		{"bad proxy", func() error { return SaveProxy("a\nb", Credentials{Username: "u", Password: testPassword}) }, nil, "proxy address"},
		{"no proxy user", func() error { return SaveProxy("p:1", Credentials{Password: testPassword}) }, nil, "username is empty"},
		{"missing", func() error { _, err := LoadPassphrase("corp"); return err }, ErrNotFound, "load the key passphrase"},
		{"keyring error quoting it", func() error {
			keyring.MockInitWithError(errors.New("failed: " + testPassword))
			return SavePassphrase("corp", testPassword)
		}, nil, "details withheld"},
		{"not ours", func() error {
			_ = keyring.Set(PassphraseService, "corp", "hunter2-plain")
			_, err := LoadPassphrase("corp")
			return err
		}, nil, "not in cvpn's format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			useMock(t, nil, "")
			checkErr(t, tt.err(), tt.want, tt.text)
		})
	}
}
