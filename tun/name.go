package tun

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
)

// The root service creates devices with names and MTUs its callers choose
// (a profile's dev, the API's device field). Each is checked here before
// anything is opened, so a bad one costs nothing and is answered as the
// caller's mistake, not the service's.
var (
	// ErrBadName means the device name can never be valid on this OS.
	ErrBadName = errors.New("invalid TUN device name")
	// ErrBusy means the name is valid but another device holds it now.
	ErrBusy = errors.New("TUN device name in use")
	// ErrBadMTU means the MTU is outside what a TUN device accepts.
	ErrBadMTU = errors.New("invalid TUN device MTU")
)

// The MTU bounds every supported OS accepts: IPv4's minimum datagram and
// the largest IP packet.
const (
	MinMTU = 68
	MaxMTU = 65535
)

func checkMTU(mtu int) error {
	if mtu < MinMTU || mtu > MaxMTU {
		return fmt.Errorf("%w: %d is outside %d–%d; fix the profile's tun-mtu", ErrBadMTU, mtu, MinMTU, MaxMTU)
	}
	return nil
}

// badName wraps ErrBadName with the reason and the rule of this OS.
func badName(name, reason, rule string) error {
	return fmt.Errorf("%w %q: %s; %s", ErrBadName, name, reason, rule)
}

const linuxNameRule = "a Linux interface name is 1–15 letters, digits, '-', '_' or '.', " +
	"with at most one %d for a number the kernel picks (like cvpn%d); leave the device unset for the default"

// checkLinuxName applies the kernel's rules (dev_valid_name: shorter than
// IFNAMSIZ, not "." or "..", no '/', ':' or white space) and ours on top:
// ASCII only, because tools and logs mangle the rest, and '%' only as the
// single %d the kernel expands.
func checkLinuxName(name string) error {
	if name == "" {
		return badName(name, "it is empty", linuxNameRule)
	}
	if len(name) > 15 {
		return badName(name, fmt.Sprintf("it is %d bytes long", len(name)), linuxNameRule)
	}
	if name == "." || name == ".." {
		return badName(name, "it is reserved", linuxNameRule)
	}
	if strings.Count(name, "%") > 0 && (strings.Count(name, "%") > 1 || !strings.Contains(name, "%d")) {
		return badName(name, "its only '%' may be one %d", linuxNameRule)
	}
	for _, r := range strings.Replace(name, "%d", "", 1) {
		if !isNameChar(r) {
			return badName(name, fmt.Sprintf("it contains %q", r), linuxNameRule)
		}
	}
	return nil
}

const utunNameRule = "macOS names its TUN devices utun or utunN (N a number); leave the device unset for the next free one"

// checkUtunName: macOS's utun control picks devices by unit number only.
func checkUtunName(name string) error {
	digits, ok := strings.CutPrefix(name, "utun")
	if !ok {
		return badName(name, "it does not start with utun", utunNameRule)
	}
	if len(digits) > 4 {
		return badName(name, "its number is too large", utunNameRule)
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return badName(name, fmt.Sprintf("it contains %q after utun", r), utunNameRule)
		}
	}
	return nil
}

const windowsNameRule = "a Windows adapter name is 1–127 letters, digits, spaces, '-', '_' or '.'; leave the device unset for the default"

// checkWindowsName: Wintun adapter names are at most 127 UTF-16 units
// (MAX_ADAPTER_NAME less the terminator). We allow letters of any script,
// which Windows shows as typed, but no punctuation that has meaning in
// paths, registry keys or netsh arguments.
func checkWindowsName(name string) error {
	if strings.TrimSpace(name) == "" {
		return badName(name, "it is empty", windowsNameRule)
	}
	if n := len(utf16.Encode([]rune(name))); n > 127 {
		return badName(name, fmt.Sprintf("it is %d characters long", n), windowsNameRule)
	}
	for _, r := range name {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || r == '-' || r == '_' || r == '.') {
			return badName(name, fmt.Sprintf("it contains %q", r), windowsNameRule)
		}
	}
	return nil
}

func isNameChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
}
