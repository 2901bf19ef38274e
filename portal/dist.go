package portal

import (
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"time"
)

// OS is an operating system the portal offers installers for.
type OS string

// The operating systems. Other is a device no installer fits (a phone, a
// tablet, ChromeOS) or a browser that does not say.
const (
	Linux   OS = "linux"
	Windows OS = "windows"
	MacOS   OS = "macos"
	Other   OS = ""
)

// Arch is a processor architecture. ArchUnknown means the browser did not
// tell: Safari on a Mac reports "Intel" on Apple Silicon too.
type Arch string

// The architectures, named as Go names them.
const (
	AMD64       Arch = "amd64"
	ARM64       Arch = "arm64"
	Universal   Arch = "universal" // one installer for both (a universal macOS .pkg)
	ArchUnknown Arch = ""
)

// Format is an installer's kind.
type Format string

// The installer formats `make package` builds.
const (
	Deb Format = "deb"
	RPM Format = "rpm"
	MSI Format = "msi"
	PKG Format = "pkg"
)

// Pattern names the installer files of one OS, architecture and format.
type Pattern struct {
	Glob   string // a path.Match pattern on the file name
	OS     OS
	Arch   Arch
	Format Format
}

// Patterns are the installer names the portal serves from --dist. They are
// the contract with `make package` (scripts/package.sh, and
// packaging/macos/build-pkg.sh for the .pkg, whose default is dist/cvpn.pkg): a file
// the portal should offer must match one, and each file is given to the
// first pattern it matches, so the specific macOS names come before the
// catch-all universal one. Change them together with the packaging.
//
//	cvpn_VERSION_amd64.deb        Debian, Ubuntu (x86-64)
//	cvpn_VERSION_arm64.deb        Debian, Ubuntu (arm64)
//	cvpn-VERSION-1.x86_64.rpm     Fedora, RHEL (x86-64)
//	cvpn-VERSION-1.aarch64.rpm    Fedora, RHEL (arm64)
//	cvpn-VERSION-x64.msi          Windows (x64; also runs emulated on Windows on Arm)
//	cvpn-VERSION-arm64.msi        Windows on Arm, if one is ever built
//	cvpn-VERSION-arm64.pkg        macOS on Apple Silicon
//	cvpn-VERSION-x86_64.pkg       macOS on Intel
//	cvpn.pkg, cvpn-VERSION.pkg    macOS, universal (build-pkg.sh's fat binaries)
//
// Preconfigured companion packages (cvpn-config…) match none of them on
// purpose: they are installed by the fleet's tools, not from the portal.
var Patterns = []Pattern{
	{"cvpn_*_amd64.deb", Linux, AMD64, Deb},
	{"cvpn_*_arm64.deb", Linux, ARM64, Deb},
	{"cvpn-[0-9]*.x86_64.rpm", Linux, AMD64, RPM},
	{"cvpn-[0-9]*.aarch64.rpm", Linux, ARM64, RPM},
	{"cvpn-[0-9]*-x64.msi", Windows, AMD64, MSI},
	{"cvpn-[0-9]*-arm64.msi", Windows, ARM64, MSI},
	{"cvpn-[0-9]*-arm64.pkg", MacOS, ARM64, PKG},
	{"cvpn-[0-9]*-x86_64.pkg", MacOS, AMD64, PKG},
	{"cvpn.pkg", MacOS, Universal, PKG},
	{"cvpn-[0-9]*.pkg", MacOS, Universal, PKG},
}

// Download is one installer found in the dist directory.
type Download struct {
	Name    string // the file name, which is also its URL's last element
	Pattern Pattern
	Size    int64
	ModTime time.Time
}

// ErrNoInstallers means the dist directory holds no file that matches
// Patterns.
var ErrNoInstallers = errors.New("no installers")

// Scan lists the installers in dir: regular files whose names match
// Patterns, newest first within a pattern (so an old build left next to a
// new one is listed after it). Only what Scan returns is ever served, which
// is what keeps request paths out of the file system.
func Scan(dir string) ([]Download, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read the installer directory: %w", err)
	}
	var out []Download
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue // no directories, symlinks or devices
		}
		p, ok := match(e.Name())
		if !ok {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed while we looked
		}
		out = append(out, Download{Name: e.Name(), Pattern: p, Size: info.Size(), ModTime: info.ModTime()})
	}
	order := map[string]int{}
	for i, p := range Patterns {
		order[p.Glob] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Pattern.Glob != b.Pattern.Glob {
			return order[a.Pattern.Glob] < order[b.Pattern.Glob]
		}
		if !a.ModTime.Equal(b.ModTime) {
			return a.ModTime.After(b.ModTime)
		}
		return a.Name > b.Name
	})
	return out, nil
}

// match returns the first pattern name matches.
func match(name string) (Pattern, bool) {
	for _, p := range Patterns {
		if ok, _ := path.Match(p.Glob, name); ok {
			return p, true
		}
	}
	return Pattern{}, false
}
