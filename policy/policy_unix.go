//go:build linux || darwin

package policy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// owner is the uid a policy file must belong to; tests change it.
var owner uint32

// readTrusted reads the policy file at path, or returns nil data for a
// missing one. The file must be a regular file owned by root and writable
// by root alone: anyone else who can write it could lock every user's
// settings to their own choices (a browser command of theirs, say) or
// lift the administrator's rules.
func readTrusted(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read policy %s: %w; %s", path, err, errFix)
	}
	defer f.Close()
	// Checked on the open file, so it cannot be swapped after the check.
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read policy %s: %w; %s", path, err, errFix)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read policy %s: not a regular file; the administrator must make it one; %s", path, errFix)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); !ok || sys.Uid != owner {
		uid := -1
		if ok {
			uid = int(sys.Uid)
		}
		return nil, fmt.Errorf("read policy %s: owned by uid %d, not root, so it cannot be trusted; the administrator must run chown root %s; %s",
			path, uid, path, errFix)
	}
	if perm := st.Mode().Perm(); perm&0o022 != 0 {
		return nil, fmt.Errorf("read policy %s: writable by group or others (mode %04o), so it cannot be trusted; the administrator must run chmod go-w %s; %s",
			path, perm, path, errFix)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read policy %s: %w; %s", path, err, errFix)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}
