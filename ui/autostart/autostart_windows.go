package autostart

import (
	"errors"

	"golang.org/x/sys/windows/registry"
)

// Windows starts the programs named under the user's Run key at each
// logon; the value's data is a command line.
const (
	runKey   = `Software\Microsoft\Windows\CurrentVersion\Run`
	runValue = "cvpn"
)

func enable(exe string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	// Quoted: the path may hold spaces (C:\Program Files\...), and quotes
	// cannot occur in a Windows path.
	return k.SetStringValue(runValue, `"`+exe+`" `+TrayFlag)
}

func disable() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.DeleteValue(runValue); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}

func enabled() (bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer k.Close()
	_, _, err = k.GetStringValue(runValue)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, registry.ErrNotExist):
		return false, nil
	}
	return false, err
}
