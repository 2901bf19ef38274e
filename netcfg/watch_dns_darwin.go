//go:build darwin

package netcfg

// dnsProbeFor reads back the DNS dictionary cvpn published in configd
// (scutil), or a resolv.conf it wrote.
func dnsProbeFor(rec *AppliedDNS) (dnsProbe, bool) {
	if rec.Mode == modeResolvConf {
		return fileProbe(rec.Path, rec.Written), true
	}
	return scutilProbe(darwinOS{}, rec)
}

// RestoreDNS publishes cvpn's DNS dictionary again (DNS enforcement).
func RestoreDNS(a *Applied, logf Logf) error { return restoreSCUtil(darwinOS{}, a.DNS, logf) }
