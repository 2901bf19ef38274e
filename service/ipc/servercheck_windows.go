package ipc

import (
	"fmt"
	"net"

	"golang.org/x/sys/windows"
)

// checkServer verifies, before the client writes a byte, that the pipe it
// opened was created by LocalSystem or an elevated administrator, whose
// tokens make the pipe's owner SYSTEM or Administrators. Any user may create
// a pipe named \\.\pipe\cvpn while the service is stopped (pipe squatting);
// an unelevated user cannot make SYSTEM or Administrators the owner of what
// they create, so the owner is the proof.
//
// The owner is read rather than the server process's token because an
// unelevated client may not open a LocalSystem process's token, while the
// pipe handle it holds carries READ_CONTROL (part of GENERIC_READ in
// clientAccess). A pipe of the caller's own user is accepted too, as on
// unix: it can already read whatever the caller has, and it is what a
// foreground test service runs as.
func checkServer(c net.Conn, addr string) error {
	f, ok := c.(interface{ Fd() uintptr })
	if !ok {
		return fmt.Errorf("%w: %T at %s is not a named pipe, so nothing was sent to it", ErrImpostor, c, addr)
	}
	h := windows.Handle(f.Fd())
	var pid uint32
	_ = windows.GetNamedPipeServerProcessId(h, &pid) // for the message only; 0 if unknown
	sd, err := windows.GetSecurityInfo(h, windows.SE_KERNEL_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("%w: cannot read the owner of the pipe %s (%v), so nothing was sent to it", ErrImpostor, addr, err)
	}
	owner, _, err := sd.Owner()
	if err != nil || owner == nil {
		return fmt.Errorf("%w: the pipe %s has no owner (%v), so nothing was sent to it", ErrImpostor, addr, err)
	}
	self, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return fmt.Errorf("%w: read this process's user: %v; nothing was sent to %s", ErrImpostor, err, addr)
	}
	if pipeOwnerTrusted(owner, self.User.Sid) {
		return nil
	}
	return fmt.Errorf("%w: the pipe %s belongs to %s (server process %d), not LocalSystem or Administrators, so nothing was sent to it; "+
		"end that process (or restart Windows), then start the cvpn service",
		ErrImpostor, addr, accountName(owner), pid)
}

// pipeOwnerTrusted is the rule of checkServer.
func pipeOwnerTrusted(owner, self *windows.SID) bool {
	return owner.IsWellKnown(windows.WinLocalSystemSid) ||
		owner.IsWellKnown(windows.WinBuiltinAdministratorsSid) ||
		(self != nil && owner.Equals(self))
}

// accountName is DOMAIN\user for sid when Windows can name it, else the
// SID string.
func accountName(sid *windows.SID) string {
	user, domain, _, err := sid.LookupAccount("")
	if err != nil {
		return sid.String()
	}
	return domain + `\` + user + " (" + sid.String() + ")"
}
