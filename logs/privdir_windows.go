package logs

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// PrepareDir creates dir if missing and refuses it when it is a link or a
// junction. On Windows, ownership and write access are the ACL's: the
// installer creates %ProgramData%\cvpn with an ACL for SYSTEM and
// Administrators only, so owners and modes are not checked here.
func PrepareDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("prepare %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", abs, err)
	}
	fi, err := os.Lstat(abs)
	if err != nil {
		return fmt.Errorf("prepare %s: %w", abs, err)
	}
	if !fi.IsDir() || fi.Mode()&(fs.ModeSymlink|fs.ModeIrregular) != 0 {
		return fmt.Errorf("%w: %s is a link or junction (%v), which the cvpn service does not follow; "+
			"replace it with a real folder", ErrUnsafePath, abs, fi.Mode().Type())
	}
	return nil
}

// OpenNoFollow opens path with flag after refusing a link or junction
// there. Windows has no O_NOFOLLOW; the check and the open are two steps,
// which the directory's ACL (SYSTEM and Administrators only) makes safe.
func OpenNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file (%v); check what planted it, then remove it",
			ErrUnsafePath, path, fi.Mode().Type())
	}
	f, err := os.OpenFile(path, flag, perm)
	if err != nil {
		return nil, err
	}
	if err := CheckOwnFile(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// CheckOwnFile refuses an open file that is not a regular file.
func CheckOwnFile(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", f.Name(), err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file (%v); remove it", ErrUnsafePath, f.Name(), fi.Mode().Type())
	}
	return nil
}
