package credstore

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

const testPassword = "Pa55-w0rd!never-in-errors"

// useMock puts go-keyring's in-memory mock in place for one test, with
// diagnose answering why (or nothing), so results do not depend on
// whether this machine has a keyring.
func useMock(t *testing.T, err error, why string) {
	t.Helper()
	if err != nil {
		keyring.MockInitWithError(err)
	} else {
		keyring.MockInit()
	}
	saved := diagnose
	diagnose = func(error) string { return why }
	t.Cleanup(func() { diagnose = saved })
}

func TestRoundTrip(t *testing.T) {
	alice := Credentials{Username: "alice", Password: testPassword}
	alice2 := Credentials{Username: "alice@example.com", Password: "new " + testPassword + " \"quoted\"\n"}
	bob := Credentials{Username: "bob", Password: ""}
	type step struct {
		op      string // save, load, delete
		profile string
		creds   Credentials // to save, or expected from load
		wantErr error       // errors.Is target; nil for success
		errText string      // substring of the error, if any
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"save and load", []step{
			{op: "save", profile: "corp", creds: alice},
			{op: "load", profile: "corp", creds: alice},
		}},
		{"overwrite", []step{
			{op: "save", profile: "corp", creds: alice},
			{op: "save", profile: "corp", creds: alice2},
			{op: "load", profile: "corp", creds: alice2},
		}},
		{"profiles are separate", []step{
			{op: "save", profile: "corp", creds: alice},
			{op: "save", profile: "lab vpn (ünicode)", creds: bob},
			{op: "load", profile: "corp", creds: alice},
			{op: "load", profile: "lab vpn (ünicode)", creds: bob},
		}},
		{"delete", []step{
			{op: "save", profile: "corp", creds: alice},
			{op: "delete", profile: "corp"},
			{op: "load", profile: "corp", wantErr: ErrNotFound, errText: `load credentials for "corp": no saved credentials`},
		}},
		{"missing", []step{
			{op: "load", profile: "corp", wantErr: ErrNotFound},
			{op: "delete", profile: "corp"},
		}},
		{"empty profile name", []step{
			{op: "save", profile: "", creds: alice, errText: "save credentials: empty profile name"},
			{op: "load", profile: "", errText: "load credentials: empty profile name"},
			{op: "delete", profile: "", errText: "delete credentials: empty profile name"},
		}},
		{"bad profile names", []step{
			{op: "save", profile: "a\nb", creds: alice, errText: "control character"},
			{op: "load", profile: strings.Repeat("x", 300), errText: "longer than"},
			{op: "delete", profile: "\xff", errText: "UTF-8"},
		}},
		{"bad credentials", []step{
			{op: "save", profile: "corp", creds: Credentials{Password: testPassword}, errText: "username is empty"},
			{op: "save", profile: "corp", creds: Credentials{Username: "a", Password: testPassword + "\x00"}, errText: "NUL"},
			{op: "load", profile: "corp", wantErr: ErrNotFound},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			useMock(t, nil, "")
			for i, st := range tt.steps {
				var err error
				switch st.op {
				case "save":
					err = Save(st.profile, st.creds)
				case "delete":
					err = Delete(st.profile)
				case "load":
					var got Credentials
					got, err = Load(st.profile)
					if err == nil && got != st.creds {
						t.Errorf("step %d: load %q = %+v, want %+v", i, st.profile, got, st.creds)
					}
				}
				checkErr(t, err, st.wantErr, st.errText)
			}
		})
	}
}

