package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxSize bounds a policy file: a real one is a few hundred bytes, and
// reading a huge one would only slow every start.
const MaxSize = 1 << 20

// errFix ends every error about a policy source: what happens meanwhile.
const errFix = "no setting is locked until it is fixed"

// Decode reads a policy written as JSON from r: one object whose keys are
// the Key constants, each optional. Unknown keys are refused (a misspelt
// key would otherwise leave a setting the administrator meant to lock
// unlocked, silently), as are values of the wrong type or out of range
// (Validate), anything after the object, and more than MaxSize bytes.
// source names the policy in errors and in Policy.Source.
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
	if err := p.Validate(); err != nil {
		return nil, invalid(source, err)
	}
	p.Source = source
	return &p, nil
}

// invalid wraps a Validate error (or a reader's) with the source and what
// happens meanwhile.
// checked ends a reader's work on p, read from source: the problems it
// met with the keys (errs), else p's own validation, make the policy
// invalid as a whole; otherwise p is the policy, marked with its source.
func (p Policy) checked(source string, errs []error) (*Policy, error) {
	if err := errors.Join(errs...); err != nil {
		return nil, invalid(source, err)
	}
	if err := p.Validate(); err != nil {
		return nil, invalid(source, err)
	}
	p.Source = source
	return &p, nil
}

func invalid(source string, err error) error {
	return fmt.Errorf("read policy %s: %w; the administrator must correct it; %s", source, err, errFix)
}
