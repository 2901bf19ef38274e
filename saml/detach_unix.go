//go:build !windows && !plan9 && !js && !wasip1

package saml

import (
	"os"
	"os/exec"
	"os/user"
	"runtime"
	"strconv"
	"syscall"
)

// detach starts the browser in its own process group, and, when cvpn runs
// as root on behalf of a user (sudo cvpn connect --foreground), as that
// user: a browser must never run as root, and the user's own browser
// profile is where their IdP session lives.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if uid, gid, home, ok := invokingUser(os.Geteuid(), os.Getenv); ok {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uid, Gid: gid}
		cmd.Env = append(os.Environ(), "HOME="+home)
	}
}

// invokingUser is the user sudo (SUDO_UID/SUDO_GID) or pkexec
// (PKEXEC_UID) ran cvpn for, when cvpn is root; ok is false otherwise.
func invokingUser(euid int, getenv func(string) string) (uid, gid uint32, home string, ok bool) {
	if euid != 0 {
		return 0, 0, "", false
	}
	s := getenv("SUDO_UID")
	if s == "" {
		s = getenv("PKEXEC_UID")
	}
	u, err := strconv.ParseUint(s, 10, 32)
	if err != nil || u == 0 {
		return 0, 0, "", false
	}
	g, err := strconv.ParseUint(getenv("SUDO_GID"), 10, 32)
	if err != nil {
		g = u
		if pw, err := user.LookupId(s); err == nil {
			if v, err := strconv.ParseUint(pw.Gid, 10, 32); err == nil {
				g = v
			}
		}
	}
	home = "/"
	if pw, err := user.LookupId(s); err == nil && pw.HomeDir != "" {
		home = pw.HomeDir
	}
	return uint32(u), uint32(g), home, true
}

// asUser reports whether the default browser must be started as the
// invoking user: root on behalf of someone, on a desktop where xdg-open
// is the way in (not macOS, whose open(1) already uses the console
// user's session).
func asUser() bool {
	_, _, _, ok := invokingUser(os.Geteuid(), os.Getenv)
	return ok && runtime.GOOS != "darwin"
}
