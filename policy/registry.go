package policy

import (
	"fmt"
	"math"
	"sort"
)

// RegistryKey is where Windows keeps the policy: Group Policy and Intune
// write values there from the ADMX template
// (packaging/windows/policy/cvpn.admx), and only administrators can.
const RegistryKey = `HKLM\SOFTWARE\Policies\cvpn`

// Registry value types, as Windows numbers them (winnt.h); here so the
// mapping is tested on every OS.
const (
	regSZ       = 1
	regExpandSZ = 2
	regDWORD    = 4
	regMultiSZ  = 7
	regQWORD    = 11
)

// RegValue is one registry value as read: its type and, by type, its
// number, text or texts.
type RegValue struct {
	Type    uint32
	Number  uint64
	Text    string
	Strings []string
}

// keyReader is the one registry key the policy lives in. Windows reads it
// with golang.org/x/sys/windows/registry (policy_windows.go); tests with
// a map.
type keyReader interface {
	ValueNames() ([]string, error)
	Value(name string) (RegValue, error)
}

// fromRegistry maps the values of k to a policy, one value per key named
// as in the schema: REG_DWORD for booleans (0 or 1) and numbers, REG_SZ
// for strings, REG_MULTI_SZ for lists. An unknown value name or a wrong
// type is an error, as an unknown key in the JSON file is; no values is
// no policy.
func fromRegistry(k keyReader, source string) (*Policy, error) {
	names, err := k.ValueNames()
	if err != nil {
		return nil, fmt.Errorf("read policy %s: %w; %s", source, err, errFix)
	}
	if len(names) == 0 {
		return nil, nil
	}
	sort.Strings(names)
	var p Policy
	var errs []error
	for _, name := range names {
		kind := KindOf(name)
		if kind == 0 {
			errs = append(errs, fmt.Errorf("unknown value %q (values: %s)", name, keyList))
			continue
		}
		v, err := k.Value(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		val, err := regToValue(kind, v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		_ = p.set(name, val)
	}
	return p.checked(source, errs)
}

func regToValue(kind Kind, v RegValue) (any, error) {
	switch kind {
	case Bool:
		if v.Type != regDWORD {
			return nil, fmt.Errorf("is %s; a boolean is a REG_DWORD of 0 or 1", regTypeName(v.Type))
		}
		if v.Number > 1 {
			return nil, fmt.Errorf("is %d; a boolean is a REG_DWORD of 0 or 1", v.Number)
		}
		return v.Number == 1, nil
	case Number:
		if v.Type != regDWORD && v.Type != regQWORD {
			return nil, fmt.Errorf("is %s; a number is a REG_DWORD", regTypeName(v.Type))
		}
		if v.Number > math.MaxInt32 {
			return nil, fmt.Errorf("is %d, too large", v.Number)
		}
		return int(v.Number), nil
	case String:
		if v.Type != regSZ && v.Type != regExpandSZ {
			return nil, fmt.Errorf("is %s; a string is a REG_SZ", regTypeName(v.Type))
		}
		return v.Text, nil
	case List:
		if v.Type != regMultiSZ {
			return nil, fmt.Errorf("is %s; a list is a REG_MULTI_SZ, one entry a line", regTypeName(v.Type))
		}
		out := []string{}
		for _, s := range v.Strings {
			if s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	return nil, errWrongKind
}

func regTypeName(t uint32) string {
	switch t {
	case regSZ:
		return "a REG_SZ"
	case regExpandSZ:
		return "a REG_EXPAND_SZ"
	case regDWORD:
		return "a REG_DWORD"
	case regMultiSZ:
		return "a REG_MULTI_SZ"
	case regQWORD:
		return "a REG_QWORD"
	}
	return fmt.Sprintf("of registry type %d", t)
}
