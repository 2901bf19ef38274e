package policy

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The packaging files describe the same schema as Keys: the JSON Schema
// administrators validate against, the Windows ADMX template Group Policy
// writes the registry from, and the macOS configuration profile example.

const schemaPath = "../packaging/policy/cvpn-policy.schema.json"

type schemaProp struct {
	Type    string   `json:"type"`
	Enum    []string `json:"enum"`
	Minimum *int     `json:"minimum"`
	Maximum *int     `json:"maximum"`
}

func readSchema(t *testing.T) map[string]schemaProp {
	t.Helper()
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Schema               string                `json:"$schema"`
		Type                 string                `json:"type"`
		AdditionalProperties *bool                 `json:"additionalProperties"`
		Properties           map[string]schemaProp `json:"properties"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if s.Schema != "https://json-schema.org/draft/2020-12/schema" || s.Type != "object" ||
		s.AdditionalProperties == nil || *s.AdditionalProperties {
		t.Errorf("schema header: %q, type %q, additionalProperties %v; want draft 2020-12, an object, no other keys",
			s.Schema, s.Type, s.AdditionalProperties)
	}
	return s.Properties
}

var schemaType = map[Kind]string{Bool: "boolean", String: "string", List: "array", Number: "integer"}

func TestSchemaMatchesKeys(t *testing.T) {
	props := readSchema(t)
	var names []string
	for k, p := range props {
		names = append(names, k)
		if want := schemaType[KindOf(k)]; p.Type != want {
			t.Errorf("schema: %s is %q, want %q", k, p.Type, want)
		}
	}
	slices.Sort(names)
	keys := Keys()
	slices.Sort(keys)
	if !slices.Equal(names, keys) {
		t.Errorf("schema keys %v, Go keys %v", names, keys)
	}
	if p := props[KeyMaxTunnels]; p.Minimum == nil || *p.Minimum != MinTunnels || p.Maximum == nil || *p.Maximum != MaxTunnels {
		t.Errorf("schema: max_tunnels range %v..%v, want %d..%d", p.Minimum, p.Maximum, MinTunnels, MaxTunnels)
	}
}

// Every example is a valid policy for the Go reader and, checked by hand
// against the schema's properties, for the schema.
func TestExamplesValidate(t *testing.T) {
	props := readSchema(t)
	paths, err := filepath.Glob(filepath.Join(examplesDir, "*.json"))
	if err != nil || len(paths) < 3 {
		t.Fatalf("examples: %v %v", paths, err)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(bytes.NewReader(data), path); err != nil {
			t.Errorf("Go reader: %v", err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		for k, v := range doc {
			p, ok := props[k]
			if !ok {
				t.Errorf("%s: %s is not in the schema", path, k)
				continue
			}
			if got := jsonType(v); got != p.Type {
				t.Errorf("%s: %s is a %s, the schema says %s", path, k, got, p.Type)
			}
			if s, ok := v.(string); ok && p.Enum != nil && !slices.Contains(p.Enum, s) {
				t.Errorf("%s: %s is %q, not one of %v", path, k, s, p.Enum)
			}
		}
	}
}

func jsonType(v any) string {
	switch v := v.(type) {
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case float64:
		if v == float64(int(v)) {
			return "integer"
		}
		return "number"
	}
	return "other"
}

// admx is the part of an ADMX file the test reads.
type admx struct {
	Policies []struct {
		Name         string `xml:"name,attr"`
		Class        string `xml:"class,attr"`
		Key          string `xml:"key,attr"`
		ValueName    string `xml:"valueName,attr"`
		DisplayName  string `xml:"displayName,attr"`
		ExplainText  string `xml:"explainText,attr"`
		Presentation string `xml:"presentation,attr"`
		Enabled      *struct {
			Decimal struct {
				Value string `xml:"value,attr"`
			} `xml:"decimal"`
		} `xml:"enabledValue"`
		Elements struct {
			Items []struct {
				XMLName   xml.Name
				ID        string `xml:"id,attr"`
				ValueName string `xml:"valueName,attr"`
				MinValue  string `xml:"minValue,attr"`
				MaxValue  string `xml:"maxValue,attr"`
			} `xml:",any"`
		} `xml:"elements"`
	} `xml:"policies>policy"`
}

// admxElement is the ADMX element (or "boolean" for an enabled/disabled
// value) that writes each kind as its registry type.
var admxElement = map[Kind][]string{Bool: {"boolean"}, String: {"text", "enum"}, List: {"multiText"}, Number: {"decimal"}}

func TestADMXHasEverySetting(t *testing.T) {
	data, err := os.ReadFile("../packaging/windows/policy/cvpn.admx")
	if err != nil {
		t.Fatal(err)
	}
	var a admx
	if err := xml.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	found := map[string]string{} // key → element
	var refs []string
	for _, p := range a.Policies {
		if p.Key != `SOFTWARE\Policies\cvpn` || p.Class != "Machine" {
			t.Errorf("policy %s: key %q class %q, want SOFTWARE\\Policies\\cvpn, Machine (%s)", p.Name, p.Key, p.Class, RegistryKey)
		}
		refs = append(refs, p.DisplayName, p.ExplainText)
		if p.Presentation != "" {
			refs = append(refs, p.Presentation)
		}
		if p.ValueName != "" {
			if p.Enabled == nil || p.Enabled.Decimal.Value != "1" {
				t.Errorf("policy %s: a boolean must write decimal 1 when enabled", p.Name)
			}
			found[p.ValueName] = "boolean"
		}
		for _, e := range p.Elements.Items {
			found[e.ValueName] = e.XMLName.Local
			if e.XMLName.Local == "decimal" && e.ValueName == KeyMaxTunnels && (e.MinValue != "1" || e.MaxValue != "5") {
				t.Errorf("max_tunnels: range %s..%s, want 1..5", e.MinValue, e.MaxValue)
			}
		}
	}
	for _, k := range Keys() {
		el, ok := found[k]
		if !ok {
			t.Errorf("the ADMX has no setting for %s", k)
			continue
		}
		if !slices.Contains(admxElement[KindOf(k)], el) {
			t.Errorf("the ADMX writes %s with <%s>, want one of %v (a %s)", k, el, admxElement[KindOf(k)], KindOf(k))
		}
		delete(found, k)
	}
	for k := range found {
		t.Errorf("the ADMX writes %s, which is not in the schema", k)
	}
	refs = append(refs, regexp.MustCompile(`\$\(string\.[A-Za-z_]+\)`).FindAllString(string(data), -1)...)
	for _, lang := range []string{"en-US", "ja-JP"} {
		t.Run(lang, func(t *testing.T) { checkADML(t, lang, refs) })
	}
}

// checkADML checks that the language file defines every string and
// presentation the ADMX refers to.
func checkADML(t *testing.T, lang string, refs []string) {
	data, err := os.ReadFile(filepath.Join("../packaging/windows/policy", lang, "cvpn.adml"))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Strings []struct {
			ID   string `xml:"id,attr"`
			Text string `xml:",chardata"`
		} `xml:"resources>stringTable>string"`
		Presentations []struct {
			ID string `xml:"id,attr"`
		} `xml:"resources>presentationTable>presentation"`
	}
	if err := xml.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, s := range r.Strings {
		if strings.TrimSpace(s.Text) == "" {
			t.Errorf("string %s is empty", s.ID)
		}
		have["$(string."+s.ID+")"] = true
	}
	for _, p := range r.Presentations {
		have["$(presentation."+p.ID+")"] = true
	}
	for _, ref := range refs {
		if !have[ref] {
			t.Errorf("%s is not defined", ref)
		}
	}
}

// The configuration profile's com.cvpn payload sets only schema keys, and
// reads as a valid policy.
func TestMobileconfig(t *testing.T) {
	const path = "../packaging/macos/com.cvpn.mobileconfig"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	root, err := parsePlist(data)
	if err != nil {
		t.Fatal(err)
	}
	outer, _ := root.(map[string]any)
	content, _ := outer["PayloadContent"].([]any)
	var n int
	for _, c := range content {
		payload, _ := c.(map[string]any)
		if payload["PayloadType"] != Domain {
			continue
		}
		n++
		for k := range payload {
			if !strings.HasPrefix(k, "Payload") && KindOf(k) == 0 {
				t.Errorf("payload key %s is not in the schema", k)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d payloads of type %s, want 1", n, Domain)
	}
	// The payload alone, as macOS writes it to Managed Preferences.
	start := bytes.Index(data, []byte("<array>\n\t\t<dict>"))
	end := bytes.LastIndex(data, []byte("</dict>\n\t</array>"))
	if start < 0 || end < 0 {
		t.Fatal("cannot find the payload")
	}
	inner := append([]byte(`<plist version="1.0">`), data[start+len("<array>\n\t\t"):end+len("</dict>")]...)
	inner = append(inner, "</plist>"...)
	p, err := decodePlist(inner, path)
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join(examplesDir, "locked-down-fleet.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := Decode(bytes.NewReader(example), "example")
	if err != nil {
		t.Fatal(err)
	}
	if dump(p) != dump(want) {
		t.Errorf("the configuration profile sets\n%s\nwant the locked-down fleet example\n%s", dump(p), dump(want))
	}
}
