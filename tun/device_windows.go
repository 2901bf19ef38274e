package tun

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
	wgtun "golang.zx2c4.com/wireguard/tun"
)

const defaultName = "cvpn"

// noDriverAdvice names the file and where it belongs: the installer puts
// wintun.dll next to cvpn.exe, and Wintun loads it only from there or
// System32 (LOAD_LIBRARY_SEARCH_APPLICATION_DIR|SYSTEM32).
var noDriverAdvice = "wintun.dll (the Wintun driver) was not found in " + exeDir() +
	", where the cvpn installer puts it; reinstall cvpn, or copy the wintun.dll for this machine's architecture from wintun.net into that folder"

func exeDir() string {
	exe, err := os.Executable()
	if err != nil {
		return "the folder of cvpn.exe"
	}
	return filepath.Dir(exe)
}

// isNoDriver: LoadLibraryEx failed to find the DLL (ERROR_MOD_NOT_FOUND),
// which Wintun wraps with %w.
func isNoDriver(err error) bool {
	return errors.Is(err, windows.ERROR_MOD_NOT_FOUND)
}

func checkName(name string) error { return checkWindowsName(name) }

// create: Wintun's adapter is a named object, not a descriptor; on failure
// wireguard-go closes what it made.
func create(name string, mtu int) (Device, error) { return wgtun.CreateTUN(name, mtu) }
