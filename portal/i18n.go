package portal

import (
	"net/http"
	"strconv"
	"strings"
)

// The page's languages; en is the default.
const (
	langEN = "en"
	langJA = "ja"
)

// catalog holds the page's strings. It is the portal's own, kept apart from
// the GUI's translations: the page is served to people who have not
// installed anything yet, and its words are about downloading.
var catalog = map[string]map[string]string{
	langEN: {
		"title":           "Download the cvpn VPN client",
		"intro":           "Install the VPN client, then open your company's profile with it.",
		"detected":        "Your computer appears to run %s.",
		"undetected":      "We could not tell which system you use; pick an installer below.",
		"recommended":     "Recommended for you",
		"win_arm":         "There is no installer for Windows on Arm yet: the x64 one runs there under Windows' emulation.",
		"both_arch":       "Your browser does not say which processor this Mac has: choose Apple Silicon (M1 and later) or Intel.",
		"none_for_you":    "There is no installer for this system yet. The installers for other systems are listed below.",
		"others":          "Other installers",
		"no_installers":   "No installers are available yet. Ask your IT department.",
		"profile":         "Your VPN profile",
		"profile_text":    "After installing, download your profile and open it with cvpn (or run: cvpn profile import FILE).",
		"profile_link":    "Download the profile",
		"switch":          "日本語",
		"switch_lang":     "ja",
		"os_linux":        "Linux",
		"os_windows":      "Windows",
		"os_macos":        "macOS",
		"arch_amd64":      "x86-64",
		"arch_arm64":      "Arm 64-bit",
		"arch_universal":  "Apple Silicon and Intel",
		"mac_arm64":       "Apple Silicon",
		"mac_amd64":       "Intel",
		"fmt_deb":         "Debian and Ubuntu package (.deb)",
		"fmt_rpm":         "Fedora and RHEL package (.rpm)",
		"fmt_msi":         "Windows installer (.msi)",
		"fmt_pkg":         "macOS installer (.pkg)",
		"skip":            "Skip to the downloads",
		"signed_in":       "Signed in as %s.",
		"lang_label":      "Language",
		"downloads_label": "Downloads",
	},
	langJA: {
		"title":           "cvpn VPN クライアントのダウンロード",
		"intro":           "VPN クライアントをインストールしてから、会社のプロファイルを開いてください。",
		"detected":        "お使いのコンピューターは %s のようです。",
		"undetected":      "お使いのシステムを判別できませんでした。下の一覧からインストーラーを選んでください。",
		"recommended":     "おすすめのインストーラー",
		"win_arm":         "Windows on Arm 用のインストーラーはまだありません。x64 版が Windows のエミュレーションで動作します。",
		"both_arch":       "ブラウザーからは Mac のプロセッサーが分かりません。Apple シリコン（M1 以降）か Intel を選んでください。",
		"none_for_you":    "このシステム向けのインストーラーはまだありません。他のシステム向けのインストーラーは下にあります。",
		"others":          "その他のインストーラー",
		"no_installers":   "利用できるインストーラーはまだありません。IT 部門にお問い合わせください。",
		"profile":         "VPN プロファイル",
		"profile_text":    "インストール後、プロファイルをダウンロードして cvpn で開いてください（または cvpn profile import FILE を実行）。",
		"profile_link":    "プロファイルをダウンロード",
		"switch":          "English",
		"switch_lang":     "en",
		"os_linux":        "Linux",
		"os_windows":      "Windows",
		"os_macos":        "macOS",
		"arch_amd64":      "x86-64",
		"arch_arm64":      "Arm 64 ビット",
		"arch_universal":  "Apple シリコンと Intel",
		"mac_arm64":       "Apple シリコン",
		"mac_amd64":       "Intel",
		"fmt_deb":         "Debian・Ubuntu 用パッケージ（.deb）",
		"fmt_rpm":         "Fedora・RHEL 用パッケージ（.rpm）",
		"fmt_msi":         "Windows インストーラー（.msi）",
		"fmt_pkg":         "macOS インストーラー（.pkg）",
		"skip":            "ダウンロードへ移動",
		"signed_in":       "%s としてサインインしています。",
		"lang_label":      "言語",
		"downloads_label": "ダウンロード",
	},
}

// language picks the page's language: ?lang= when it names one we have,
// else the Accept-Language entry of highest weight we have, else English.
func language(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); catalog[l] != nil {
		return l
	}
	best, bestQ := langEN, -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		if catalog[base] != nil && q > 0 && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

// text returns the string key in lang, falling back to English so a missing
// translation shows words, not a key.
func text(lang, key string) string {
	if s, ok := catalog[lang][key]; ok {
		return s
	}
	return catalog[langEN][key]
}
