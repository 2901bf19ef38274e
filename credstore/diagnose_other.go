//go:build !linux

package credstore

import "runtime"

// fixHint says what to do when the keyring is unavailable.
var fixHint = map[string]string{
	"darwin":  "unlock your login keychain (Keychain Access), or connect without --remember",
	"windows": "check that Credential Manager works for your account, or connect without --remember",
}[runtime.GOOS]

func init() {
	if fixHint == "" {
		fixHint = "connect without --remember"
	}
}

// diagnose says why a keyring error means there is no usable keyring. The
// Keychain and Credential Manager errors carry nothing to tell that apart
// from other failures, so they are reported as they are.
var diagnose = func(error) string { return "" }
