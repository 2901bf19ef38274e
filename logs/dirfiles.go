package logs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// claimFiles checks every file of our two logs already in dir, because
// lumberjack opens, renames and chowns them by name, following links. The
// files it creates later are safe without this: after PrepareDir only this
// user can add entries to dir, so what is checked here stays true while
// the service runs.
func claimFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list log dir: %w", err)
	}
	for _, e := range entries {
		if _, _, ok := parseName(e.Name()); !ok {
			continue
		}
		f, err := OpenNoFollow(filepath.Join(dir, e.Name()), os.O_RDONLY, 0)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("log file: %w", err)
		}
		f.Close()
	}
	return nil
}
