package ipc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"time"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// pipeSDDL is the security descriptor of the service's named pipe:
//
//	D:P                 a protected DACL: nothing is inherited, only these entries apply
//	(A;;GA;;;SY)        LocalSystem (the service itself): full access
//	(A;;GA;;;BA)        Administrators (elevated tokens only; a UAC-filtered
//	                    token carries BA as deny-only): full access
//	(A;;0x12019b;;;IU)  Interactive users (console and RDP logons): read and
//	                    write, which is FILE_GENERIC_READ (0x120089) plus
//	                    FILE_WRITE_DATA (0x2), FILE_WRITE_EA (0x10) and
//	                    FILE_WRITE_ATTRIBUTES (0x100), but not
//	                    FILE_APPEND_DATA (0x4): on a pipe that bit is
//	                    FILE_CREATE_PIPE_INSTANCE, and granting it (GENERIC_WRITE
//	                    would) lets a user create rogue server instances of
//	                    \\.\pipe\cvpn and answer other users' clients.
//
// Anyone else (services running as other accounts, batch logons) is denied
// by omission. Remote clients are refused regardless: go-winio creates the
// pipe with FILE_PIPE_REJECT_REMOTE_CLIENTS.
const pipeSDDL = "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;0x12019b;;;IU)"

// clientAccess is what Dial asks for: within the IU entry above, so an
// unelevated user can connect. winio's DialPipeContext asks for
// GENERIC_WRITE, which includes FILE_CREATE_PIPE_INSTANCE and would be denied.
const clientAccess = windows.GENERIC_READ | windows.FILE_WRITE_DATA | windows.FILE_WRITE_ATTRIBUTES | windows.SYNCHRONIZE

// defaultDialTimeout bounds Dial when ctx has no deadline: winio retries a
// busy pipe until the context ends.
const defaultDialTimeout = 10 * time.Second

// Listen creates the named pipe addr with pipeSDDL. It fails, wrapping
// ErrAlreadyRunning, when the pipe already exists: go-winio creates the first
// instance with FILE_CREATE, which is FILE_FLAG_FIRST_PIPE_INSTANCE, so a
// second service (or a squatter holding the name) is detected rather than
// joined.
//
// The listener must run as LocalSystem or an elevated administrator: every
// Accept creates a new pipe instance, which needs FILE_CREATE_PIPE_INSTANCE,
// granted by pipeSDDL to those two only.
func Listen(addr string) (net.Listener, error) {
	l, err := winio.ListenPipe(addr, &winio.PipeConfig{
		SecurityDescriptor: pipeSDDL,
		InputBufferSize:    64 << 10,
		OutputBufferSize:   64 << 10,
	})
	if err != nil {
		if errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_PIPE_BUSY) ||
			errors.Is(err, windows.ERROR_ALREADY_EXISTS) || errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("listen %s: %w (the pipe exists: %w)", addr, ErrAlreadyRunning, err)
		}
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return l, nil
}

// Dial connects to the named pipe addr. When the pipe does not exist the
// error wraps ErrNotRunning; when it was not created by LocalSystem or
// Administrators (or the caller's own user) the error wraps ErrImpostor and
// the connection is closed unused (see checkServer). It dials at the
// anonymous impersonation level (winio's default for DialPipeAccess), so
// even a squatter that gets a connection cannot act as the caller.
func Dial(ctx context.Context, addr string) (net.Conn, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultDialTimeout)
		defer cancel()
	}
	c, err := winio.DialPipeAccess(ctx, addr, clientAccess)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %w", ErrNotRunning, err)
		}
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	if err := checkServer(c, addr); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// peerOf identifies the client of a pipe connection from its process: the
// pipe records the client's process id when it connects; the service
// (LocalSystem) opens that process and reads its token's user and elevation.
//
// The pid is looked up after the fact, so a client that connects and exits
// at once could, in principle, leave its pid to be reused by another
// process before the lookup. Windows does not reuse a pid while a handle to
// the process is open, and the window is tiny; callers that need more should
// have the client dial at SecurityIdentification and use
// ImpersonateNamedPipeClient after reading its request.
func peerOf(c net.Conn) (Peer, error) {
	f, ok := c.(interface{ Fd() uintptr })
	if !ok {
		return Peer{}, fmt.Errorf("peer credentials: %T is not a named pipe connection", c)
	}
	var pid uint32
	if err := windows.GetNamedPipeClientProcessId(windows.Handle(f.Fd()), &pid); err != nil {
		return Peer{}, fmt.Errorf("peer credentials: client process id: %w", err)
	}
	proc, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return Peer{}, fmt.Errorf("peer credentials: open process %d: %w", pid, err)
	}
	defer windows.CloseHandle(proc)
	var tok windows.Token
	if err := windows.OpenProcessToken(proc, windows.TOKEN_QUERY|windows.TOKEN_DUPLICATE, &tok); err != nil {
		return Peer{}, fmt.Errorf("peer credentials: open token of process %d: %w", pid, err)
	}
	defer tok.Close()
	user, err := tok.GetTokenUser()
	if err != nil {
		return Peer{}, fmt.Errorf("peer credentials: token user of process %d: %w", pid, err)
	}
	admin, err := tokenIsAdmin(tok, user.User.Sid)
	if err != nil {
		return Peer{}, fmt.Errorf("peer credentials: process %d: %w", pid, err)
	}
	return Peer{UID: -1, PID: int(pid), SID: user.User.Sid.String(), Admin: admin}, nil
}

// tokenIsAdmin reports whether tok is LocalSystem's, or is elevated and has
// Administrators enabled. A UAC-filtered admin token is not: it carries
// Administrators only as a deny-only group.
func tokenIsAdmin(tok windows.Token, user *windows.SID) (bool, error) {
	if user.IsWellKnown(windows.WinLocalSystemSid) {
		return true, nil
	}
	if !tok.IsElevated() {
		return false, nil
	}
	admins, err := windows.CreateWellKnownSid(windows.WinBuiltinAdministratorsSid)
	if err != nil {
		return false, fmt.Errorf("administrators sid: %w", err)
	}
	// CheckTokenMembership wants an impersonation token; a process token
	// is a primary one.
	var imp windows.Token
	if err := windows.DuplicateTokenEx(tok, windows.TOKEN_QUERY, nil,
		windows.SecurityIdentification, windows.TokenImpersonation, &imp); err != nil {
		return false, fmt.Errorf("duplicate token: %w", err)
	}
	defer imp.Close()
	member, err := imp.IsMember(admins)
	if err != nil {
		return false, fmt.Errorf("check administrators membership: %w", err)
	}
	return member, nil
}
