package i18n

import "testing"

func TestFindCJKFont(t *testing.T) {
	for _, c := range []struct {
		name  string
		goos  string
		env   map[string]string
		files []string
		fc    string // what fontconfig answers
		want  string
	}{
		{name: "linux: fontconfig's Japanese font", goos: "linux",
			fc: "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf", files: []string{"/usr/share/fonts/truetype/fonts-japanese-gothic.ttf", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"},
			want: "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf"},
		{name: "linux: fontconfig names a file that is gone", goos: "linux",
			fc: "/gone.ttf", files: []string{"/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"},
			want: "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"},
		{name: "linux: no fontconfig, Noto CJK", goos: "linux",
			files: []string{"/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"},
			want:  "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"},
		{name: "linux: Fedora's Noto", goos: "linux",
			files: []string{"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"},
			want:  "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"},
		{name: "linux: nothing Japanese", goos: "linux",
			files: []string{"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"}, want: ""},
		{name: "freebsd uses the same search", goos: "freebsd",
			files: []string{"/usr/share/fonts/truetype/vlgothic/VL-PGothic-Regular.ttf"},
			want:  "/usr/share/fonts/truetype/vlgothic/VL-PGothic-Regular.ttf"},
		{name: "macOS: Hiragino", goos: "darwin",
			files: []string{"/System/Library/Fonts/ヒラギノ角ゴシック W3.ttc", "/Library/Fonts/Arial Unicode.ttf"},
			want:  "/System/Library/Fonts/ヒラギノ角ゴシック W3.ttc"},
		{name: "macOS: only Arial Unicode", goos: "darwin",
			files: []string{"/Library/Fonts/Arial Unicode.ttf"}, want: "/Library/Fonts/Arial Unicode.ttf"},
		{name: "macOS: fontconfig is not asked", goos: "darwin", fc: "/opt/homebrew/x.ttf",
			files: []string{"/opt/homebrew/x.ttf"}, want: ""},
		{name: "windows: Yu Gothic first", goos: "windows", env: map[string]string{"WINDIR": `C:\Windows`},
			files: []string{`C:\Windows\Fonts\meiryo.ttc`, `C:\Windows\Fonts\YuGothM.ttc`}, want: `C:\Windows\Fonts\YuGothM.ttc`},
		{name: "windows: Meiryo under another WINDIR", goos: "windows", env: map[string]string{"WINDIR": `D:\WIN\`},
			files: []string{`D:\WIN\Fonts\meiryo.ttc`, `C:\Windows\Fonts\YuGothM.ttc`}, want: `D:\WIN\Fonts\meiryo.ttc`},
		{name: "windows: no WINDIR", goos: "windows",
			files: []string{`C:\Windows\Fonts\msgothic.ttc`}, want: `C:\Windows\Fonts\msgothic.ttc`},
		{name: "windows: none", goos: "windows", files: []string{`C:\Windows\Fonts\arial.ttf`}, want: ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			have := map[string]bool{}
			for _, f := range c.files {
				have[f] = true
			}
			env := fontEnv{
				goos:    c.goos,
				getenv:  func(k string) string { return c.env[k] },
				isFile:  func(p string) bool { return have[p] },
				fcMatch: func() string { return c.fc },
			}
			if got := findCJKFont(env); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseFcMatch(t *testing.T) {
	for _, c := range []struct{ out, want string }{
		{"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc\taa|ja|ko|zh-cn", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"},
		{"/f.ttf\tja-jp\n", "/f.ttf"},
		// fontconfig's best effort on a machine without a Japanese font
		{"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf\taa|ab|en|jv|kab", ""},
		{"/f.ttf", ""},
		{"\tja", ""},
		{"", ""},
	} {
		if got := parseFcMatch(c.out); got != c.want {
			t.Errorf("parseFcMatch(%q) = %q, want %q", c.out, got, c.want)
		}
	}
}

// CJKFont runs against this machine: it must not fail, whatever it finds.
func TestCJKFontOnThisMachine(t *testing.T) {
	t.Logf("Japanese font here: %q", CJKFont())
}
