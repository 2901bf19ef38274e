package desktop

import (
	"strconv"
	"strings"
	"time"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// The words of a row. The service and the store report codes (a state, an
// auth mode); the catalogs turn them into the user's language here, in one
// place, so the list and the details pane never disagree.

// stateText is the row's state in words; a connect this app started reads
// as connecting before the service says so.
func stateText(r viewmodel.Row) string {
	st := r.State
	if r.Connecting && (st == api.StateDisconnected || st == api.StateIdle || st == "") {
		st = api.StateConnecting
	}
	return i18n.T("state." + string(st))
}

// authModes maps both spellings of a sign-in method — the store's
// (profile.AuthMode.String) and the service's (api.Status.AuthMode) — to
// its words.
var authModes = map[string]string{
	"certificate":       "details.auth.certificate",
	"username+password": "details.auth.password",
	"userpass":          "details.auth.password",
	"username+password+MFA (static challenge)": "details.auth.password_mfa",
	"userpass+mfa":   "details.auth.password_mfa",
	"SAML federated": "details.auth.saml",
	"saml":           "details.auth.saml",
}

// authText is the sign-in method in words; one this version does not know
// is shown as the service wrote it rather than hidden.
func authText(mode string) string {
	if key, ok := authModes[mode]; ok {
		return i18n.T(key)
	}
	return orNone(mode)
}

// orNone is s, or the catalog's dash for a value not known yet.
func orNone(s string) string {
	if s == "" {
		return i18n.T("details.none")
	}
	return s
}

// durationText is how long a tunnel has been up, to the second, since the
// pane redraws once a second while one is.
func durationText(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d / time.Second)
	data := map[string]any{"Hours": s / 3600, "Minutes": s / 60 % 60, "Seconds": s % 60}
	if s < 3600 {
		return i18n.TD("duration.ms", data)
	}
	return i18n.TD("duration.hms", data)
}

// sizeUnits are the catalog keys of each power of 1024.
var sizeUnits = []string{"size.bytes", "size.kb", "size.mb", "size.gb", "size.tb"}

// sizeText is a byte count as people read it: three significant digits
// and a unit, so the live counters do not jitter in width.
func sizeText(n uint64) string {
	if n < 1024 {
		return i18n.TD(sizeUnits[0], map[string]any{"Value": strconv.FormatUint(n, 10)})
	}
	v, unit := float64(n), 0
	for v >= 1024 && unit < len(sizeUnits)-1 {
		v /= 1024
		unit++
	}
	prec := 2
	switch {
	case v >= 100:
		prec = 0
	case v >= 10:
		prec = 1
	}
	return i18n.TD(sizeUnits[unit], map[string]any{"Value": strconv.FormatFloat(v, 'f', prec, 64)})
}

// transportText is the protocol as network people write it (UDP, TCP);
// the profile's udp4/tcp6 variants keep their family.
func transportText(proto string) string { return orNone(strings.ToUpper(proto)) }
