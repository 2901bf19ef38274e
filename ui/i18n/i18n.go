// Package i18n holds the GUI's words, in English and Japanese, and hands
// them to Fyne's translation support (fyne.io/fyne/v2/lang), so cvpn's
// views and Fyne's own dialogs speak one language.
//
// Views ask for a string by key: T("action.connect"), TD for a template
// with data ({{.Name}}), TN for a count. The catalogs are
// translations/en.json and translations/ja.json in go-i18n's format (the
// one Fyne reads); the tests fail when a key is missing or empty in either,
// or when the two disagree about a key's placeholders.
//
// The language follows the OS (Japanese on a Japanese OS, else English),
// unless SetLanguage chose one. Fyne has no call to choose a language: it
// matches the OS's locales against the languages it has catalogs for. So
// the chosen catalog is loaded under "en", "ja" and the OS's language
// alike, and whichever Fyne matched then holds the chosen words. The
// catalogs also carry Fyne's own strings (Cancel, OK, the file dialog's
// words), so its dialogs speak the same language as cvpn's views.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/cvpn/cvpn/service/api"
)

//go:embed translations/*.json
var files embed.FS

// Languages the GUI ships, by tag.
const (
	English  = "en"
	Japanese = "ja"
)

// Language is one choice of the settings' language list.
type Language struct {
	Tag  string // "" follows the OS
	Name string // in its own language, so anyone finds theirs
}

var (
	loadOnce       sync.Once
	loadErr        error
	raw            map[string][]byte            // tag → catalog file
	allPluralForms map[string][]byte            // tag → catalog with every plural form
	english        map[string]string            // key → English text: the fallback
	catalogs       map[string]map[string]string // tag → key → text ("other" form)
)

// Load registers the catalogs with Fyne. T and friends call it; main
// calls it first to hear about a broken catalog, which the tests prevent.
func Load() error {
	loadOnce.Do(func() { loadErr = load() })
	return loadErr
}

func load() error {
	raw = map[string][]byte{}
	catalogs = map[string]map[string]string{}
	for _, tag := range []string{English, Japanese} {
		data, err := files.ReadFile("translations/" + tag + ".json")
		if err != nil {
			return fmt.Errorf("load translations: %w", err)
		}
		c, err := parseCatalog(data)
		if err != nil {
			return fmt.Errorf("load translations %s.json: %w", tag, err)
		}
		raw[tag], catalogs[tag] = data, c
	}
	english = catalogs[English]
	allPluralForms = map[string][]byte{}
	for tag, data := range raw {
		full, err := withAllPluralForms(data)
		if err != nil {
			return fmt.Errorf("load translations %s.json: %w", tag, err)
		}
		allPluralForms[tag] = full
	}
	if err := lang.AddTranslationsFS(files, "translations"); err != nil {
		return fmt.Errorf("load translations: %w", err)
	}
	return apply("")
}

// parseCatalog reads a go-i18n file into key → text, taking the "other"
// form of plural messages.
func parseCatalog(data []byte) (map[string]string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		forms, err := messageForms(v)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		out[k] = forms["other"]
	}
	return out, nil
}

// messageForms is a message's plural forms; a plain string is "other".
func messageForms(v json.RawMessage) (map[string]string, error) {
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return map[string]string{"other": s}, nil
	}
	var forms map[string]string
	if err := json.Unmarshal(v, &forms); err != nil {
		return nil, fmt.Errorf("want a string or plural forms: %w", err)
	}
	if _, ok := forms["other"]; !ok {
		return nil, fmt.Errorf("plural forms without \"other\"")
	}
	return forms, nil
}

// SetLanguage chooses the GUI's language: English, Japanese, or "" to
// follow the OS (Japanese for a Japanese OS, else English). Call it on the
// UI goroutine (Fyne's translations are not guarded) and rebuild the views
// after it: strings already shown stay.
func SetLanguage(tag string) error {
	switch tag {
	case "", English, Japanese:
	default:
		return fmt.Errorf("set language: %q is not one of %q, %q or \"\" (the OS's)", tag, English, Japanese)
	}
	if err := Load(); err != nil {
		return err
	}
	return apply(tag)
}

