package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

func TestParseFlags(t *testing.T) {
	for _, c := range []struct {
		args    []string
		want    config
		err     string
		printed string
	}{
		{args: nil, want: config{}},
		{args: []string{"--tray"}, want: config{tray: true}},
		{args: []string{"--socket", "/tmp/x.sock"}, want: config{socket: "/tmp/x.sock"}},
		{args: []string{"--version"}, err: errHelpShown.Error(), printed: "cvpn-gui dev"},
		{args: []string{"--help"}, err: errHelpShown.Error(), printed: "systemctl start cvpn"},
		{args: []string{"--bogus"}, err: "flag provided but not defined"},
		{args: []string{"extra"}, err: `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			got, err := parseFlags(c.args, &out)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one with %q", err, c.err)
				}
			} else if err != nil || got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
			if !strings.Contains(out.String(), c.printed) {
				t.Errorf("printed %q, want %q in it", out.String(), c.printed)
			}
		})
	}
}

// The second copy asks the first to show its window and ends; a socket
// left by a crashed copy is claimed again.
func TestSingleInstance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "gui.sock")
	first, err := claimInstance(path)
	if err != nil {
		t.Fatal(err)
	}
	var shown atomic.Int32
	first.Serve(func() { shown.Add(1) })
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("socket dir: %v, %v; want 0700", st.Mode(), err)
	}

	if _, err := claimInstance(path); !errors.Is(err, errRunning) {
		t.Fatalf("second claim: %v, want errRunning", err)
	}
	if shown.Load() != 1 {
		t.Errorf("the first copy was asked to show %d times, want 1", shown.Load())
	}
	first.Close()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket left after Close: %v", err)
	}

	// A stale socket file (a crashed copy's): nothing answers, so the
	// next copy takes over.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := claimInstance(path)
	if err != nil {
		t.Fatalf("claim over a stale socket: %v", err)
	}
	again.Close()
}

// A request that is not "show", or never ends its line, is dropped
// without showing anything.
func TestSingleInstanceIgnoresJunk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gui.sock")
	inst, err := claimInstance(path)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	var shown atomic.Int32
	inst.Serve(func() { shown.Add(1) })
	for _, junk := range []string{"quit\n", strings.Repeat("x", 500)} {
		c, err := dialUnix(path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write([]byte(junk))
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		buf := make([]byte, 8)
		n, _ := c.Read(buf)
		c.Close()
		if n != 0 {
			t.Errorf("%.10q was answered %q", junk, buf[:n])
		}
	}
	if shown.Load() != 0 {
		t.Errorf("junk showed the window %d times", shown.Load())
	}
}

// start wires the views over the service's address: with no service
// there, the window says so and how to start it; --tray keeps the
// window hidden.
func TestStartWithoutService(t *testing.T) {
	for _, tray := range []bool{false, true} {
		dir := t.TempDir()
		t.Setenv("CVPN_CONFIG_DIR", dir)
		t.Setenv("CVPN_MANAGED_DIR", filepath.Join(dir, "managed"))
		t.Setenv("CVPN_POLICY_FILE", filepath.Join(dir, "no-policy.json"))
		a := test.NewTempApp(t)
		var logged []string
		g, err := start(a, config{tray: tray, socket: filepath.Join(dir, "none.sock")}, func(f string, args ...any) {
			logged = append(logged, f)
		})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(bannerText(g), "not running") {
			if time.Now().After(deadline) {
				t.Fatalf("tray=%v: the window never said the service is not running; it shows %q", tray, bannerText(g))
			}
			time.Sleep(50 * time.Millisecond)
		}
		if hidden := g.app.Window.Hidden(); hidden != tray {
			t.Errorf("tray=%v: window hidden %v", tray, hidden)
		}
		g.app.Close()
		g.Close()
	}
}

func bannerText(g *gui) string {
	if e := g.m.View().Error; e != nil {
		return e.Text()
	}
	return ""
}
