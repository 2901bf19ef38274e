package portal

import (
	"testing"
)

// Real User-Agent strings, as the browsers send them.
const (
	uaChromeLinux   = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	uaFirefoxUbuntu = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	uaFirefoxDebArm = "Mozilla/5.0 (X11; Linux aarch64; rv:128.0) Gecko/20100101 Firefox/128.0"
	uaFirefoxFedora = "Mozilla/5.0 (X11; Fedora; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	uaFirefoxFedArm = "Mozilla/5.0 (X11; Fedora; Linux aarch64; rv:133.0) Gecko/20100101 Firefox/133.0"
	uaEdgeWindows   = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
	uaFirefoxWinArm = "Mozilla/5.0 (Windows NT 10.0; ARM64; rv:133.0) Gecko/20100101 Firefox/133.0"
	uaSafariMac     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"
	uaChromeMac     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	uaAndroid       = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
	uaIPhone        = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)

// dist is a full `make package` output, as Scan would list it.
func dist() []Download {
	names := []string{
		"cvpn_1.2.0_amd64.deb", "cvpn_1.2.0_arm64.deb",
		"cvpn-1.2.0-1.x86_64.rpm", "cvpn-1.2.0-1.aarch64.rpm",
		"cvpn-1.2.0-x64.msi", "cvpn-1.2.0-arm64.pkg", "cvpn-1.2.0-x86_64.pkg",
	}
	var out []Download
	for _, n := range names {
		p, ok := match(n)
		if !ok {
			panic(n)
		}
		out = append(out, Download{Name: n, Pattern: p})
	}
	return out
}

func TestDetectAndRecommend(t *testing.T) {
	tests := []struct {
		name           string
		ua, chPlatform string
		chArch         string
		want           Platform
		rec            []string
	}{
		{"chromium linux x86_64, no hints", uaChromeLinux, "", "", Platform{OS: Linux, Arch: AMD64}, []string{"cvpn_1.2.0_amd64.deb"}},
		{"chromium linux with hints", uaChromeLinux, `"Linux"`, `"x86"`, Platform{OS: Linux, Arch: AMD64}, []string{"cvpn_1.2.0_amd64.deb"}},
		// The reduced User-Agent says x86_64 on arm64 too; the hint wins.
		{"chromium linux arm64 by hint", uaChromeLinux, `"Linux"`, `"arm"`, Platform{OS: Linux, Arch: ARM64}, []string{"cvpn_1.2.0_arm64.deb"}},
		{"firefox ubuntu amd64", uaFirefoxUbuntu, "", "", Platform{OS: Linux, Arch: AMD64}, []string{"cvpn_1.2.0_amd64.deb"}},
		{"firefox debian arm64", uaFirefoxDebArm, "", "", Platform{OS: Linux, Arch: ARM64}, []string{"cvpn_1.2.0_arm64.deb"}},
		{"fedora amd64 gets the rpm", uaFirefoxFedora, "", "", Platform{OS: Linux, Arch: AMD64, RPM: true}, []string{"cvpn-1.2.0-1.x86_64.rpm"}},
		{"fedora arm64 gets the rpm", uaFirefoxFedArm, "", "", Platform{OS: Linux, Arch: ARM64, RPM: true}, []string{"cvpn-1.2.0-1.aarch64.rpm"}},
		{"edge windows x64", uaEdgeWindows, `"Windows"`, `"x86"`, Platform{OS: Windows, Arch: AMD64}, []string{"cvpn-1.2.0-x64.msi"}},
		// Edge on Windows on Arm says x64 in the User-Agent, arm in the hint;
		// with no arm64 MSI built, the x64 one (emulated) is offered.
		{"edge windows arm64", uaEdgeWindows, `"Windows"`, `"arm"`, Platform{OS: Windows, Arch: ARM64}, []string{"cvpn-1.2.0-x64.msi"}},
		{"firefox windows arm64", uaFirefoxWinArm, "", "", Platform{OS: Windows, Arch: ARM64}, []string{"cvpn-1.2.0-x64.msi"}},
		// Safari cannot tell Intel from Apple Silicon: both are offered.
		{"safari mac", uaSafariMac, "", "", Platform{OS: MacOS}, []string{"cvpn-1.2.0-arm64.pkg", "cvpn-1.2.0-x86_64.pkg"}},
		{"chrome mac apple silicon", uaChromeMac, `"macOS"`, `"arm"`, Platform{OS: MacOS, Arch: ARM64}, []string{"cvpn-1.2.0-arm64.pkg"}},
		{"chrome mac intel", uaChromeMac, `"macOS"`, `"x86"`, Platform{OS: MacOS, Arch: AMD64}, []string{"cvpn-1.2.0-x86_64.pkg"}},
		{"android", uaAndroid, `"Android"`, "", Platform{OS: Other}, nil},
		{"iphone", uaIPhone, "", "", Platform{OS: Other}, nil},
		{"curl", "curl/8.5.0", "", "", Platform{OS: Other}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := detect(tt.ua, tt.chPlatform, tt.chArch)
			if got != tt.want {
				t.Fatalf("detect = %+v, want %+v", got, tt.want)
			}
			rec, others := Recommend(got, dist())
			var names []string
			for _, d := range rec {
				names = append(names, d.Name)
			}
			if !equal(names, tt.rec) {
				t.Errorf("recommended %q, want %q", names, tt.rec)
			}
			if len(rec)+len(others) != len(dist()) {
				t.Errorf("%d recommended + %d others, want all %d listed", len(rec), len(others), len(dist()))
			}
		})
	}
}

func TestRecommendUniversalMac(t *testing.T) {
	p, _ := match("cvpn-1.2.0.pkg")
	rec, _ := Recommend(Platform{OS: MacOS}, []Download{{Name: "cvpn-1.2.0.pkg", Pattern: p}})
	if len(rec) != 1 || rec[0].Pattern.Arch != Universal {
		t.Fatalf("recommended %+v, want the universal pkg", rec)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
