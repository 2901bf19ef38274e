package portal

import (
	"net/http"
	"strings"
)

// Client hints the portal asks browsers for (Accept-CH). Chromium-based
// browsers send Sec-CH-UA-Platform always and the architecture only when
// asked; its reduced User-Agent says "Linux x86_64" and "Intel Mac OS X"
// whatever the processor, so the hint is the only way to see arm64 there.
const (
	hintPlatform = "Sec-CH-UA-Platform"
	hintArch     = "Sec-CH-UA-Arch"
	hintBitness  = "Sec-CH-UA-Bitness"
)

// acceptCH is the Accept-CH (and Critical-CH) value.
var acceptCH = strings.Join([]string{hintPlatform, hintArch, hintBitness}, ", ")

// Platform is what the portal believes the visitor runs.
type Platform struct {
	OS   OS
	Arch Arch // ArchUnknown when the browser does not tell
	// RPM is set for Linux distributions that install .rpm packages
	// (Fedora, RHEL and its rebuilds, openSUSE); others get the .deb first.
	RPM bool
}

// Detect reads the platform from the request's client hints, where the
// browser sent them, and its User-Agent otherwise.
func Detect(r *http.Request) Platform {
	return detect(r.UserAgent(), r.Header.Get(hintPlatform), r.Header.Get(hintArch))
}

func detect(ua, chPlatform, chArch string) Platform {
	var p Platform
	l := strings.ToLower(ua)
	switch {
	// Phones and tablets first: Android's User-Agent also says "Linux".
	case strings.Contains(l, "android"), strings.Contains(l, "iphone"),
		strings.Contains(l, "ipad"), strings.Contains(l, "cros"):
		return Platform{OS: Other}
	case strings.Contains(l, "windows"):
		p.OS = Windows
	case strings.Contains(l, "macintosh"), strings.Contains(l, "mac os x"):
		p.OS = MacOS
	case strings.Contains(l, "linux"), strings.Contains(l, "x11"):
		p.OS = Linux
	}
	switch unquote(chPlatform) {
	case "Windows":
		p.OS = Windows
	case "macOS":
		p.OS = MacOS
	case "Linux":
		p.OS = Linux
	case "Android", "Chrome OS", "iOS":
		return Platform{OS: Other}
	}
	p.Arch = uaArch(p.OS, l)
	switch strings.ToLower(unquote(chArch)) {
	case "arm":
		p.Arch = ARM64
	case "x86":
		p.Arch = AMD64
	}
	if p.OS == Linux {
		for _, d := range []string{"fedora", "red hat", "centos", "rocky", "almalinux", "suse"} {
			if strings.Contains(l, d) {
				p.RPM = true
			}
		}
	}
	if p.OS == Other {
		p.Arch = ArchUnknown
	}
	return p
}

// uaArch is the architecture a User-Agent (lower-cased) claims, where it
// can be believed.
func uaArch(os OS, l string) Arch {
	switch os {
	case Windows:
		// Edge and Chrome on Windows on Arm say "Win64; x64" in the
		// User-Agent; only a client hint shows arm there.
		if strings.Contains(l, "arm64") || strings.Contains(l, "aarch64") {
			return ARM64
		}
		if strings.Contains(l, "win64") || strings.Contains(l, "wow64") || strings.Contains(l, "x64") {
			return AMD64
		}
	case MacOS:
		// Every Mac browser says "Intel Mac OS X", Apple Silicon or not.
		return ArchUnknown
	case Linux:
		switch {
		case strings.Contains(l, "aarch64"), strings.Contains(l, "arm64"), strings.Contains(l, "armv8"):
			return ARM64
		case strings.Contains(l, "x86_64"), strings.Contains(l, "amd64"):
			return AMD64
		}
	}
	return ArchUnknown
}

// unquote strips a structured-header string's quotes: `"macOS"` → macOS.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// Recommend splits the installers into those for p and the rest, in the
// order of Patterns. For Linux the package kind of the distribution comes
// first (.deb unless p.RPM) and the other kind is left for the list; an
// unknown architecture recommends every one that could fit (a Mac in
// Safari gets both the Apple Silicon and the Intel package). Windows on
// Arm is offered the x64 installer, which Windows runs emulated, when no
// arm64 one is built.
func Recommend(p Platform, all []Download) (rec, others []Download) {
	if p.OS == Other {
		return nil, all
	}
	fits := func(d Download, archOK func(Arch) bool) bool {
		if d.Pattern.OS != p.OS || !archOK(d.Pattern.Arch) {
			return false
		}
		if p.OS == Linux {
			want := Deb
			if p.RPM {
				want = RPM
			}
			return d.Pattern.Format == want
		}
		return true
	}
	exact := func(a Arch) bool { return a == Universal || p.Arch == ArchUnknown || a == p.Arch }
	seen := map[string]bool{}
	pick := func(archOK func(Arch) bool) {
		for _, d := range all {
			// One file per pattern: the newest, which Scan put first.
			if fits(d, archOK) && !seen[d.Pattern.Glob] {
				seen[d.Pattern.Glob] = true
				rec = append(rec, d)
			}
		}
	}
	pick(exact)
	if len(rec) == 0 && p.OS == Windows && p.Arch == ARM64 {
		pick(func(a Arch) bool { return a == AMD64 })
	}
	for _, d := range all {
		if !contains(rec, d.Name) {
			others = append(others, d)
		}
	}
	return rec, others
}

func contains(list []Download, name string) bool {
	for _, d := range list {
		if d.Name == name {
			return true
		}
	}
	return false
}
