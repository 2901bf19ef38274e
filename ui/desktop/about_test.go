package desktop

import (
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// dialogOf is the dialog ShowX put over a fresh window.
func dialogOf(t *testing.T, show func(w fyne.Window)) fyne.CanvasObject {
	t.Helper()
	top, _ := dialogIn(t, show)
	return top
}

// dialogIn is the dialog ShowX put over a fresh window, and the window.
func dialogIn(t *testing.T, show func(w fyne.Window)) (fyne.CanvasObject, fyne.Window) {
	t.Helper()
	w := test.NewTempApp(t).NewWindow("cvpn")
	w.Resize(fyne.NewSize(800, 700))
	t.Cleanup(w.Close)
	show(w)
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog is shown")
	}
	return top, w
}

func TestAboutShowsVersionBuildAndLicences(t *testing.T) {
	for _, c := range []struct{ lang, version, title string }{
		{"en", "Version 1.2.3", "About cvpn"},
		{"ja", "バージョン 1.2.3", "cvpn について"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			inLanguage(t, c.lang)
			got := texts(dialogOf(t, func(w fyne.Window) { ShowAbout(w, "1.2.3", "abc123") }))
			for _, want := range []string{c.title, c.version, "fyne.io/fyne/v2", "v2.8.1", "BSD-3-Clause", "golang.org/x/crypto"} {
				if !contains(got, want) {
					t.Errorf("About lacks %q: %q", want, got)
				}
			}
			if !containsPart(got, "abc123") {
				t.Errorf("About lacks the build: %q", got)
			}
		})
	}
}

// requires are go.mod's requirements, direct ones only when direct.
func requires(t *testing.T, direct bool) map[string]string {
	t.Helper()
	data, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	block := false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "require (":
			block = true
			continue
		case line == ")":
			block = false
			continue
		case strings.HasPrefix(line, "require "):
			line = strings.TrimPrefix(line, "require ")
		case !block:
			continue
		}
		if direct && strings.Contains(line, "// indirect") {
			continue
		}
		if f := strings.Fields(line); len(f) >= 2 {
			out[f[0]] = f[1]
		}
	}
	return out
}

// licenses.txt is scripts/gen-licenses.sh's: it names every direct
// requirement of go.mod at go.mod's version, every line parses, and no
// module is missing its licence.
func TestLicensesCoverGoMod(t *testing.T) {
	listed := map[string]license{}
	for _, l := range licenses() {
		listed[l.Module] = l
		if l.Name == "" || strings.HasPrefix(l.Name, "see ") {
			t.Errorf("licenses.txt: %s has no licence name (%q); name it in scripts/gen-licenses.sh", l.Module, l.Name)
		}
	}
	for _, line := range strings.Split(licensesTxt, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") && strings.Count(line, "\t") != 2 {
			t.Errorf("licenses.txt: line %q is not module, version and licence", line)
		}
	}
	all := requires(t, false)
	for mod, version := range requires(t, true) {
		if l, ok := listed[mod]; !ok {
			t.Errorf("go.mod requires %s, which licenses.txt lacks: run scripts/gen-licenses.sh", mod)
		} else if l.Version != version {
			t.Errorf("licenses.txt has %s %s, go.mod %s: run scripts/gen-licenses.sh", mod, l.Version, version)
		}
	}
	for mod, l := range listed {
		if v, ok := all[mod]; ok && v != l.Version {
			t.Errorf("licenses.txt has %s %s, go.mod %s: run scripts/gen-licenses.sh", mod, l.Version, v)
		}
	}
	if len(requires(t, true)) == 0 {
		t.Error("found no requirements in go.mod")
	}
}
