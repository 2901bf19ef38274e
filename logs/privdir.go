package logs

import "errors"

// The service writes, as root, into its log and state directories. A link
// or a file another user planted there would turn "append a log line" or
// "chmod 0600" into root writing to, or changing the mode of, whatever the
// plant points at; a planted crash-recovery record would have root undo
// network changes of the attacker's choosing. So those directories must be
// root's alone — and so must every directory above them, or another user
// could swap them — and their files are opened without following links.
//
// PrepareDir, OpenNoFollow and CheckOwnFile implement that for logs/ and
// for the tunnel manager's state records; their rules are per OS
// (privdir_unix.go, privdir_windows.go).

// ErrUnsafePath is wrapped by errors of PrepareDir, OpenNoFollow and
// CheckOwnFile, and so by Open's, when a path is a link, is not a regular
// file or directory, or belongs to or is writable by another user. The
// message names the path and how to fix it.
var ErrUnsafePath = errors.New("unsafe path")
