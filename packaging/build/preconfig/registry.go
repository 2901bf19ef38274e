package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// PolicyKey is where Windows keeps the policy: Group Policy writes it
// there, and so does the preconfigured MSI.
const PolicyKey = `SOFTWARE\Policies\cvpn`

// RegValue is one registry value the MSI writes under HKLM.
type RegValue struct {
	Key  string // under HKLM
	Name string
	Type string // "string" (REG_SZ or REG_MULTI_SZ) or "integer" (REG_DWORD)
	// Value is in the MSI Registry table's notation (see msiString).
	Value string
}

// RegistryValues maps a policy.json object onto HKLM\SOFTWARE\Policies\cvpn,
// one value per key, named as the key is in the file:
//
//	true / false       REG_DWORD 1 / 0
//	whole number ≥ 0   REG_DWORD
//	string             REG_SZ
//	list of strings    REG_MULTI_SZ (not empty)
//
// policy/registry.go reads the same names and types back (fromRegistry).
// Anything else (objects, null, fractions, negative or mixed lists) is
// refused; policy.Decode has refused most of it already.
func RegistryValues(pol map[string]any) ([]RegValue, error) {
	var out []RegValue
	err := regValues(PolicyKey, pol, &out)
	return out, err
}

func regValues(key string, obj map[string]any, out *[]RegValue) error {
	names := make([]string, 0, len(obj))
	for n := range obj {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := RegValue{Key: key, Name: n}
		switch x := obj[n].(type) {
		case bool:
			v.Type, v.Value = "integer", "0"
			if x {
				v.Value = "1"
			}
		case json.Number:
			i, err := x.Int64()
			if err != nil || i < 0 || i > 1<<32-1 {
				return fmt.Errorf("policy %s: %s is not a whole number from 0 to 4294967295, which a REG_DWORD holds", n, x)
			}
			v.Type, v.Value = "integer", x.String()
		case string:
			v.Type, v.Value = "string", msiString(x)
			if strings.HasPrefix(v.Value, "#") {
				v.Value = "#" + v.Value // "##" is a literal "#"
			}
		case []any:
			if len(x) == 0 {
				return fmt.Errorf("policy %s: an MSI cannot write an empty REG_MULTI_SZ; leave the key out or list something", n)
			}
			parts := make([]string, len(x))
			for i, e := range x {
				s, ok := e.(string)
				if !ok || s == "" {
					return fmt.Errorf("policy %s: item %d is not a non-empty string, which a REG_MULTI_SZ holds", n, i)
				}
				parts[i] = msiString(s)
			}
			// [~] at both ends: a REG_MULTI_SZ that replaces any old value.
			v.Type, v.Value = "string", "[~]"+strings.Join(parts, "[~]")+"[~]"
		default:
			return fmt.Errorf("policy %s: a %T cannot be written to the registry", n, x)
		}
		*out = append(*out, v)
	}
	return nil
}

// msiString escapes s for the Registry table, whose values are Formatted:
// [ and ] would name properties, and "[~]" would split the value.
func msiString(s string) string {
	r := strings.NewReplacer(`[`, `[\[]`, `]`, `[\]]`)
	return r.Replace(s)
}
