//go:build !windows

package tunnel

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// ownerRunning reports whether pid is a running cvpn process: a state
// record it wrote describes a live tunnel, which only its owner may undo.
// A pid the kernel has since given to another program does not count; on
// Linux that is told from the executable's name.
func ownerRunning(pid int) bool {
	if pid <= 0 || pid == os.Getpid() {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if runtime.GOOS != "linux" {
		return true
	}
	exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
	if err != nil {
		return true // cannot tell: assume it is ours, never undo a live tunnel
	}
	self, _ := os.Executable()
	exe = strings.TrimSuffix(exe, " (deleted)")
	return exe == self || strings.HasPrefix(filepath.Base(exe), "cvpn")
}
