//go:build !windows

package logs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// PrepareDir creates dir (mode 0700) if missing and makes sure it is safe
// for this process to write in: dir itself is a real directory (not a
// link), owned by this process's user (root, for the service) and writable
// by no one else; a looser mode that gives no one else write access (0755)
// is tightened to 0700. Every directory above it belongs to root or this
// user and is writable by no one else, unless sticky (like /tmp), so that
// nobody can rename dir away and put another in its place.
func PrepareDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("prepare %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", abs, err)
	}
	if err := checkAncestors(abs); err != nil {
		return err
	}
	fi, err := os.Lstat(abs)
	if err != nil {
		return fmt.Errorf("prepare %s: %w", abs, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, _ := os.Readlink(abs)
		return fmt.Errorf("%w: %s is a symbolic link (to %s), and the cvpn service does not follow links in its directories; "+
			"replace it with a real directory: rm %s && mkdir -m 700 %s", ErrUnsafePath, abs, target, abs, abs)
	}
	fd, err := unix.Open(abs, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("%w: open %s: %v", ErrUnsafePath, abs, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat %s: %w", abs, err)
	}
	if euid := os.Geteuid(); int(st.Uid) != euid {
		return fmt.Errorf("%w: %s is owned by uid %d, not %s; another user could plant links in it. "+
			"Check its contents, then: chown %s %s", ErrUnsafePath, abs, st.Uid, uidName(euid), chownArg(euid), abs)
	}
	perm := uint32(st.Mode) & 0o7777
	if perm&0o022 != 0 {
		return fmt.Errorf("%w: %s is writable by group or others (mode %04o); another user could have planted links in it. "+
			"Check its contents, then: chmod 700 %s", ErrUnsafePath, abs, perm, abs)
	}
	if perm != 0o700 {
		// Through the descriptor, so it is this directory that changes.
		if err := unix.Fchmod(fd, 0o700); err != nil {
			return fmt.Errorf("chmod %s: %w", abs, err)
		}
	}
	return nil
}

// checkAncestors applies PrepareDir's rule to every directory above dir.
// Links among them (like /var/run → /run) are followed: it is the
// directory they lead to that must be safe.
func checkAncestors(dir string) error {
	euid := os.Geteuid()
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("stat %s: %w", p, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return fmt.Errorf("%w: cannot read the owner of %s", ErrUnsafePath, p)
		}
		sticky := fi.Mode()&fs.ModeSticky != 0
		switch {
		case st.Uid != 0 && int(st.Uid) != euid:
			return fmt.Errorf("%w: %s, a parent of %s, is owned by uid %d, who could replace what is inside it; "+
				"keep the cvpn directories under directories that only root owns", ErrUnsafePath, p, dir, st.Uid)
		case !sticky && fi.Mode().Perm()&0o002 != 0,
			!sticky && fi.Mode().Perm()&0o020 != 0 && !trustedGroup(st.Gid):
			return fmt.Errorf("%w: %s, a parent of %s, is writable by others (mode %04o), who could replace what is inside it; "+
				"chmod go-w %s, or move the cvpn directories elsewhere", ErrUnsafePath, p, dir, fi.Mode().Perm(), p)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// trustedGroup: members of these groups are administrators already (wheel
// or root; admin on macOS, where /Library/Logs is root:admin 0775).
func trustedGroup(gid uint32) bool {
	return gid == 0 || runtime.GOOS == "darwin" && gid == 80
}

// OpenNoFollow opens path with flag, refusing (ErrUnsafePath) when path is
// a symbolic link, and checks the result with CheckOwnFile. New files get
// perm.
func OpenNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|unix.O_NOFOLLOW|unix.O_NONBLOCK, perm)
	if err != nil {
		if errors.Is(err, unix.ELOOP) {
			target, _ := os.Readlink(path)
			return nil, fmt.Errorf("%w: %s is a symbolic link (to %s), which the cvpn service does not follow; "+
				"check what planted it, then remove it", ErrUnsafePath, path, target)
		}
		return nil, err
	}
	if err := CheckOwnFile(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// CheckOwnFile refuses (ErrUnsafePath) an open file that is not a regular
// file, not owned by this process's user, or has other names (a hard link
// someone made to a file elsewhere).
func CheckOwnFile(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", f.Name(), err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file (%v); remove it", ErrUnsafePath, f.Name(), fi.Mode().Type())
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%w: cannot read the owner of %s", ErrUnsafePath, f.Name())
	}
	if euid := os.Geteuid(); int(st.Uid) != euid {
		return fmt.Errorf("%w: %s is owned by uid %d, not %s; check what planted it, then remove it",
			ErrUnsafePath, f.Name(), st.Uid, uidName(euid))
	}
	if st.Nlink != 1 {
		return fmt.Errorf("%w: %s has %d hard links, so it may be another file under a second name; "+
			"check what planted it, then remove it", ErrUnsafePath, f.Name(), st.Nlink)
	}
	return nil
}

func uidName(uid int) string {
	if uid == 0 {
		return "root"
	}
	return fmt.Sprintf("uid %d (this process)", uid)
}

func chownArg(uid int) string {
	if uid == 0 {
		return "root:root"
	}
	return fmt.Sprint(uid)
}
