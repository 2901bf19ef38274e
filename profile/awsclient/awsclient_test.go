package awsclient

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/profile"
)

func newStore(t *testing.T) *profile.Store {
	t.Helper()
	root := t.TempDir()
	return profile.NewStore(filepath.Join(root, "user"), filepath.Join(root, "managed"))
}

// TestImport5x imports the 5.x fixture: two good profiles (one recorded
// under another user's macOS home, one under a Windows path), one that
// runs a script and has no CA, and one whose .ovpn file is gone.
func TestImport5x(t *testing.T) {
	s := newStore(t)
	dir := filepath.Join("testdata", "aws5")
	r, err := Import(s, []string{filepath.Join("testdata", "nothing-here"), dir})
	if err != nil {
		t.Fatal(err)
	}
	if r.Dir != dir || r.Found != 4 || len(r.Looked) != 2 {
		t.Errorf("dir %q found %d looked %v", r.Dir, r.Found, r.Looked)
	}
	var got []string
	for _, i := range r.Imported {
		got = append(got, i.Name+" "+i.Endpoint)
	}
	want := []string{"Corp VPN (SAML) cvpn-endpoint-0123456789abcdef0", "Dev- mutual-TLS cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("imported %q, want %q", got, want)
	}
	refused := map[string]Refused{}
	for _, ref := range r.Refused {
		refused[ref.AWSName] = ref
	}
	for name, wantWhy := range map[string][]string{
		"Broken": {"not valid", "runs a program"},
		"Gone":   {"missing", "gone"},
	} {
		ref, ok := refused[name]
		if !ok {
			t.Errorf("%s was not refused: %+v", name, r)
			continue
		}
		for _, w := range wantWhy {
			if !strings.Contains(ref.Why, w) {
				t.Errorf("%s refused because %q, want it to say %q", name, ref.Why, w)
			}
		}
		if ref.Fix == "" {
			t.Errorf("%s refused without a fix", name)
		}
	}
	if len(r.Failed) != 0 {
		t.Errorf("failed: %+v", r.Failed)
	}
	list, err := s.List()
	if err != nil || len(list) != 2 {
		t.Fatalf("store holds %d profiles (%v)", len(list), err)
	}

	// Again: both are in cvpn already, so they are refused with a way out.
	r, err = Import(s, []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Imported) != 0 || len(r.Refused) != 4 || !strings.Contains(r.Refused[0].Fix, "--force") {
		t.Errorf("second import: %+v", r)
	}
}

func TestImportFolderOfFiles(t *testing.T) {
	r, err := Import(newStore(t), []string{filepath.Join("testdata", "folder")})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Imported) != 1 || r.Imported[0].Name != "office" {
		t.Errorf("%+v", r)
	}
}

func TestImportNothingFound(t *testing.T) {
	dirs := []string{t.TempDir(), filepath.Join(t.TempDir(), "absent")}
	r, err := Import(newStore(t), dirs)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err %v, want ErrNotFound", err)
	}
	if !reflect.DeepEqual(r.Looked, dirs) {
		t.Errorf("looked %v, want %v", r.Looked, dirs)
	}
}

func TestSanitizeName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Corp VPN", "Corp VPN"},
		{"Dev: mutual/TLS", "Dev- mutual-TLS"},
		{"../../etc/passwd", "etc-passwd"},
		{".hidden", "hidden"},
		{"trailing. ", "trailing"},
		{"東京 VPN", "東京 VPN"},
		{"", "aws-profile"},
		{"***", "aws-profile"},
		{"CON", "aws-profile"},
		{strings.Repeat("é", 40), strings.Repeat("é", 30)},
	} {
		got := SanitizeName(tt.in)
		if got != tt.want {
			t.Errorf("SanitizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if err := profile.ValidName(got); err != nil {
			t.Errorf("SanitizeName(%q) = %q, not valid: %v", tt.in, got, err)
		}
	}
}

func TestUniqueName(t *testing.T) {
	taken := map[string]bool{}
	var got []string
	for _, n := range []string{"Corp", "corp", "Corp", "Other"} {
		got = append(got, uniqueName(n, taken))
	}
	want := []string{"Corp", "corp (2)", "Corp (3)", "Other"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDirs(t *testing.T) {
	env := map[string]string{"HOME": "/home/alice", "APPDATA": `C:\Users\alice\AppData\Roaming`, "USERPROFILE": `C:\Users\alice`}
	for _, tt := range []struct {
		goos string
		want []string
	}{
		{"linux", []string{filepath.Join("/home/alice", ".config", "AWSVPNClient")}},
		{"darwin", []string{filepath.Join("/home/alice", ".config", "AWSVPNClient")}},
		{"windows", []string{`C:\Users\alice\AppData\Roaming\AWSVPNClient`}},
	} {
		got := dirsFor(tt.goos, func(k string) string { return env[k] })
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.goos, got, tt.want)
		}
	}
}
