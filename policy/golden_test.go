package policy

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// examples are packaging/policy/examples; each is also written for the
// registry (testdata/windows/NAME.txt) and as managed preferences
// (testdata/macos/NAME.plist), and every reader must read the same policy
// from them: one schema, three encodings.
var examples = []string{"locked-down-fleet", "always-on", "minimal"}

const examplesDir = "../packaging/policy/examples"

// dump writes every key the policy sets, one a line, in schema order; the
// golden form of a policy.
func dump(p *Policy) string {
	var b strings.Builder
	for _, k := range Keys() {
		if v, set := p.Value(k); set {
			fmt.Fprintf(&b, "%s = %#v\n", k, v)
		}
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./policy/ -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// fakeKey is keyReader over a fixture: "name TYPE data" lines, a
// REG_MULTI_SZ's strings split by |.
type fakeKey struct {
	names []string
	vals  map[string]RegValue
	err   error
}

func (f *fakeKey) ValueNames() ([]string, error) { return f.names, f.err }
func (f *fakeKey) Value(name string) (RegValue, error) {
	v, ok := f.vals[name]
	if !ok {
		return RegValue{}, fmt.Errorf("no value %s", name)
	}
	return v, nil
}

func parseRegFixture(t *testing.T, text string) *fakeKey {
	t.Helper()
	k := &fakeKey{vals: map[string]RegValue{}}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, " ", 3)
		if len(f) < 2 {
			t.Fatalf("fixture line %q", line)
		}
		data := ""
		if len(f) == 3 {
			data = f[2]
		}
		var v RegValue
		switch f[1] {
		case "REG_SZ":
			v = RegValue{Type: regSZ, Text: data}
		case "REG_MULTI_SZ":
			v = RegValue{Type: regMultiSZ, Strings: strings.Split(data, "|")}
		case "REG_DWORD", "REG_QWORD":
			n, err := strconv.ParseUint(data, 0, 64)
			if err != nil {
				t.Fatalf("fixture line %q: %v", line, err)
			}
			v = RegValue{Type: regDWORD, Number: n}
			if f[1] == "REG_QWORD" {
				v.Type = regQWORD
			}
		case "REG_BINARY":
			v = RegValue{Type: 3}
		default:
			t.Fatalf("fixture line %q: unknown type", line)
		}
		k.names = append(k.names, f[0])
		k.vals[f[0]] = v
	}
	return k
}

func TestReadersAgreeOnExamples(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			jsonPath := filepath.Join(examplesDir, name+".json")
			data, err := os.ReadFile(jsonPath)
			if err != nil {
				t.Fatal(err)
			}
			fromJSON, err := Decode(bytes.NewReader(data), jsonPath)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, dump(fromJSON))

			reg, err := os.ReadFile(filepath.Join("testdata", "windows", name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			fromReg, err := fromRegistry(parseRegFixture(t, string(reg)), RegistryKey)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := dump(fromReg), dump(fromJSON); got != want {
				t.Errorf("registry reads\n%s\nthe JSON example reads\n%s", got, want)
			}

			plistPath := filepath.Join("testdata", "macos", name+".plist")
			pl, err := os.ReadFile(plistPath)
			if err != nil {
				t.Fatal(err)
			}
			fromPlist, err := decodePlist(pl, plistPath)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := dump(fromPlist), dump(fromJSON); got != want {
				t.Errorf("managed preferences read\n%s\nthe JSON example reads\n%s", got, want)
			}
			for _, c := range []struct {
				p   *Policy
				src string
			}{{fromJSON, jsonPath}, {fromReg, RegistryKey}, {fromPlist, plistPath}} {
				for _, k := range Keys() {
					if _, set := c.p.Value(k); set && c.p.SourceOf(k) != c.src {
						t.Errorf("%s from %q, want %q", k, c.p.SourceOf(k), c.src)
					}
				}
			}
		})
	}
}

// The user's managed preferences win key by key over the machine's, and
// each key names the file it came from.
func TestMergeLayers(t *testing.T) {
	read := func(name string) *Policy {
		path := filepath.Join("testdata", "macos", name)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := decodePlist(data, path)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	machine, user := read("always-on.plist"), read("user-layer.plist")
	p := merge(nil, machine, user)
	golden(t, "merged", dump(p))
	for key, want := range map[string]string{
		KeyMaxTunnels:     "testdata/macos/user-layer.plist",
		KeyLanguage:       "testdata/macos/user-layer.plist",
		KeyConnectAtStart: "testdata/macos/always-on.plist",
		KeyBrowser:        "",
	} {
		if got := p.SourceOf(key); got != want {
			t.Errorf("%s from %q, want %q", key, got, want)
		}
	}
	if merge(nil, nil) != nil {
		t.Error("no layers gave a policy")
	}
}
