package i18n

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Fyne's bundled font has no Japanese glyphs. A cgo build of Fyne falls
// back to the OS's fonts rune by rune, but picks a face by script, not by
// language (kanji may come out in a Chinese design), and the headless
// "ci" build does not look at the OS's fonts at all. So the GUI puts a
// Japanese face first in its theme, found here.
//
// Many of these files are TrueType collections (.ttc), which Fyne's theme
// fonts cannot be: LoadFont takes the first font out of one.

// fontEnv is what the search looks at, replaceable in tests.
type fontEnv struct {
	goos    string
	getenv  func(string) string
	isFile  func(path string) bool
	fcMatch func() string // fontconfig's Japanese font; "" when fontconfig is absent or has none
}

// CJKFont is the path of a font on this machine that draws Japanese, or ""
// when there is none.
func CJKFont() string {
	return findCJKFont(fontEnv{goos: runtime.GOOS, getenv: os.Getenv, isFile: isFile, fcMatch: fcMatch})
}

// Known places of Japanese-capable fonts, best first.
var (
	linuxCJKFonts = []string{
		"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
		"/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
		"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
		"/usr/share/fonts/opentype/noto/NotoSansCJKjp-Regular.otf",
		"/usr/share/fonts/google-noto-sans-cjk-vf-fonts/NotoSansCJK-VF.ttc",
		"/usr/share/fonts/truetype/bizud-gothic/BIZUDPGothic-Regular.ttf",
		"/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
		"/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
		"/usr/share/fonts/truetype/takao-gothic/TakaoPGothic.ttf",
		"/usr/share/fonts/truetype/vlgothic/VL-PGothic-Regular.ttf",
		"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	}
	darwinCJKFonts = []string{
		"/System/Library/Fonts/ヒラギノ角ゴシック W3.ttc",
		"/System/Library/Fonts/Hiragino Sans W3.ttc",
		"/System/Library/Fonts/ヒラギノ角ゴ ProN W3.otf",
		"/Library/Fonts/ヒラギノ角ゴ ProN W3.otf",
		"/System/Library/Fonts/Supplemental/Osaka.ttf",
		"/Library/Fonts/Osaka.ttf",
		"/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
		"/Library/Fonts/Arial Unicode.ttf",
	}
	// under %WINDIR%\Fonts
	windowsCJKFonts = []string{"YuGothM.ttc", "YuGothR.ttc", "meiryo.ttc", "msgothic.ttc", "BIZ-UDGothicR.ttc"}
)

func findCJKFont(env fontEnv) string {
	var candidates []string
	switch env.goos {
	case "windows":
		dir := env.getenv("WINDIR")
		if dir == "" {
			dir = `C:\Windows`
		}
		for _, name := range windowsCJKFonts {
			candidates = append(candidates, strings.TrimRight(dir, `\`)+`\Fonts\`+name)
		}
	case "darwin":
		candidates = darwinCJKFonts
	default:
		// fontconfig knows where the distribution put its fonts; the list
		// covers machines without it.
		if p := env.fcMatch(); p != "" && env.isFile(p) {
			return p
		}
		candidates = linuxCJKFonts
	}
	for _, p := range candidates {
		if env.isFile(p) {
			return p
		}
	}
	return ""
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// fcMatch asks fontconfig for its best font for Japanese, and takes it
// only when the font's languages include Japanese: on a machine without
// one, fc-match still names its nearest font (DejaVu), which has no kana.
func fcMatch() string {
	bin, err := exec.LookPath("fc-match")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-f", "%{file}\t%{lang}", ":lang=ja").Output()
	if err != nil {
		return ""
	}
	return parseFcMatch(string(out))
}

// parseFcMatch reads "FILE\tLANG|LANG|…" and returns FILE when one of the
// languages is Japanese.
func parseFcMatch(out string) string {
	file, langs, ok := strings.Cut(strings.TrimSpace(out), "\t")
	if !ok || file == "" {
		return ""
	}
	for _, l := range strings.Split(langs, "|") {
		if l == "ja" || strings.HasPrefix(l, "ja-") {
			return file
		}
	}
	return ""
}
