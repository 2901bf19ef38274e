package saml

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const idpURL = "https://idp.example.com/app/sso/saml?SAMLRequest=fVJNb9swDP0r&RelayState=x"

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{idpURL, true},
		{"http://127.0.0.1:8080/login", true},
		{"HTTPS://Portal.SSO.us-east-1.amazonaws.com/saml/assertion/abc", true},
		{"", false},
		{"file:///etc/passwd", false},
		{"javascript:alert(1)", false},
		{"calc.exe", false},
		{"/usr/bin/xterm", false},
		{"xterm -e sh", false},
		{"mailto:a@example.com", false},
		{"ftp://example.com/", false},
		{"smb://host/share", false},
		{"https:", false},
		{"https://", false},
		{"https:opaque", false},
		{"https://exa mple.com/", false},
		{"https://example.com/\n--flag", false},
		{"https://exämple.com/", false},
		{"-https://example.com/", false},
	}
	for _, tt := range tests {
		err := CheckURL(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("CheckURL(%q) = %v, want ok %v", tt.url, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrBadURL) {
			t.Errorf("CheckURL(%q) = %v, not ErrBadURL", tt.url, err)
		}
	}
}

// fakeBrowser writes a script that records its arguments, one a line, in
// a file, then exits with code; it returns the script and the file.
func fakeBrowser(t *testing.T, code int, stderr string) (script, out string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake browser is a shell script")
	}
	dir := t.TempDir()
	script = filepath.Join(dir, "browser.sh")
	out = filepath.Join(dir, "args")
	text := "#!/bin/sh\nfor a; do printf '%s\\n' \"$a\"; done > " + out + ".tmp && mv " + out + ".tmp " + out + "\n"
	if stderr != "" {
		text += "echo '" + stderr + "' >&2\n"
	}
	text += "exit " + string(rune('0'+code)) + "\n"
	if err := os.WriteFile(script, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, out
}

func readArgs(t *testing.T, out string) []string {
	t.Helper()
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// waitFile waits for the fake browser, which OpenBrowser does not wait for
// once the grace ends.
func waitFile(t *testing.T, name string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(name); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", name)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestOpenBrowserCommand(t *testing.T) {
	t.Run("env, URL last", func(t *testing.T) {
		script, out := fakeBrowser(t, 0, "")
		t.Setenv(BrowserEnv, script+"  --new-window   --profile x")
		if err := OpenBrowser(idpURL, Options{Logf: t.Logf}); err != nil {
			t.Fatal(err)
		}
		waitFile(t, out)
		got := readArgs(t, out)
		want := []string{"--new-window", "--profile", "x", idpURL}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("args %q, want %q", got, want)
		}
	})
	t.Run("setting before env", func(t *testing.T) {
		script, out := fakeBrowser(t, 0, "")
		t.Setenv(BrowserEnv, "/nonexistent/browser")
		if err := OpenBrowser(idpURL, Options{Browser: script}); err != nil {
			t.Fatal(err)
		}
		waitFile(t, out)
		if got := readArgs(t, out); len(got) != 1 || got[0] != idpURL {
			t.Fatalf("args %q", got)
		}
	})
	t.Run("refused URL runs nothing", func(t *testing.T) {
		script, out := fakeBrowser(t, 0, "")
		t.Setenv(BrowserEnv, script)
		for _, u := range []string{"file:///etc/passwd", "calc.exe", "javascript:alert(1)"} {
			if err := OpenBrowser(u, Options{}); !errors.Is(err, ErrBadURL) {
				t.Errorf("OpenBrowser(%q) = %v, want ErrBadURL", u, err)
			}
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatal("the browser ran for a refused URL")
		}
	})
	t.Run("missing command", func(t *testing.T) {
		t.Setenv(BrowserEnv, "/nonexistent/browser --flag")
		err := OpenBrowser(idpURL, Options{})
		if !errors.Is(err, ErrNoBrowser) {
			t.Fatalf("err = %v, want ErrNoBrowser", err)
		}
		for _, s := range []string{"/nonexistent/browser", BrowserEnv, "open this address", idpURL} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%q lacks %q", err, s)
			}
		}
	})
	t.Run("fails at once", func(t *testing.T) {
		script, _ := fakeBrowser(t, 3, "cannot open display")
		t.Setenv(BrowserEnv, script)
		err := OpenBrowser(idpURL, Options{})
		if !errors.Is(err, ErrNoBrowser) || !strings.Contains(err.Error(), "cannot open display") || !strings.Contains(err.Error(), "exit status 3") {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestOpenBrowserDefault: without a command line the system's opener runs,
// and its failure is ErrNoBrowser with the URL to open by hand.
func TestOpenBrowserDefault(t *testing.T) {
	t.Setenv(BrowserEnv, "")
	t.Setenv("DISPLAY", ":0")
	var opened []string
	saved := openDefault
	t.Cleanup(func() { openDefault = saved })
	openDefault = func(u string) error {
		opened = append(opened, u)
		if len(opened) > 1 {
			return errors.New("xdg-open: exit status 3")
		}
		return nil
	}
	if err := OpenBrowser(idpURL, Options{}); err != nil {
		t.Fatal(err)
	}
	err := OpenBrowser(idpURL, Options{})
	if !errors.Is(err, ErrNoBrowser) || !strings.Contains(err.Error(), idpURL) || !strings.Contains(err.Error(), "xdg-open") {
		t.Fatalf("err = %v", err)
	}
	if len(opened) != 2 || opened[0] != idpURL {
		t.Fatalf("opened %q", opened)
	}
	if err := OpenBrowser("file:///etc/shadow", Options{}); !errors.Is(err, ErrBadURL) || len(opened) != 2 {
		t.Fatalf("file URL: %v, opened %d", err, len(opened))
	}
	if runtime.GOOS == "linux" {
		t.Setenv("DISPLAY", "")
		t.Setenv("WAYLAND_DISPLAY", "")
		err := OpenBrowser(idpURL, Options{})
		if !errors.Is(err, ErrNoBrowser) || !strings.Contains(err.Error(), "no graphical session") || len(opened) != 2 {
			t.Fatalf("headless: %v, opened %d", err, len(opened))
		}
	}
}
