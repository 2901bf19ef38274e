package saml

import (
	"os/exec"
	"syscall"
)

// createNewProcessGroup keeps Ctrl-C in cvpn's console away from the
// browser (CREATE_NEW_PROCESS_GROUP).
const createNewProcessGroup = 0x00000200

func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: createNewProcessGroup}
}

// asUser: Windows services never open browsers; a console run is the user.
func asUser() bool { return false }
