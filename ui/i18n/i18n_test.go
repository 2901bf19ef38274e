package i18n

import (
	"runtime"
	"strings"
	"testing"
	"unicode"

	"github.com/cvpn/cvpn/service/api"
)

// osLocale makes the OS's locale tag for Fyne: on Linux and the BSDs Fyne
// (go-locale) reads it from the environment at every lookup.
func osLocale(t *testing.T, locale string) {
	t.Helper()
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Skip("the OS's locale comes from the environment only on Linux and the BSDs")
	}
	for _, v := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES"} {
		t.Setenv(v, "")
	}
	t.Setenv("LANG", locale)
	t.Cleanup(func() { _ = SetLanguage("") })
}

func TestLanguageFollowsTheOSUnlessChosen(t *testing.T) {
	if err := Load(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		os, chosen string
		want       string // the text of action.connect
		wantCancel string // Fyne's own "Cancel", which the catalogs carry
	}{
		{"en_US.UTF-8", "", "Connect", "Cancel"},
		{"ja_JP.UTF-8", "", "接続", "キャンセル"},
		{"ja_JP.UTF-8", English, "Connect", "Cancel"},
		{"en_US.UTF-8", Japanese, "接続", "キャンセル"},
		{"en_GB.UTF-8", Japanese, "接続", "キャンセル"},
		{"fr_FR.UTF-8", "", "Connect", "Cancel"}, // not ours: English, Fyne's dialogs too
		{"fr_FR.UTF-8", Japanese, "接続", "キャンセル"},
		{"C", "", "Connect", "Cancel"},
		{"ja_JP.UTF-8", Japanese, "接続", "キャンセル"},
		{"en_US.UTF-8", "", "Connect", "Cancel"}, // and back
	} {
		osLocale(t, c.os)
		if err := SetLanguage(c.chosen); err != nil {
			t.Fatalf("SetLanguage(%q): %v", c.chosen, err)
		}
		if got := T("action.connect"); got != c.want {
			t.Errorf("OS %s, chosen %q: action.connect = %q, want %q", c.os, c.chosen, got, c.want)
		}
		if got := T("Cancel"); got != c.wantCancel {
			t.Errorf("OS %s, chosen %q: Cancel = %q, want %q", c.os, c.chosen, got, c.wantCancel)
		}
		wantTag := English
		if c.want == "接続" {
			wantTag = Japanese
		}
		if got := Current(); got != wantTag {
			t.Errorf("OS %s, chosen %q: Current() = %q, want %q", c.os, c.chosen, got, wantTag)
		}
	}
}

func TestSetLanguageRefusesOthers(t *testing.T) {
	osLocale(t, "en_US.UTF-8")
	if err := SetLanguage("fr"); err == nil {
		t.Fatal("SetLanguage(fr) succeeded")
	}
	if got := T("action.connect"); got != "Connect" {
		t.Errorf("after a refused choice: %q", got)
	}
}

func TestTemplatesAndPlurals(t *testing.T) {
	for _, c := range []struct {
		lang string
		got  func() string
		want string
	}{
		{English, func() string { return TD("tray.connect", map[string]any{"Profile": "corp"}) }, "Connect corp"},
		{Japanese, func() string { return TD("tray.connect", map[string]any{"Profile": "corp"}) }, "corp に接続"},
		{English, func() string { return TN("profile.check.problems", 1, nil) }, "1 problem found"},
		{English, func() string { return TN("profile.check.problems", 3, nil) }, "3 problems found"},
		{Japanese, func() string { return TN("profile.check.problems", 1, nil) }, "1 件の問題が見つかりました"},
		{Japanese, func() string { return TN("profile.check.problems", 3, map[string]any{"Ignored": 1}) }, "3 件の問題が見つかりました"},
		{English, func() string { return T("no.such.key") }, "no.such.key"},
		{Japanese, func() string { return T("no.such.key") }, "no.such.key"},
	} {
		osLocale(t, "en_US.UTF-8")
		if err := SetLanguage(c.lang); err != nil {
			t.Fatal(err)
		}
		if got := c.got(); got != c.want {
			t.Errorf("%s: got %q, want %q", c.lang, got, c.want)
		}
	}
}

func TestReasonWords(t *testing.T) {
	osLocale(t, "en_US.UTF-8")
	if err := SetLanguage(English); err != nil {
		t.Fatal(err)
	}
	if got := ReasonCause(api.ReasonAuthFailed); got != "The server did not accept the username or password." {
		t.Errorf("auth_failed: %q", got)
	}
	for _, r := range []api.Reason{"", "a_reason_from_a_newer_service"} {
		if ReasonCause(r) != ReasonCause(api.ReasonOther) || ReasonFix(r) != ReasonFix(api.ReasonOther) {
			t.Errorf("reason %q does not read as %q", r, api.ReasonOther)
		}
	}
	if err := SetLanguage(Japanese); err != nil {
		t.Fatal(err)
	}
	if got := ReasonFix(api.ReasonTooManyUsers); !japanese(got) {
		t.Errorf("too_many_users fix in Japanese: %q", got)
	}
	if got := ServiceStartFix(); !japanese(got) {
		t.Errorf("ServiceStartFix in Japanese: %q", got)
	}
}

func japanese(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) })
}

func TestLanguagesListsTheOSFirst(t *testing.T) {
	osLocale(t, "ja_JP.UTF-8")
	if err := SetLanguage(""); err != nil {
		t.Fatal(err)
	}
	l := Languages()
	if len(l) != 3 || l[0].Tag != "" || l[0].Name != "システムと同じ" || l[1].Name != "English" || l[2].Name != "日本語" {
		t.Errorf("Languages() = %+v", l)
	}
}
