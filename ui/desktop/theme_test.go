package desktop

import (
	"bytes"
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/ui/i18n"
)

// inLanguage speaks tag for the test, and the OS's language after it.
func inLanguage(t *testing.T, tag string) {
	t.Helper()
	if err := i18n.SetLanguage(tag); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = i18n.SetLanguage("") })
}

// logs collects what a view logs.
type logs []string

func (l *logs) logf(format string, args ...any) { *l = append(*l, fmt.Sprintf(format, args...)) }

// The font this machine has (fonts-ipaexfont-gothic in CI) draws the
// Japanese UI; English, monospace and symbols stay Fyne's.
func TestThemeDrawsJapaneseInTheOSFont(t *testing.T) {
	path := i18n.CJKFont()
	if path == "" {
		testenv.Unavailable(t, "no Japanese font on this machine (scripts/install-deps.sh test installs one)")
		return
	}
	want, err := i18n.LoadFont(path)
	if err != nil {
		t.Fatal(err)
	}
	var l logs
	th := NewTheme(l.logf)

	inLanguage(t, i18n.English)
	if got := th.Font(fyne.TextStyle{}); got != theme.DefaultTheme().Font(fyne.TextStyle{}) {
		t.Errorf("English: font %s, want Fyne's", got.Name())
	}
	if len(l) != 0 {
		t.Errorf("English looked for the Japanese font: %q", l)
	}

	inLanguage(t, i18n.Japanese)
	for _, style := range []fyne.TextStyle{{}, {Bold: true}, {Italic: true}} {
		if got := th.Font(style); !bytes.Equal(got.Content(), want.Content()) {
			t.Errorf("Japanese %+v: font %s, want %s", style, got.Name(), path)
		}
	}
	for _, style := range []fyne.TextStyle{{Monospace: true}, {Symbol: true}} {
		if got := th.Font(style); got != theme.DefaultTheme().Font(style) {
			t.Errorf("Japanese %+v: font %s, want Fyne's", style, got.Name())
		}
	}
	if len(l) != 1 {
		t.Errorf("logged %q, want the font used, once", l)
	}
}

// Without a Japanese font the theme is Fyne's, and says why once.
func TestThemeWithoutAJapaneseFont(t *testing.T) {
	for name, find := range map[string]func() string{
		"none found": func() string { return "" },
		"unreadable": func() string { return t.TempDir() + "/gone.ttc" },
	} {
		t.Run(name, func(t *testing.T) {
			inLanguage(t, i18n.Japanese)
			var l logs
			th := newTheme(l.logf, find)
			for range 3 {
				if got := th.Font(fyne.TextStyle{}); got != theme.DefaultTheme().Font(fyne.TextStyle{}) {
					t.Errorf("font %s, want Fyne's", got.Name())
				}
			}
			if len(l) != 1 {
				t.Errorf("logged %q, want one line", l)
			}
		})
	}
}
