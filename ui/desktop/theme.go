package desktop

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/cvpn/cvpn/ui/i18n"
)

// Fyne's bundled font has no Japanese glyphs, and a Fyne 2.8 theme has
// one slot per text style: Fyne draws each rune in the theme's font if
// it can, else in its own font, its emoji and symbol fonts, and last (in
// a cgo build only) a font the OS's font scan picks by script, which may
// be a Chinese design of the kanji, or none at all. A theme cannot add a
// fallback of its own. So while the GUI speaks Japanese, the theme's
// font is the OS's Japanese font itself, whose Latin letters are made to
// sit beside its kana; in English it is Fyne's, and Japanese in profile
// names is left to Fyne's own fallback.
//
// Monospace text (logs) keeps Fyne's monospace font in both languages:
// the Japanese fonts found are proportional, and the columns of a log
// line matter more than the odd Japanese word, which falls back as above.

// Theme is Fyne's default theme with a Japanese font while the GUI
// speaks Japanese. It asks i18n for the language at each Font call, so
// after a language is chosen setting the theme again redraws the text in
// the other font (ShowSettings does).
type Theme struct {
	fyne.Theme // Fyne's default: colours, icons and sizes

	logf func(format string, args ...any)
	find func() string // the Japanese font's path, "" for none

	once sync.Once
	cjk  fyne.Resource // nil when none was found or it did not load
}

// NewTheme returns the GUI's theme; logf hears, once, that no Japanese
// font was found (Japanese then shows as boxes), and which one is used.
func NewTheme(logf func(format string, args ...any)) *Theme {
	return newTheme(logf, i18n.CJKFont)
}

func newTheme(logf func(format string, args ...any), find func() string) *Theme {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Theme{Theme: theme.DefaultTheme(), logf: logf, find: find}
}

// Font is the Japanese font for Japanese text styles, else Fyne's.
func (t *Theme) Font(style fyne.TextStyle) fyne.Resource {
	if style.Monospace || style.Symbol || i18n.Current() != i18n.Japanese {
		return t.Theme.Font(style)
	}
	if f := t.japaneseFont(); f != nil {
		return f
	}
	return t.Theme.Font(style)
}

// japaneseFont finds and loads the font on first use: fontconfig may take
// a moment, and an English session never needs the megabytes.
func (t *Theme) japaneseFont() fyne.Resource {
	t.once.Do(func() {
		path := t.find()
		if path == "" {
			t.logf("ui: no Japanese font found on this machine; Japanese text will show as boxes (install Noto Sans CJK or IPAex Gothic)")
			return
		}
		f, err := i18n.LoadFont(path)
		if err != nil {
			t.logf("ui: the Japanese font %s cannot be used, Japanese text will show as boxes: %v", path, err)
			return
		}
		t.logf("ui: Japanese text is drawn in %s", path)
		t.cjk = f
	})
	return t.cjk
}