// apply loads the chosen catalog under every tag Fyne may have matched:
// English (also the fallback for any other language), Japanese and the
// OS's own language. One language then speaks in cvpn's views and in
// Fyne's dialogs, and Fyne finds every key in the language it matched
// (else it logs each lookup as a failure).
func apply(tag string) error {
	osLang := baseLanguage(string(lang.SystemLocale()))
	if tag == "" {
		tag = English
		if osLang == Japanese {
			tag = Japanese
		}
	}
	as := []string{English, Japanese}
	if osLang != "" && osLang != English && osLang != Japanese {
		as = append(as, osLang)
	}
	for _, target := range as {
		data := raw[tag]
		if target != tag {
			data = allPluralForms[tag]
		}
		if err := lang.AddTranslationsForLocale(data, fyne.Locale(target)); err != nil {
			return fmt.Errorf("set language %q: %w", tag, err)
		}
	}
	return nil
}

func baseLanguage(locale string) string {
	base, _, _ := strings.Cut(strings.ReplaceAll(locale, "_", "-"), "-")
	return strings.ToLower(base)
}

// withAllPluralForms gives each plural message every CLDR form, copied
// from "other" where the catalog has none: a catalog loaded under another
// language's tag is asked for that language's forms (Japanese has only
// "other"; English asks for "one").
func withAllPluralForms(data []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	for k, v := range m {
		forms, err := messageForms(v)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		if len(forms) == 1 && forms["one"] == "" {
			var s string
			if json.Unmarshal(v, &s) == nil {
				continue // a plain string
			}
		}
		for _, f := range []string{"zero", "one", "two", "few", "many"} {
			if forms[f] == "" {
				forms[f] = forms["other"]
			}
		}
		if m[k], err = json.Marshal(forms); err != nil {
			return nil, err
		}
	}
	return json.Marshal(m)
}

// Current is the language the GUI speaks now: English or Japanese.
func Current() string { return T("meta.language") }

// Languages are the settings' choices, the OS's first.
func Languages() []Language {
	return []Language{
		{Tag: "", Name: T("settings.language.system")},
		{Tag: English, Name: "English"},
		{Tag: Japanese, Name: "日本語"},
	}
}

// T is the text for key in the current language; an unknown key is
// returned as is, so a mistake shows instead of hiding.
func T(key string) string {
	_ = Load()
	return lang.X(key, fallback(key))
}

// TD is T with template data for the message's placeholders:
// TD("profile.removed", map[string]any{"Name": name}).
func TD(key string, data map[string]any) string {
	_ = Load()
	return lang.X(key, fallback(key), data)
}

// TN is the plural form of key for count, with data (which may be nil);
// the message sees the count as {{.Count}}.
func TN(key string, count int, data map[string]any) string {
	_ = Load()
	d := make(map[string]any, len(data)+1)
	for k, v := range data {
		d[k] = v
	}
	d["Count"] = count
	return lang.XN(key, fallback(key), count, d)
}

func fallback(key string) string {
	if s, ok := english[key]; ok {
		return s
	}
	return key
}

// ReasonCause says in words why a tunnel failed or ended, by the API's
// reason code; a code this version does not know reads as api.ReasonOther.
func ReasonCause(r api.Reason) string { return T(reasonKey(r)) }

// ReasonFix says what the user can do about r.
func ReasonFix(r api.Reason) string { return T(reasonKey(r) + ".fix") }

func reasonKey(r api.Reason) string {
	key := "reason." + string(r)
	if _ = Load(); r == "" || english[key] == "" {
		key = "reason." + string(api.ReasonOther)
	}
	return key
}

// ServiceStartFix says how to start the cvpn service on this OS, for when
// the GUI cannot reach it.
func ServiceStartFix() string { return T(serviceStartKey(runtime.GOOS)) }

func serviceStartKey(goos string) string {
	switch goos {
	case "windows", "darwin":
		return "error.service_not_running.fix." + goos
	}
	return "error.service_not_running.fix.linux"
}
