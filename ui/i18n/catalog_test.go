package i18n

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/template"
)

// readCatalog reads an embedded catalog into key → plural forms, failing
// on invalid JSON and on a key given twice (encoding/json keeps the last).
func readCatalog(t *testing.T, tag string) map[string]map[string]string {
	t.Helper()
	data, err := files.ReadFile("translations/" + tag + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) {
		t.Fatalf("%s.json is not valid JSON", tag)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s.json: want an object, got %v %v", tag, tok, err)
	}
	out := map[string]map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s.json: %v", tag, err)
		}
		key := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s.json %q: %v", tag, key, err)
		}
		if _, dup := out[key]; dup {
			t.Errorf("%s.json: key %q given twice", tag, key)
		}
		forms, err := messageForms(v)
		if err != nil {
			t.Errorf("%s.json %q: %v", tag, key, err)
			continue
		}
		out[key] = forms
	}
	return out
}

// pluralForms are the CLDR plural categories each language uses.
var pluralForms = map[string][]string{
	English:  {"one", "other"},
	Japanese: {"other"},
}

func TestCatalogsHaveTheSameKeysAndNoEmptyText(t *testing.T) {
	en, ja := readCatalog(t, English), readCatalog(t, Japanese)
	for _, c := range []struct {
		tag        string
		have, want map[string]map[string]string
	}{{English, en, ja}, {Japanese, ja, en}} {
		for key := range c.want {
			if _, ok := c.have[key]; !ok {
				t.Errorf("%s.json lacks %q", c.tag, key)
			}
		}
		for key, forms := range c.have {
			for form, text := range forms {
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s.json %q (%s) is empty", c.tag, key, form)
				}
			}
			if len(forms) > 1 || forms["one"] != "" {
				for _, form := range pluralForms[c.tag] {
					if forms[form] == "" {
						t.Errorf("%s.json %q: plural message without %q", c.tag, key, form)
					}
				}
			}
		}
	}
	if len(en) < 200 {
		t.Errorf("only %d keys: the catalogs lost their contents", len(en))
	}
}

var action = regexp.MustCompile(`{{[^}]*}}`)

// placeholders is the set of template actions in all of a message's
// forms, with spaces removed.
func placeholders(forms map[string]string) []string {
	set := map[string]bool{}
	for _, text := range forms {
		for _, a := range action.FindAllString(text, -1) {
			set[strings.ReplaceAll(a, " ", "")] = true
		}
	}
	var out []string
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func TestPlaceholdersMatchAndParse(t *testing.T) {
	en, ja := readCatalog(t, English), readCatalog(t, Japanese)
	for key, enForms := range en {
		jaForms, ok := ja[key]
		if !ok {
			continue // reported by the keys test
		}
		if a, b := placeholders(enForms), placeholders(jaForms); strings.Join(a, " ") != strings.Join(b, " ") {
			t.Errorf("%q: en has %v, ja has %v", key, a, b)
		}
		for tag, forms := range map[string]map[string]string{English: enForms, Japanese: jaForms} {
			for form, text := range forms {
				if _, err := template.New(key).Parse(text); err != nil {
					t.Errorf("%s.json %q (%s): %v", tag, key, form, err)
				}
			}
		}
	}
}

// apiConstants are the values of the constants of type typ declared in
// service/api, read from its source so a new one is noticed here.
func apiConstants(t *testing.T, typ string) []string {
	t.Helper()
	fset := token.NewFileSet()
	paths, err := filepath.Glob(filepath.Join("..", "..", "service", "api", "*.go"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("find service/api: %v", err)
	}
	var out []string
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != typ {
					continue
				}
				for _, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s: a %s constant that is not a string literal", p, typ)
					}
					s, _ := strconv.Unquote(lit.Value)
					out = append(out, s)
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s constants found in service/api", typ)
	}
	return out
}

func TestEveryReasonAndStateHasWords(t *testing.T) {
	en, ja := readCatalog(t, English), readCatalog(t, Japanese)
	var keys []string
	for _, r := range apiConstants(t, "Reason") {
		keys = append(keys, "reason."+r, "reason."+r+".fix")
	}
	for _, s := range apiConstants(t, "State") {
		keys = append(keys, "state."+s)
	}
	// Keys the package's own code asks for.
	keys = append(keys, "meta.language", "settings.language.system")
	for _, goos := range []string{"linux", "darwin", "windows", "freebsd"} {
		keys = append(keys, serviceStartKey(goos))
	}
	for _, key := range keys {
		if en[key] == nil {
			t.Errorf("en.json lacks %q", key)
		}
		if ja[key] == nil {
			t.Errorf("ja.json lacks %q", key)
		}
	}
	if en["meta.language"]["other"] != English || ja["meta.language"]["other"] != Japanese {
		t.Errorf("meta.language must name each catalog's own language")
	}
}

// The Japanese catalog should be Japanese: a message left in English is
// a translation forgotten. Names, commands and symbols may stay as they are.
func TestJapaneseIsTranslated(t *testing.T) {
	en, ja := readCatalog(t, English), readCatalog(t, Japanese)
	same := map[string]bool{"main.title": true, "action.ok": true, "OK": true, "details.none": true, "notify.failed.body": true,
		"size.kb": true, "size.mb": true, "size.gb": true, "size.tb": true}
	for key, forms := range ja {
		if same[key] || key == "meta.language" {
			continue
		}
		if forms["other"] == en[key]["other"] {
			t.Errorf("ja.json %q is the English text %q", key, forms["other"])
		}
	}
}
