package netcfg

// The resolv.conf fallback: with no per-link resolver to talk to, the
// tunnel's servers and search list replace the nameserver and search lines
// of /etc/resolv.conf, as OpenVPN's update-resolv-conf does, and the exact
// original comes back on Revert.
//
//	Apply:  read original ─▶ render new bytes ─▶ Checkpoint(Applied with both)
//	        ─▶ write (temp file + rename; in place when the path is a bind
//	           mount and rename fails with EBUSY)
//	Revert: file == Written? ─▶ restore Original (or the symlink) the same way
//	        otherwise it is someone else's now (or was never changed): leave it
//
// A symlinked resolv.conf (resolvconf, NetworkManager, systemd-resolved) is
// replaced by a regular file while connected and the link itself is put
// back on Revert; its target is never written, so the program managing it
// finds its own file untouched.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// resolvConf edits one resolv.conf; tests point it at a temp dir. If
// resolved is set and finds systemd-resolved running, DNS is set there
// instead.
type resolvConf struct {
	path     string
	resolved func() (resolvedOps, error)
	// resolvconf, if set, finds a resolvconf(8) that manages path, or
	// says why there is none.
	resolvconf func(path string) (*resolvconfProg, string)
}

var systemResolvConf = resolvConf{path: "/etc/resolv.conf", resolved: connectResolved, resolvconf: findResolvconf}

// applyDNS changes DNS as cfg.DNS asks and records it in done.DNS. A nil
// cfg.DNS changes nothing.
func applyDNS(rc resolvConf, cfg Config, done *Applied, logf Logf) error {
	if cfg.DNS == nil {
		return nil
	}
	if rc.resolved != nil {
		r, err := rc.resolved()
		if err == nil {
			defer r.Close()
			ifc, err := net.InterfaceByName(cfg.Interface)
			if err != nil {
				return fmt.Errorf("set dns: %w", err)
			}
			err = applyResolved(r, cfg.Interface, ifc.Index, cfg.DNS, done, logf)
			if done.DNS != nil {
				done.DNS.Set = cfg.DNS
			}
			return err
		}
		if !errors.Is(err, fs.ErrNotExist) {
			logf.printf("systemd-resolved not usable (%v); setting DNS in %s", err, rc.path)
		}
	}
	if rc.resolvconf != nil {
		p, why := rc.resolvconf(rc.path)
		switch {
		case p != nil:
			err := applyResolvconf(p, cfg, done, logf)
			if err == nil {
				return nil
			}
			logf.printf("%v; writing %s instead", err, rc.path)
		case why != "no resolvconf program":
			logf.printf("not using resolvconf: %s", why)
		}
	}
	rec, err := rc.prepare(cfg.Interface, cfg.DNS, logf)
	if err != nil {
		return fmt.Errorf("set dns: %w", err)
	}
	done.DNS = rec
	if cfg.Checkpoint != nil {
		// The original must be on disk before it is overwritten: a crash
		// between the write and the caller's own save would lose it.
		if err := cfg.Checkpoint(done); err != nil {
			done.DNS = nil
			return fmt.Errorf("set dns: record the original %s before changing it: %w", rc.path, err)
		}
	}
	if err := rc.write(rec, rec.Written, 0); err != nil {
		return fmt.Errorf("set dns: %w", err)
	}
	how := ""
	if rec.InPlace {
		how = " (in place: it is a mount point)"
	}
	if rec.Symlink != "" {
		how = fmt.Sprintf(" (replacing the symlink to %s until disconnect)", rec.Symlink)
	}
	logf.printf("dns %v written to %s%s", cfg.DNS, rc.path, how)
	return nil
}

