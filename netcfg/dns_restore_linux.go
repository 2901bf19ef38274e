package netcfg

import (
	"errors"
	"fmt"
	"net"
)

// RestoreDNS sets the DNS that a records again after another program
// changed it (DNS enforcement): cvpn's resolv.conf is written over the
// other program's, the resolvconf record added again, or the link's
// settings given to systemd-resolved again. The record is unchanged, so
// Revert still puts back the file as it was before the tunnel.
func RestoreDNS(a *Applied, logf Logf) error {
	rec := a.DNS
	if rec == nil {
		return nil
	}
	switch rec.Mode {
	case modeResolvConf:
		if err := (resolvConf{path: rec.Path}).write(rec, rec.Written, 0); err != nil {
			return fmt.Errorf("restore dns: write %s: %w", rec.Path, err)
		}
		logf.printf("wrote cvpn's %s again", rec.Path)
		return nil
	case modeResolvconf8:
		p := &resolvconfProg{path: rec.Path, run: runProgram(rec.Path)}
		if _, err := p.run(rec.Written, "-a", rec.Link); err != nil {
			return fmt.Errorf("restore dns: %w", err)
		}
		logf.printf("gave resolvconf the record %s again", rec.Link)
		return nil
	case modeResolved:
		if rec.Set == nil {
			return errors.New("restore dns: the record does not say what was set")
		}
		ifc, err := net.InterfaceByIndex(rec.IfIndex)
		if err != nil || ifc.Name != rec.Link {
			return fmt.Errorf("restore dns: link %s is gone", rec.Link)
		}
		r, err := connectResolved()
		if err != nil {
			return fmt.Errorf("restore dns: %w", err)
		}
		defer r.Close()
		var again Applied
		return applyResolved(r, rec.Link, rec.IfIndex, rec.Set, &again, logf)
	}
	return fmt.Errorf("restore dns: unknown mode %q", rec.Mode)
}
