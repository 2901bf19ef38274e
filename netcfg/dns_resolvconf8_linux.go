package netcfg

// resolvconf(8): on a machine without systemd-resolved whose resolv.conf
// is managed by resolvconf — Debian's resolvconf package (resolv.conf a
// symlink into /run/resolvconf) or openresolv (which writes resolv.conf
// itself) — cvpn hands its lines to resolvconf as a record of its own
// instead of writing the file, as OpenVPN's update-resolv-conf does.
// resolvconf then merges them with every other interface's and keeps its
// own file current; writing the file behind its back would be undone at
// the next DHCP renewal.
//
//	Apply:  Checkpoint(record name) ─▶ resolvconf -a NAME < lines
//	Revert: resolvconf -d NAME   (also after a crash: the record names it)
//
// The record is named after the device ("tun0.cvpn"), so resolvconf's
// default interface order, which puts tun* before Ethernet and Wi-Fi,
// ranks the tunnel's servers first. openresolv also takes -m 0 (first
// whatever the name) and, for a full tunnel, -x (only the tunnel's
// servers); Debian's resolvconf has neither, and merges the tunnel's
// servers first for tun* names.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

const modeResolvconf8 = "resolvconf"

// resolvconfProg is the resolvconf program found on this machine.
type resolvconfProg struct {
	path       string
	openresolv bool
	// run runs the program with args and stdin; tests replace it.
	run func(stdin []byte, args ...string) ([]byte, error)
}

// runProgram runs path with a deadline: resolvconf runs hook scripts,
// and a stuck one must not hang a connect.
func runProgram(path string) func(stdin []byte, args ...string) ([]byte, error) {
	return func(stdin []byte, args ...string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, path, args...)
		cmd.Stdin = bytes.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return out, fmt.Errorf("%s %s: %w: %s", path, strings.Join(args, " "), err, bytes.TrimSpace(out))
		}
		return out, nil
	}
}

// findResolvconf returns the resolvconf to use for resolvPath, or nil and
// why not. It must be openresolv, or Debian's resolvconf with resolvPath
// linked to the file it generates: otherwise nothing would carry its
// output into resolvPath.
func findResolvconf(resolvPath string) (*resolvconfProg, string) {
	var path string
	for _, p := range []string{"/usr/sbin/resolvconf", "/sbin/resolvconf"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			path = p
			break
		}
	}
	if path == "" {
		return nil, "no resolvconf program"
	}
	if real, err := filepath.EvalSymlinks(path); err == nil && filepath.Base(real) == "resolvectl" {
		return nil, "resolvconf is systemd's resolvectl, and systemd-resolved is not running"
	}
	p := &resolvconfProg{path: path, run: runProgram(path)}
	return classifyResolvconf(p, resolvPath)
}

// classifyResolvconf decides whether p manages resolvPath.
func classifyResolvconf(p *resolvconfProg, resolvPath string) (*resolvconfProg, string) {
	if out, err := p.run(nil, "--version"); err == nil && strings.HasPrefix(strings.TrimSpace(string(out)), "openresolv") {
		p.openresolv = true
		return p, ""
	}
	if target, err := filepath.EvalSymlinks(resolvPath); err == nil {
		for _, dir := range debianResolvconfDirs {
			if strings.HasPrefix(target, dir) {
				return p, ""
			}
		}
	}
	return nil, fmt.Sprintf("%s is installed but %s is not its file", p.path, resolvPath)
}

// debianResolvconfDirs hold the resolv.conf Debian's resolvconf
// generates; /etc/resolv.conf links there when resolvconf manages it.
var debianResolvconfDirs = []string{"/run/resolvconf/", "/etc/resolvconf/run/"}

// resolvconfRecord names the tunnel's record: tun* devices keep their
// name so that resolvconf's interface order puts them first.
func resolvconfRecord(iface string) string {
	if strings.HasPrefix(iface, "tun") {
		return iface + ".cvpn"
	}
	return "tun." + iface + ".cvpn"
}

// applyResolvconf hands the tunnel's resolver lines to p.
func applyResolvconf(p *resolvconfProg, cfg Config, done *Applied, logf Logf) error {
	name := resolvconfRecord(cfg.Interface)
	lines := renderResolvConf(cfg.Interface, cfg.DNS, nil, logf)
	done.DNS = &AppliedDNS{Mode: modeResolvconf8, Path: p.path, Link: name, Written: lines}
	if cfg.Checkpoint != nil {
		if err := cfg.Checkpoint(done); err != nil {
			done.DNS = nil
			return fmt.Errorf("set dns: record the resolvconf entry before adding it: %w", err)
		}
	}
	args := []string{"-a", name}
	if p.openresolv {
		args = append(args, "-m", "0")
		if cfg.DNS.Default {
			args = append(args, "-x")
		}
	}
	if _, err := p.run(lines, args...); err != nil {
		// resolvconf may have half-applied; -d is harmless if not.
		_ = deleteResolvconf(p, name)
		done.DNS = nil
		return fmt.Errorf("set dns through resolvconf: %w", err)
	}
	logf.printf("dns %v given to %s as %s", cfg.DNS, p.path, name)
	return nil
}

func deleteResolvconf(p *resolvconfProg, name string) error {
	args := []string{"-d", name}
	if p.openresolv {
		args = append(args, "-f") // a record already gone is not an error
	}
	_, err := p.run(nil, args...)
	return err
}

// revertResolvconf removes the record rec names. The program is the one
// that was used, found again by path; if it was uninstalled since, its
// records went with it.
func revertResolvconf(rec *AppliedDNS, run func(path string) func([]byte, ...string) ([]byte, error), logf Logf) error {
	if _, err := os.Stat(rec.Path); errors.Is(err, os.ErrNotExist) {
		logf.printf("%s is gone, and the record %s with it", rec.Path, rec.Link)
		return nil
	}
	p := &resolvconfProg{path: rec.Path, run: run(rec.Path)}
	if out, err := p.run(nil, "--version"); err == nil && strings.HasPrefix(strings.TrimSpace(string(out)), "openresolv") {
		p.openresolv = true
	}
	if err := deleteResolvconf(p, rec.Link); err != nil {
		return fmt.Errorf("restore dns: remove resolvconf record %s: %w", rec.Link, err)
	}
	logf.printf("removed resolvconf record %s", rec.Link)
	return nil
}
