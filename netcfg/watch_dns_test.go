package netcfg

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestWatchDNS(t *testing.T) {
	before := runtime.NumGoroutine()
	path := filepath.Join(t.TempDir(), "resolv.conf")
	ours := []byte("nameserver 10.8.0.1\n")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(string(ours))
	tick := make(chan time.Time)
	stopped := make(chan struct{})
	changes := make(chan Change, 8)
	checked := make(chan struct{})
	w := watchDNSWith(fileProbe(path, ours), tick,
		func() { close(stopped) }, func(c Change) { changes <- c }, func() { checked <- struct{}{} })
	check := func(want int) { // one comparison
		t.Helper()
		tick <- time.Time{}
		<-checked
		if got := len(changes); got != want {
			t.Fatalf("%d changes reported, want %d", got, want)
		}
	}
	check(0)
	write("nameserver 192.0.2.53\n") // another program's
	check(1)
	if c := <-changes; c.Kind != DNSChanged || c.Path != path || c.String() != path+" was changed" {
		t.Errorf("change %+v", c)
	}
	check(0) // said once
	write("nameserver 192.0.2.54\n")
	check(1)
	<-changes
	write(string(ours)) // back, then changed again: a new report
	check(0)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	check(1)
	<-changes
	w.Stop()
	w.Stop()
	<-stopped
	noGoroutineLeak(t, before)
	if WatchDNS(&Applied{}, time.Second, nil) != nil {
		t.Error("a watch without DNS to watch")
	}
	(*DNSWatch)(nil).Stop()
}