// prepare reads the current resolv.conf and renders the new one.
func (rc resolvConf) prepare(iface string, d *DNS, logf Logf) (*AppliedDNS, error) {
	rec := &AppliedDNS{Mode: modeResolvConf, Path: rc.path, Perm: 0o644}
	fi, err := os.Lstat(rc.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	case fi.Mode()&fs.ModeSymlink != 0:
		rec.Existed = true
		if rec.Symlink, err = os.Readlink(rc.path); err != nil {
			return nil, err
		}
		if st, err := os.Stat(rc.path); err == nil {
			rec.Perm = uint32(st.Mode().Perm())
		}
		// A dangling link reads as empty: there is nothing to keep.
		if rec.Original, err = os.ReadFile(rc.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	case fi.Mode().IsRegular():
		rec.Existed = true
		rec.Perm = uint32(fi.Mode().Perm())
		if rec.Original, err = os.ReadFile(rc.path); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%s is not a regular file (%v)", rc.path, fi.Mode().Type())
	}
	rec.Written = renderResolvConf(iface, d, rec.Original, logf)
	return rec, nil
}

// renderResolvConf is the tunnel's resolv.conf: its servers (or, if it has
// none resolv.conf can express, the original ones), its search domains
// before the original ones, and the original options lines.
func renderResolvConf(iface string, d *DNS, orig []byte, logf Logf) []byte {
	var servers, search, options []string
	for _, s := range d.Servers {
		if s.Port() != 0 && s.Port() != 53 {
			logf.printf("dns server %v skipped: resolv.conf cannot name a port", s)
			continue
		}
		servers = append(servers, s.Addr().String())
	}
	keepServers := len(servers) == 0
	search = append(search, d.SearchDomains...)
	for _, line := range strings.Split(string(orig), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if keepServers {
				servers = append(servers, f[1])
			}
		case "search", "domain":
			search = append(search, f[1:]...)
		case "options":
			options = append(options, strings.Join(f[1:], " "))
		}
	}
	if d.OverTLS || d.DNSSEC != "" {
		logf.printf("dns over TLS and DNSSEC need systemd-resolved; the tunnel's servers are asked in plain DNS through the tunnel")
	}
	if len(d.RouteDomains) > 0 && !d.Default {
		logf.printf("dns routing domains %v: resolv.conf cannot route by name, so every query goes to the tunnel's servers", d.RouteDomains)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Written by cvpn for %s; the previous file comes back on disconnect.\n", iface)
	for _, s := range servers {
		fmt.Fprintf(&b, "nameserver %s\n", s)
	}
	if search = dedupe(search); len(search) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(search, " "))
	}
	for _, o := range options {
		fmt.Fprintf(&b, "options %s\n", o)
	}
	return b.Bytes()
}

func dedupe(list []string) []string {
	seen := make(map[string]bool, len(list))
	out := list[:0:0]
	for _, s := range list {
		k := strings.ToLower(strings.TrimSuffix(s, "."))
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// write puts data at rec.Path: a temp file renamed over it, or, when the
// path is a mount point (rename fails with EBUSY), truncated and rewritten
// in place. perm 0 means rec.Perm.
func (rc resolvConf) write(rec *AppliedDNS, data []byte, perm fs.FileMode) error {
	if perm == 0 {
		perm = fs.FileMode(rec.Perm).Perm()
	}
	err := replaceFile(rec.Path, data, perm)
	if err == nil || !errors.Is(err, syscall.EBUSY) {
		return err
	}
	rec.InPlace = true
	return writeInPlace(rec.Path, data)
}

func replaceFile(path string, data []byte, perm fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".cvpn-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

func writeInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func replaceWithSymlink(path, target string) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".cvpn-link")
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// revertDNS undoes a.DNS if the file still holds what cvpn wrote.
func revertDNS(a *Applied, logf Logf) error {
	rec := a.DNS
	if rec == nil {
		return nil
	}
	switch rec.Mode {
	case modeResolvConf:
	case modeResolvconf8:
		return revertResolvconf(rec, runProgram, logf)
	case modeResolved:
		r, err := connectResolved()
		if err != nil {
			logf.printf("systemd-resolved is gone (%v), and the DNS settings of %s with it", err, rec.Link)
			return nil
		}
		defer r.Close()
		return revertResolved(r, rec, interfaceName, logf)
	default:
		return fmt.Errorf("restore dns: unknown mode %q", rec.Mode)
	}
	path := rec.Path
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if rec.Existed {
			logf.printf("%s was removed since cvpn wrote it; leaving it so", path)
		}
		return nil
	case err != nil:
		return fmt.Errorf("restore %s: %w", path, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		if target, _ := os.Readlink(path); target == rec.Symlink {
			logf.printf("%s is unchanged; nothing to restore", path)
		} else {
			logf.printf("%s was replaced by another program since cvpn wrote it; leaving it as it is", path)
		}
		return nil
	}
	cur, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("restore %s: %w", path, err)
	}
	if !bytes.Equal(cur, rec.Written) {
		if rec.Existed && rec.Symlink == "" && bytes.Equal(cur, rec.Original) {
			logf.printf("%s is unchanged; nothing to restore", path)
		} else {
			logf.printf("%s was changed by another program since cvpn wrote it; leaving it as it is", path)
		}
		return nil
	}
	switch {
	case rec.Symlink != "":
		err = replaceWithSymlink(path, rec.Symlink)
	case !rec.Existed:
		err = os.Remove(path)
	default:
		err = resolvConf{path: path}.write(rec, rec.Original, 0)
	}
	if err != nil {
		return fmt.Errorf("restore %s: %w", path, err)
	}
	logf.printf("restored %s", path)
	return nil
}
