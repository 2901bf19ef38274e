//go:build !linux && !darwin

package netcfg

// dnsProbeFor watches a written resolv.conf; this OS's own DNS settings
// are not watched yet.
func dnsProbeFor(rec *AppliedDNS) (dnsProbe, bool) {
	if rec.Mode != modeResolvConf {
		return dnsProbe{}, false
	}
	return fileProbe(rec.Path, rec.Written), true
}

// RestoreDNS is not implemented on this OS.
func RestoreDNS(a *Applied, logf Logf) error { return ErrUnsupported }
