package tunnel

import (
	"os"

	"golang.org/x/sys/windows"
)

// ownerRunning reports whether pid is still running: a state record it
// wrote describes a live tunnel, which only its owner may undo.
func ownerRunning(pid int) bool {
	if pid <= 0 || pid == os.Getpid() {
		return false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return true
	}
	return code == 259 // STILL_ACTIVE
}
