package credstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/zalando/go-keyring"
)

// Key passphrases and proxy credentials are kept apart from the VPN
// password: each kind has its own keyring service, so a refused password
// never deletes a passphrase that works, and a keyring browser shows what
// each item is.
const (
	// PassphraseService holds the passphrase of a profile's private key
	// or PKCS#12 bundle; the account is the profile name.
	PassphraseService = "cvpn-key-passphrase"
	// ProxyService holds the username and password of an HTTP or SOCKS
	// proxy; the account is the proxy's host:port, as the same proxy
	// serves every profile.
	ProxyService = "cvpn-proxy"
)

// passphraseItem is a PassphraseService secret.
type passphraseItem struct {
	V          int    `json:"v"`
	Passphrase string `json:"passphrase"`
}

// SavePassphrase stores the passphrase of profile's private key.
func SavePassphrase(profile, passphrase string) error {
	const op = "save the key passphrase"
	if err := checkProfile(profile); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if strings.IndexByte(passphrase, 0) >= 0 {
		return fmt.Errorf("%s for %q: the passphrase contains a NUL byte", op, profile)
	}
	blob, err := json.Marshal(passphraseItem{V: 1, Passphrase: passphrase})
	if err != nil {
		return fmt.Errorf("%s for %q: encode", op, profile)
	}
	return set(op, PassphraseService, profile, string(blob), passphrase)
}

// LoadPassphrase returns the passphrase saved for profile's private key,
// or an error wrapping ErrNotFound.
func LoadPassphrase(profile string) (string, error) {
	const op = "load the key passphrase"
	if err := checkProfile(profile); err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	secret, err := get(op, PassphraseService, profile)
	if err != nil {
		return "", err
	}
	var it passphraseItem
	if json.Unmarshal([]byte(secret), &it) != nil || it.V != 1 {
		return "", fmt.Errorf("%s for %q: the keyring item for service %q is not in cvpn's format; save the passphrase again", op, profile, PassphraseService)
	}
	return it.Passphrase, nil
}

// DeletePassphrase removes the passphrase saved for profile; one that is
// not there is not an error.
func DeletePassphrase(profile string) error {
	const op = "delete the key passphrase"
	if err := checkProfile(profile); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return del(op, PassphraseService, profile)
}

// SaveProxy stores the credentials of the proxy at hostPort.
func SaveProxy(hostPort string, c Credentials) error {
	const op = "save proxy credentials"
	if err := checkProfile(hostPort); err != nil {
		return fmt.Errorf("%s: %w", op, proxyName(err))
	}
	if c.Username == "" {
		return fmt.Errorf("%s for %q: the username is empty", op, hostPort)
	}
	if strings.IndexByte(c.Username, 0) >= 0 || strings.IndexByte(c.Password, 0) >= 0 {
		return fmt.Errorf("%s for %q: the username or password contains a NUL byte", op, hostPort)
	}
	blob, err := json.Marshal(item{V: 1, Username: c.Username, Password: c.Password})
	if err != nil {
		return fmt.Errorf("%s for %q: encode", op, hostPort)
	}
	return set(op, ProxyService, hostPort, string(blob), c.Password)
}

// LoadProxy returns the credentials saved for the proxy at hostPort, or an
// error wrapping ErrNotFound.
func LoadProxy(hostPort string) (Credentials, error) {
	const op = "load proxy credentials"
	if err := checkProfile(hostPort); err != nil {
		return Credentials{}, fmt.Errorf("%s: %w", op, proxyName(err))
	}
	secret, err := get(op, ProxyService, hostPort)
	if err != nil {
		return Credentials{}, err
	}
	var it item
	if json.Unmarshal([]byte(secret), &it) != nil || it.V != 1 || it.Username == "" {
		return Credentials{}, fmt.Errorf("%s for %q: the keyring item for service %q is not in cvpn's format; save the credentials again", op, hostPort, ProxyService)
	}
	return Credentials{Username: it.Username, Password: it.Password}, nil
}

// DeleteProxy removes the credentials saved for the proxy at hostPort.
func DeleteProxy(hostPort string) error {
	const op = "delete proxy credentials"
	if err := checkProfile(hostPort); err != nil {
		return fmt.Errorf("%s: %w", op, proxyName(err))
	}
	return del(op, ProxyService, hostPort)
}

// proxyName rewords checkProfile's errors for a proxy's host:port.
func proxyName(err error) error {
	return errors.New(strings.Replace(err.Error(), "profile name", "proxy address", 1))
}

func set(op, service, account, secret, password string) error {
	err := call(func() error { return keyring.Set(service, account, secret) })
	if err != nil {
		return explain(op, account, err, password, secret)
	}
	return nil
}

func get(op, service, account string) (string, error) {
	var secret string
	err := call(func() error {
		var err error
		secret, err = keyring.Get(service, account)
		return err
	})
	if err != nil {
		return "", explain(op, account, err, secret)
	}
	return secret, nil
}

func del(op, service, account string) error {
	err := call(func() error { return keyring.Delete(service, account) })
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return explain(op, account, err)
	}
	return nil
}
