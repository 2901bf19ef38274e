package policy

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

func places() []string { return []string{RegistryKey} }

// load reads HKLM\SOFTWARE\Policies\cvpn, where Group Policy and Intune
// write the ADMX template's settings. Only administrators can write
// there, so unlike the Unix files there is no ownership to check. No key
// is no policy.
func load() (*Policy, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SOFTWARE\Policies\cvpn`, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read policy %s: %w; %s", RegistryKey, err, errFix)
	}
	defer k.Close()
	return fromRegistry(winKey{k}, RegistryKey)
}

// winKey is keyReader over a real registry key.
type winKey struct{ k registry.Key }

func (w winKey) ValueNames() ([]string, error) { return w.k.ReadValueNames(-1) }

func (w winKey) Value(name string) (RegValue, error) {
	_, typ, err := w.k.GetValue(name, nil)
	if err != nil {
		return RegValue{}, err
	}
	v := RegValue{Type: typ}
	switch typ {
	case registry.DWORD, registry.QWORD:
		v.Number, _, err = w.k.GetIntegerValue(name)
	case registry.SZ, registry.EXPAND_SZ:
		v.Text, _, err = w.k.GetStringValue(name)
	case registry.MULTI_SZ:
		v.Strings, _, err = w.k.GetStringsValue(name)
	}
	return v, err
}
