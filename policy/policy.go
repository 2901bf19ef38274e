// Package policy reads the administrator's policy for the desktop app:
// settings an administrator sets for every user of the machine. A setting
// the policy names is enforced and locked, as Group Policy does it: the
// user sees the administrator's value and cannot change it; a setting the
// policy leaves out stays the user's.
//
// A policy that cannot be trusted or understood locks nothing: the error
// says which file, what is wrong and how to fix it, and the user's own
// settings apply meanwhile. A broken policy must never stop the user
// from using the app, and half of a broken policy is not what the
// administrator meant either.
//
// Where the policy lives is per OS: a root-owned JSON file on Linux
// (policy_linux.go); Windows and macOS read nothing yet.
package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Keys of the policy, as written in the file; Policy.Locked takes them.
const (
	KeyConnectAtStart = "connect_at_start"
	KeyAutoReconnect  = "auto_reconnect"
	KeyLogLevel       = "log_level"
	KeyStartAtLogin   = "start_at_login"
	KeyLanguage       = "language"
	KeyBrowser        = "browser"
)

// MaxSize bounds a policy file: a real one is a few hundred bytes, and
// reading a huge one would only slow every start.
const MaxSize = 1 << 20

// Policy is what the administrator enforces. A nil field is not set by
// the policy (the user decides); a set one is enforced and locked.
type Policy struct {
	ConnectAtStart *string `json:"connect_at_start,omitempty"`
	AutoReconnect  *bool   `json:"auto_reconnect,omitempty"`
	LogLevel       *string `json:"log_level,omitempty"`
	StartAtLogin   *bool   `json:"start_at_login,omitempty"`
	Language       *string `json:"language,omitempty"`
	Browser        *string `json:"browser,omitempty"`

	// Source is where the policy was read (a file's path), for "set by
	// your administrator (source)"; "" when there is no policy.
	Source string `json:"-"`
}

// Load reads the machine's policy. No policy is an empty Policy and no
// error. A broken one is an empty Policy, so nothing is locked, and an
// error that names the place, the problem and the fix.
func Load() (*Policy, error) {
	p, err := load()
	if err != nil || p == nil {
		return &Policy{}, err
	}
	return p, nil
}

// Locked reports whether the policy sets key, and where it came from.
func (p *Policy) Locked(key string) (bool, string) {
	if p == nil {
		return false, ""
	}
	var set bool
	switch key {
	case KeyConnectAtStart:
		set = p.ConnectAtStart != nil
	case KeyAutoReconnect:
		set = p.AutoReconnect != nil
	case KeyLogLevel:
		set = p.LogLevel != nil
	case KeyStartAtLogin:
		set = p.StartAtLogin != nil
	case KeyLanguage:
		set = p.Language != nil
	case KeyBrowser:
		set = p.Browser != nil
	}
	if !set {
		return false, ""
	}
	return true, p.Source
}

// Empty reports whether the policy sets nothing.
func (p *Policy) Empty() bool {
	return p == nil || *p == Policy{Source: p.Source}
}

// errFix ends every error about a policy file: what happens meanwhile.
const errFix = "no setting is locked until it is fixed"

// Decode reads a policy written as JSON from r: one object whose keys are
// the Key constants, each optional. Unknown keys are refused (a misspelt
// key would otherwise leave a setting the administrator meant to lock
// unlocked, silently), as are values of the wrong type, anything after
// the object, and more than MaxSize bytes. source names the policy in
// errors and in Policy.Source.
func Decode(r io.Reader, source string) (*Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read policy %s: %w; %s", source, err, errFix)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("read policy %s: larger than %d KiB, which is not a policy; the administrator must replace it; %s",
			source, MaxSize>>10, errFix)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Policy
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("read policy %s: not a valid policy (%v); the administrator must correct it (keys: %s); %s",
			source, err, keyList, errFix)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read policy %s: text after the JSON object; the administrator must correct it; %s", source, errFix)
	}
	p.Source = source
	return &p, nil
}

const keyList = KeyConnectAtStart + ", " + KeyAutoReconnect + ", " + KeyLogLevel + ", " +
	KeyStartAtLogin + ", " + KeyLanguage + ", " + KeyBrowser
