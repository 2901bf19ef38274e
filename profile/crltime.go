package profile

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// readTime reads a UTCTime or GeneralizedTime the way OpenSSL's lenient
// ASN1_TIME reader does: minutes are required, seconds and fractions are
// optional, the zone is Z, +hhmm, -hhmm, or missing (read as UTC).
func readTime(s *cryptobyte.String) (time.Time, error) {
	var body cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&body, &tag) {
		return time.Time{}, errors.New("truncated")
	}
	switch tag {
	case cbasn1.UTCTime:
		return parseASN1Time(string(body), false)
	case cbasn1.GeneralizedTime:
		return parseASN1Time(string(body), true)
	}
	return time.Time{}, fmt.Errorf("ASN.1 tag %d is neither UTCTime nor GeneralizedTime", tag)
}

func parseASN1Time(v string, generalized bool) (time.Time, error) {
	bad := fmt.Errorf("%q is not a valid time", printable(v))
	if len(v) > 32 {
		return time.Time{}, bad
	}
	i := 0
	num := func(n int) (int, bool) {
		if i+n > len(v) {
			return 0, false
		}
		x := 0
		for _, ch := range []byte(v[i : i+n]) {
			if ch < '0' || ch > '9' {
				return 0, false
			}
			x = x*10 + int(ch-'0')
		}
		i += n
		return x, true
	}
	var year int
	var ok bool
	if generalized {
		if year, ok = num(4); !ok {
			return time.Time{}, bad
		}
	} else {
		if year, ok = num(2); !ok {
			return time.Time{}, bad
		}
		// RFC 5280: 50-99 is 19xx, 00-49 is 20xx.
		if year < 50 {
			year += 2000
		} else {
			year += 1900
		}
	}
	month, ok1 := num(2)
	day, ok2 := num(2)
	hour, ok3 := num(2)
	minute, ok4 := num(2)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return time.Time{}, bad
	}
	sec := 0
	if i < len(v) && v[i] >= '0' && v[i] <= '9' {
		if sec, ok = num(2); !ok {
			return time.Time{}, bad
		}
	}
	nsec := 0
	if generalized && i < len(v) && (v[i] == '.' || v[i] == ',') {
		i++
		start := i
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		if i == start {
			return time.Time{}, bad
		}
		frac := v[start:i]
		if len(frac) > 9 {
			frac = frac[:9]
		}
		f, _ := strconv.Atoi(frac)
		for k := len(frac); k < 9; k++ {
			f *= 10
		}
		nsec = f
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, bad
	}
	offset := 0
	switch {
	case i == len(v):
	case v[i] == 'Z' && i+1 == len(v):
	case (v[i] == '+' || v[i] == '-') && len(v)-i == 5:
		sign := 1
		if v[i] == '-' {
			sign = -1
		}
		i++
		oh, _ := num(2)
		om, okm := num(2)
		if !okm || oh > 23 || om > 59 {
			return time.Time{}, bad
		}
		offset = sign * (oh*3600 + om*60)
	default:
		return time.Time{}, bad
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), nil
}

func daysIn(month, year int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
