package logs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// logFile is one file of ours found in the directory.
type logFile struct {
	path string
	size int64
	when time.Time // rotation time from the name, else mtime
	live bool
}

// enforce deletes whatever breaks the caps: anything older than MaxAge, then
// the oldest backups until the total fits retainBudget. Live files are never
// deleted while fresh, because lumberjack holds them open; an idle live file
// older than MaxAge is closed and removed, and lumberjack recreates it on the
// next write. It also repairs file modes. d.mu must be held.
func (d *Dir) enforce() error {
	d.sinceCheck = 0
	now := d.now()
	d.lastCheck = now
	files, err := d.scan()
	if err != nil {
		return err
	}
	var errs []error
	cutoff := now.Add(-MaxAge)
	kept := files[:0]
	for _, f := range files {
		if !f.when.Before(cutoff) {
			kept = append(kept, f)
			continue
		}
		if f.live {
			l := d.conn
			if filepath.Base(f.path) == diagBase+diagExt {
				l = d.diag
			}
			if err := l.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close aged log: %w", err))
			}
		}
		if err := remove(f.path); err != nil {
			errs = append(errs, err)
		}
	}
	var total int64
	var backups []logFile
	for _, f := range kept {
		total += f.size
		if !f.live {
			backups = append(backups, f)
		}
	}
	sort.Slice(backups, func(i, j int) bool { return backups[i].when.Before(backups[j].when) })
	for _, f := range backups {
		if total <= retainBudget {
			break
		}
		if err := remove(f.path); err != nil {
			errs = append(errs, err)
			continue
		}
		total -= f.size
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("enforce log caps: %w", err)
	}
	return nil
}

// scan lists the directory's files that belong to our two logs, fixing
// modes on the way.
func (d *Dir) scan() ([]logFile, error) {
	entries, err := os.ReadDir(d.path)
	if err != nil {
		return nil, fmt.Errorf("list log dir: %w", err)
	}
	var out []logFile
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		name := e.Name()
		stamp, live, ok := parseName(name)
		if !ok {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed by lumberjack's compressor meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("stat log file: %w", err)
		}
		p := filepath.Join(d.path, name)
		if info.Mode().Perm() != fileMode {
			if err := os.Chmod(p, fileMode); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("chmod log file: %w", err)
			}
		}
		if stamp.IsZero() {
			stamp = info.ModTime()
		}
		out = append(out, logFile{path: p, size: info.Size(), when: stamp, live: live})
	}
	return out, nil
}

// parseName recognises our live files and lumberjack's backups of them. A
// backup whose time cannot be parsed is still ours; its mtime stands in.
func parseName(name string) (stamp time.Time, live, ok bool) {
	for _, l := range [...]struct{ base, ext string }{{connBase, connExt}, {diagBase, diagExt}} {
		if name == l.base+l.ext {
			return time.Time{}, true, true
		}
		rest, found := strings.CutPrefix(name, l.base+"-")
		if !found {
			continue
		}
		rest = strings.TrimSuffix(rest, ".gz")
		rest, found = strings.CutSuffix(rest, l.ext)
		if !found {
			continue
		}
		t, err := time.Parse(backupTimeFormat, rest)
		if err != nil {
			return time.Time{}, false, true
		}
		return t, false, true
	}
	return time.Time{}, false, false
}

func remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", filepath.Base(path), err)
	}
	return nil
}
