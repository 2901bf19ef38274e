//go:build linux || darwin

package userguard

import (
	"errors"
	"os/user"
	"strconv"

	"golang.org/x/sys/unix"
)

// pidAlive reports whether a process exists. Signal 0 performs the
// existence check without sending anything; EPERM means it exists but
// belongs to someone else, which still counts as alive.
func pidAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// lookupUID resolves a login name from utmp or utmpx to its uid, because
// those files store names only and LocalUIDs works on uids. os/user reads
// /etc/passwd itself when built without cgo (the service is a static
// binary) and asks the system resolver (NSS, Open Directory) with cgo. It
// returns -1 when the name is unknown — for example a long name cut short
// by utmp's 32-byte field — so the session still counts for the one-person
// rule but grants nothing.
func lookupUID(name string) int {
	u, err := user.Lookup(name)
	if err != nil {
		return -1
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil || uid < 0 {
		return -1
	}
	return uid
}
