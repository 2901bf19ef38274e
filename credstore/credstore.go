// Package credstore keeps the username and password a user chose to
// remember for a profile in the operating system's keyring: the Secret
// Service (gnome-keyring, KWallet, KeePassXC) on Linux, the login Keychain
// on macOS, Credential Manager on Windows, through
// github.com/zalando/go-keyring.
//
// It runs in the user's process (the CLI or the GUI), never in the root
// service: the keyring belongs to the user's session, and a password leaves
// it only as the answer to a challenge the service sends.
//
// Each profile is one keyring item, service "cvpn" and account the profile
// name, whose secret is a small JSON object holding both the username and
// the password, so that both come back together. Key passphrases and proxy
// credentials are items of their own services (secrets.go). Errors never
// contain the password.
package credstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zalando/go-keyring"
)

// Service is the keyring service name of the VPN passwords cvpn stores.
const Service = "cvpn"

// maxProfileName caps the account name; Windows limits a credential's
// target name ("cvpn:" + account) to 32767 characters, macOS less, and no
// profile name is anywhere near this.
const maxProfileName = 256

var (
	// ErrNotFound means no credentials are saved for the profile.
	ErrNotFound = errors.New("no saved credentials")
	// ErrUnavailable means there is no usable keyring: no D-Bus session,
	// no Secret Service, a locked keyring whose unlock was refused, or a
	// platform without one. The message says why and what to do; callers
	// fall back to asking for the password without remembering it.
	ErrUnavailable = errors.New("no keyring available")
)

// Credentials are what a user may ask cvpn to remember for a profile.
type Credentials struct {
	Username string
	Password string
}

// item is the keyring secret's format. The version lets a later cvpn change
// it without misreading old items.
type item struct {
	V        int    `json:"v"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// Timeout bounds one keyring call. go-keyring waits without limit for an
// unlock prompt to be answered, and a keyring daemon that cannot show its
// prompt (no display) may never answer; the time is generous because a
// user may be typing the keyring's password.
var Timeout = 2 * time.Minute

// Save stores c for profile, replacing what was there.
func Save(profile string, c Credentials) error {
	const op = "save credentials"
	if err := checkProfile(profile); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if c.Username == "" {
		return fmt.Errorf("%s for %q: the username is empty", op, profile)
	}
	if strings.IndexByte(c.Username, 0) >= 0 || strings.IndexByte(c.Password, 0) >= 0 {
		// The Windows and macOS back ends cannot hold a NUL, and an
		// OpenVPN server never gets one; refuse rather than truncate.
		return fmt.Errorf("%s for %q: the username or password contains a NUL byte", op, profile)
	}
	blob, err := json.Marshal(item{V: 1, Username: c.Username, Password: c.Password})
	if err != nil {
		return fmt.Errorf("%s for %q: encode", op, profile)
	}
	secret := string(blob)
	err = call(func() error { return keyring.Set(Service, profile, secret) })
	if err != nil {
		return explain(op, profile, err, c.Password, secret)
	}
	return nil
}

// Load returns the credentials saved for profile, or an error wrapping
// ErrNotFound when there are none.
func Load(profile string) (Credentials, error) {
	const op = "load credentials"
	if err := checkProfile(profile); err != nil {
		return Credentials{}, fmt.Errorf("%s: %w", op, err)
	}
	var secret string
	err := call(func() error {
		var err error
		secret, err = keyring.Get(Service, profile)
		return err
	})
	if err != nil {
		return Credentials{}, explain(op, profile, err, secret)
	}
	var it item
	// The decoder's error may quote the secret, so it is not passed on.
	if json.Unmarshal([]byte(secret), &it) != nil || it.V != 1 || it.Username == "" {
		return Credentials{}, fmt.Errorf("%s for %q: the keyring item for service %q is not in cvpn's format; save the credentials again", op, profile, Service)
	}
	return Credentials{Username: it.Username, Password: it.Password}, nil
}

// Delete removes the credentials saved for profile. Deleting credentials
// that are not there is not an error.
func Delete(profile string) error {
	const op = "delete credentials"
	if err := checkProfile(profile); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	err := call(func() error { return keyring.Delete(Service, profile) })
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return explain(op, profile, err)
	}
	return nil
}

// checkProfile refuses names that cannot be a keyring account.
func checkProfile(profile string) error {
	switch {
	case profile == "":
		return errors.New("empty profile name")
	case len(profile) > maxProfileName:
		return fmt.Errorf("profile name longer than %d bytes", maxProfileName)
	case !utf8.ValidString(profile):
		return errors.New("profile name is not valid UTF-8")
	}
	for _, r := range profile {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("profile name %q contains a control character", profile)
		}
	}
	return nil
}

// call runs one keyring operation with Timeout. On timeout the operation's
// goroutine is left to finish on its own: go-keyring offers no way to
// cancel it.
func call(f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	t := time.NewTimer(Timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return &unavailableError{why: fmt.Sprintf("the keyring did not answer within %v (is it waiting for an unlock prompt that cannot be shown?)", Timeout)}
	}
}

// explain turns a keyring error into one for the user: ErrNotFound, an
// ErrUnavailable that says why and what to do, or the operation's error.
// secrets are scrubbed: a message that contains one is withheld.
func explain(op, profile string, err error, secrets ...string) error {
	prefix := fmt.Sprintf("%s for %q", op, profile)
	var ue *unavailableError
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return fmt.Errorf("%s: %w", prefix, ErrNotFound)
	case errors.As(err, &ue):
		return fmt.Errorf("%s: %w", prefix, err)
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("%s: the username and password are too long for the system keyring", prefix)
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return fmt.Errorf("%s: %w", prefix, &unavailableError{why: "cvpn has no keyring support on this system"})
	}
	if why := diagnose(err); why != "" {
		return fmt.Errorf("%s: %w", prefix, &unavailableError{why: why})
	}
	msg := err.Error()
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			return fmt.Errorf("%s: the keyring refused (details withheld because they contain the secret)", prefix)
		}
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

// unavailableError is ErrUnavailable with the reason and the fix.
type unavailableError struct {
	why string
}

func (e *unavailableError) Error() string {
	return ErrUnavailable.Error() + ": " + e.why + "; " + fixHint
}

func (e *unavailableError) Is(target error) bool { return target == ErrUnavailable }
