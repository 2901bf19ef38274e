package portal

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/url"
)

// The page is one template with its stylesheet inlined: no request leaves
// for another host, and the Content-Security-Policy can allow exactly this
// stylesheet by its hash instead of 'unsafe-inline'.
var (
	//go:embed templates/page.html
	pageHTML string
	//go:embed templates/style.css
	styleCSS string

	pageTmpl = template.Must(template.New("page").Parse(pageHTML))
	// styleHash is the CSP source for the inline <style>; the template
	// writes styleCSS unchanged, so the hash covers it byte for byte.
	styleHash = func() string {
		sum := sha256.Sum256([]byte(styleCSS))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}()
)

// pageData is what the template shows.
type pageData struct {
	Lang        string
	Style       template.CSS
	Detected    string // "Linux (x86-64)", or "" when unknown
	BothArch    bool   // a Mac whose processor the browser hides
	WinArm      bool   // Windows on Arm offered the x64 installer
	Recommended []link
	Others      []link
	None        bool
	Profile     string // the profile's download name, "" when none
	User        string
}

// T translates for the template.
func (d pageData) T(key string) string { return text(d.Lang, key) }

// link is one installer in the page.
type link struct {
	Name, URL, Label, Size string
}

func renderPage(lang string, p Platform, all []Download, profileName, user string) ([]byte, error) {
	rec, others := Recommend(p, all)
	d := pageData{
		Lang:     lang,
		Style:    template.CSS(styleCSS),
		Detected: platformName(lang, p),
		None:     len(all) == 0,
		Profile:  profileName,
		User:     user,
	}
	macs := 0
	for _, r := range rec {
		if r.Pattern.OS == MacOS && r.Pattern.Arch != Universal {
			macs++
		}
	}
	d.BothArch = macs > 1
	d.WinArm = p.OS == Windows && p.Arch == ARM64 && len(rec) > 0 && rec[0].Pattern.Arch == AMD64
	for _, r := range rec {
		d.Recommended = append(d.Recommended, makeLink(lang, r))
	}
	for _, o := range others {
		d.Others = append(d.Others, makeLink(lang, o))
	}
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("render the page: %w", err)
	}
	return b.Bytes(), nil
}

func makeLink(lang string, d Download) link {
	label := text(lang, "fmt_"+string(d.Pattern.Format))
	arch := text(lang, "arch_"+string(d.Pattern.Arch))
	if d.Pattern.OS == MacOS && d.Pattern.Arch != Universal {
		arch = text(lang, "mac_"+string(d.Pattern.Arch))
	}
	return link{
		Name:  d.Name,
		URL:   "/download/" + url.PathEscape(d.Name),
		Label: label + " — " + arch,
		Size:  byteSize(d.Size),
	}
}

// platformName is the detected platform in words, "" when unknown.
func platformName(lang string, p Platform) string {
	if p.OS == Other {
		return ""
	}
	name := text(lang, "os_"+string(p.OS))
	switch {
	case p.OS == MacOS && p.Arch != ArchUnknown:
		return name + " (" + text(lang, "mac_"+string(p.Arch)) + ")"
	case p.Arch != ArchUnknown:
		return name + " (" + text(lang, "arch_"+string(p.Arch)) + ")"
	}
	return name
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