// checkErr checks an error against what a step expects, and that it never
// holds the password.
func checkErr(t *testing.T, err, want error, text string) {
	t.Helper()
	switch {
	case err == nil && (want != nil || text != ""):
		t.Errorf("no error, want %v %q", want, text)
	case err != nil && want == nil && text == "":
		t.Errorf("unexpected error: %v", err)
	case err != nil && want != nil && !errors.Is(err, want):
		t.Errorf("error %v, want one matching %v", err, want)
	case err != nil && !strings.Contains(err.Error(), text):
		t.Errorf("error %q lacks %q", err, text)
	}
	if err != nil {
		if strings.Contains(err.Error(), testPassword) || strings.Contains(err.Error(), "Pa55") {
			t.Errorf("error contains the password: %v", err)
		}
		if msg := err.Error(); msg[:1] != strings.ToLower(msg[:1]) {
			t.Errorf("error is not lower-case: %v", err)
		}
	}
}

// TestItemFormat pins what other cvpn versions will find in the keyring:
// service "cvpn", account the profile name, a JSON object.
func TestItemFormat(t *testing.T) {
	useMock(t, nil, "")
	if err := Save("corp", Credentials{Username: "alice", Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	raw, err := keyring.Get("cvpn", "corp")
	if err != nil {
		t.Fatalf("no item for service cvpn, account corp: %v", err)
	}
	var it map[string]any
	if err := json.Unmarshal([]byte(raw), &it); err != nil {
		t.Fatalf("item is not JSON: %v", err)
	}
	want := map[string]any{"v": float64(1), "username": "alice", "password": testPassword}
	for k, v := range want {
		if it[k] != v {
			t.Errorf("item[%q] = %v, want %v", k, it[k], v)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name     string
		mockErr  error
		why      string // what diagnose says
		stored   string // item to put in the keyring first (mock without error)
		wantErr  error
		wantText []string
	}{
		{name: "other keyring error", mockErr: errors.New("keyring exploded"),
			wantText: []string{`credentials for "corp": keyring exploded`}},
		{name: "no keyring", mockErr: errors.New("dial unix /run/user/1000/bus: no such file"), why: "no D-Bus session bus",
			wantErr: ErrUnavailable, wantText: []string{"no keyring available: no D-Bus session bus; ", fixHint}},
		{name: "unsupported platform", mockErr: keyring.ErrUnsupportedPlatform,
			wantErr: ErrUnavailable, wantText: []string{"no keyring available: cvpn has no keyring support on this system"}},
		{name: "error quoting the password", mockErr: errors.New("bad secret " + testPassword),
			wantText: []string{"details withheld"}},
		{name: "item not ours", stored: "hunter2-plain-password",
			wantText: []string{"not in cvpn's format"}},
		{name: "item from a later version", stored: `{"v":2,"username":"a","password":"` + testPassword + `"}`,
			wantText: []string{"not in cvpn's format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			useMock(t, nil, tt.why)
			if tt.stored != "" {
				if err := keyring.Set(Service, "corp", tt.stored); err != nil {
					t.Fatal(err)
				}
			}
			if tt.mockErr != nil {
				keyring.MockInitWithError(tt.mockErr)
			}
			var errs []error
			if tt.stored == "" {
				errs = append(errs, Save("corp", Credentials{Username: "alice", Password: testPassword}))
				if tt.name != "error quoting the password" {
					errs = append(errs, Delete("corp"))
				}
			}
			if tt.name != "error quoting the password" { // Load has no password to look for
				_, err := Load("corp")
				errs = append(errs, err)
			}
			for _, err := range errs {
				for _, text := range tt.wantText {
					checkErr(t, err, tt.wantErr, text)
				}
				if err != nil && strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error shows the stored item: %v", err)
				}
			}
		})
	}
}

func TestTooLong(t *testing.T) {
	useMock(t, keyring.ErrSetDataTooBig, "")
	err := Save("corp", Credentials{Username: "alice", Password: testPassword})
	checkErr(t, err, nil, "too long for the system keyring")
}

func TestTimeout(t *testing.T) {
	saved := Timeout
	Timeout = 20 * time.Millisecond
	defer func() { Timeout = saved }()
	release := make(chan struct{})
	defer close(release)
	err := call(func() error { <-release; return nil })
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("got %v, want ErrUnavailable saying the keyring did not answer", err)
	}
}
