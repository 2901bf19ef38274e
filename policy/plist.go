package policy

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Managed preferences on macOS: an MDM pushes a configuration profile
// whose payload type is the domain com.cvpn
// (packaging/macos/com.cvpn.mobileconfig), and macOS writes its keys to
// /Library/Managed Preferences/com.cvpn.plist (per user:
// /Library/Managed Preferences/USER/com.cvpn.plist), root-owned. The keys
// are the schema's; the plist types are <true/>/<false/> for booleans,
// <integer> for numbers, <string> for strings and an <array> of <string>
// for lists.

// Domain is the managed-preferences domain (and payload type) of the policy.
const Domain = "com.cvpn"

// binaryPlist starts a binary plist, which only macOS's plutil converts.
var binaryPlist = []byte("bplist00")

// decodePlist reads a policy from an XML property list. Payload* keys,
// which a configuration profile's payload carries and macOS may copy, are
// skipped; any other key not in the schema is refused.
func decodePlist(data []byte, source string) (*Policy, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("read policy %s: larger than %d KiB, which is not a policy; the administrator must replace it; %s",
			source, MaxSize>>10, errFix)
	}
	if bytes.HasPrefix(data, binaryPlist) {
		return nil, fmt.Errorf("read policy %s: a binary property list, which is read only on macOS; convert it with plutil -convert xml1; %s", source, errFix)
	}
	root, err := parsePlist(data)
	if err != nil {
		return nil, invalid(source, fmt.Errorf("not a valid property list (%v)", err))
	}
	dict, ok := root.(map[string]any)
	if !ok {
		return nil, invalid(source, errors.New("the property list is not a dictionary"))
	}
	keys := make([]string, 0, len(dict))
	for k := range dict {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var p Policy
	var errs []error
	for _, k := range keys {
		if strings.HasPrefix(k, "Payload") {
			continue
		}
		kind := KindOf(k)
		if kind == 0 {
			errs = append(errs, fmt.Errorf("unknown key %q (keys: %s)", k, keyList))
			continue
		}
		v, err := plistToValue(kind, dict[k])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", k, err))
			continue
		}
		_ = p.set(k, v)
	}
	return p.checked(source, errs)
}

func plistToValue(kind Kind, v any) (any, error) {
	switch kind {
	case Bool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("is %s; use <true/> or <false/>", plistTypeName(v))
	case Number:
		if n, ok := v.(int64); ok && n >= -1<<31 && n < 1<<31 {
			return int(n), nil
		}
		return nil, fmt.Errorf("is %s; use an <integer>", plistTypeName(v))
	case String:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("is %s; use a <string>", plistTypeName(v))
	case List:
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("is %s; use an <array> of <string>", plistTypeName(v))
		}
		out := []string{}
		for i, e := range arr {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("entry %d is %s; use an <array> of <string>", i+1, plistTypeName(e))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, errWrongKind
}

func plistTypeName(v any) string {
	switch v := v.(type) {
	case bool:
		return "a boolean"
	case int64:
		return "an integer"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "a dictionary"
	case plistOther:
		return "a <" + string(v) + ">"
	}
	return "an unknown value"
}

// plistOther stands for a value the policy never uses (<real>, <date>,
// <data>), named by its element.
type plistOther string

// maxPlistDepth bounds nesting: the policy is one flat dictionary.
const maxPlistDepth = 8

// parsePlist parses an XML property list into bool, int64, string, []any,
// map[string]any and plistOther values. The DOCTYPE is ignored;
// encoding/xml expands no external entities.
func parsePlist(data []byte) (any, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("no <plist> element")
			}
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Local != "plist" {
			return nil, fmt.Errorf("the root element is <%s>, not <plist>", se.Name.Local)
		}
		v, end, err := plistNext(dec, 0)
		if err != nil {
			return nil, err
		}
		if end {
			return nil, errors.New("an empty <plist>")
		}
		return v, nil
	}
}

// plistNext reads the next value, or reports the end of the enclosing
// element.
func plistNext(dec *xml.Decoder, depth int) (any, bool, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, false, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil, true, nil
		case xml.StartElement:
			v, err := plistValue(dec, t, depth)
			return v, false, err
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, false, fmt.Errorf("unexpected text %q", bytes.TrimSpace(t))
			}
		}
	}
}

func plistValue(dec *xml.Decoder, se xml.StartElement, depth int) (any, error) {
	if depth > maxPlistDepth {
		return nil, errors.New("nested too deeply")
	}
	switch se.Name.Local {
	case "true", "false":
		if err := dec.Skip(); err != nil {
			return nil, err
		}
		return se.Name.Local == "true", nil
	case "string", "key":
		var s string
		if err := dec.DecodeElement(&s, &se); err != nil {
			return nil, err
		}
		return s, nil
	case "integer":
		var s string
		if err := dec.DecodeElement(&s, &se); err != nil {
			return nil, err
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 0, 64)
		if err != nil {
			return nil, fmt.Errorf("<integer> %q is not a whole number", s)
		}
		return n, nil
	case "array":
		out := []any{}
		for {
			v, end, err := plistNext(dec, depth+1)
			if err != nil {
				return nil, err
			}
			if end {
				return out, nil
			}
			out = append(out, v)
		}
	case "dict":
		out := map[string]any{}
		for {
			k, end, err := plistNext(dec, depth+1)
			if err != nil {
				return nil, err
			}
			if end {
				return out, nil
			}
			key, ok := k.(string)
			if !ok {
				return nil, errors.New("a <dict> entry without a <key>")
			}
			v, end, err := plistNext(dec, depth+1)
			if err != nil {
				return nil, err
			}
			if end {
				return nil, fmt.Errorf("key %q has no value", key)
			}
			if _, dup := out[key]; dup {
				return nil, fmt.Errorf("key %q twice", key)
			}
			out[key] = v
		}
	case "real", "date", "data":
		if err := dec.Skip(); err != nil {
			return nil, err
		}
		return plistOther(se.Name.Local), nil
	}
	return nil, fmt.Errorf("unknown element <%s>", se.Name.Local)
}
