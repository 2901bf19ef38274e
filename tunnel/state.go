package tunnel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/netcfg"
)

// stateFile is what a crash would leave to undo: written after each Apply,
// removed after the Revert that undoes it. If the service dies in between
// (SIGKILL, power loss), Recover finds the file on the next start. The TUN
// device vanishes with the process that held it, taking its own routes and
// addresses along; what survives are changes on other interfaces, such as
// the host route that keeps the VPN server outside the tunnel.
type stateFile struct {
	Profile string          `json:"profile"`
	PID     int             `json:"pid"`
	Time    time.Time       `json:"time"`
	Applied *netcfg.Applied `json:"applied"`
}

const stateSuffix = ".tunnel.json"

func (m *Manager) statePath(name string) string {
	return filepath.Join(m.cfg.StateDir, url.PathEscape(name)+stateSuffix)
}

func (m *Manager) saveState(name string, a *netcfg.Applied) error {
	if m.cfg.StateDir == "" {
		return nil
	}
	data, err := json.MarshalIndent(stateFile{Profile: name, PID: os.Getpid(), Time: time.Now().UTC(), Applied: a}, "", "  ")
	if err != nil {
		return fmt.Errorf("record network changes: %w", err)
	}
	if err := logs.PrepareDir(m.cfg.StateDir); err != nil {
		return fmt.Errorf("record network changes: state dir: %w", err)
	}
	path := m.statePath(name)
	tmp := path + ".tmp"
	if err := writeNew(tmp, data); err != nil {
		return fmt.Errorf("record network changes: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("record network changes: %w", err)
	}
	return nil
}

func (m *Manager) dropState(name string) {
	if m.cfg.StateDir == "" {
		return
	}
	if err := os.Remove(m.statePath(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		m.logf("remove %s: %v", m.statePath(name), err)
	}
}

// Recover undoes the network changes recorded by a previous run that did
// not finish cleanly, and returns what it undid, one line per tunnel. Call
// it once at start, before any Connect. Records of a cvpn process that is
// still running (the service, while a connect --foreground starts) are
// left alone. A record that cannot be undone
// stays on disk for the next start and is reported in the error.
func (m *Manager) Recover() ([]string, error) {
	if m.cfg.StateDir == "" {
		return nil, nil
	}
	// Root acts on what it finds here: only its own directory and its
	// own records count (logs.PrepareDir, readRecord).
	if err := logs.PrepareDir(m.cfg.StateDir); err != nil {
		return nil, fmt.Errorf("recover: state dir: %w", err)
	}
	entries, err := os.ReadDir(m.cfg.StateDir)
	if err != nil {
		return nil, fmt.Errorf("recover: %w", err)
	}
	var done []string
	var errs []error
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(m.cfg.StateDir, name)
		if strings.HasSuffix(name, stateSuffix+".tmp") {
			_ = os.Remove(path) // a write that never finished: nothing was recorded
			continue
		}
		if !strings.HasSuffix(name, stateSuffix) {
			continue
		}
		data, err := readRecord(path)
		if err != nil {
			// Left in place: it is evidence, and the error says what to do.
			errs = append(errs, fmt.Errorf("recover %s: %w", path, err))
			continue
		}
		var sf stateFile
		if err := json.Unmarshal(data, &sf); err != nil || sf.Applied == nil {
			// Unreadable records cannot be acted on; keeping them would
			// fail every start. Say so and move on.
			m.logf("recover: ignoring unreadable %s: %v", path, err)
			_ = os.Remove(path)
			continue
		}
		if ownerRunning(sf.PID) {
			// A running service and a connect --foreground share the
			// directory: a live owner's tunnel is not a crash.
			m.logf("recover: leaving %s: its owner, process %d, is still running", path, sf.PID)
			continue
		}
		if err := m.cfg.Hooks.Revert(sf.Applied, m.logf); err != nil {
			errs = append(errs, fmt.Errorf("recover tunnel %s: %w", sf.Profile, err))
			continue
		}
		_ = os.Remove(path)
		line := fmt.Sprintf("undid the network changes of %q left by process %d (%s): %d routes, %d addresses",
			sf.Profile, sf.PID, sf.Time.Format(time.RFC3339), len(sf.Applied.Routes), len(sf.Applied.Addresses))
		m.logf("recover: %s", line)
		done = append(done, line)
	}
	return done, errors.Join(errs...)
}

// writeNew writes data to a new file at path, 0600. O_EXCL never follows a
// link and never reuses a file: a leftover (a write that never finished)
// is removed first, and removing a link removes only the link.
func writeNew(path string, data []byte) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}

// maxRecord bounds what Recover reads: a real record is a few KB, DNS
// originals included.
const maxRecord = 1 << 20

// readRecord reads a state record only if this process's user (root)
// wrote it: a regular file, not a link, with no other names, owned by us
// and writable by no one else (logs.OpenNoFollow; the mode is not checked
// on Windows, where the directory's ACL decides).
func readRecord(path string) ([]byte, error) {
	f, err := logs.OpenNoFollow(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o022 != 0 {
		return nil, fmt.Errorf("%w: %s is writable by group or others (mode %04o), so someone else may have written it; "+
			"check it, then remove it", logs.ErrUnsafePath, path, fi.Mode().Perm())
	}
	if fi.Size() > maxRecord {
		return nil, fmt.Errorf("%s is %d bytes, more than a state record can be; check it, then remove it", path, fi.Size())
	}
	return io.ReadAll(io.LimitReader(f, maxRecord))
}
