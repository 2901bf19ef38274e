package netcfg

import (
	"bytes"
	"os"
	"sync"
	"time"
)

// DNS watch: when Apply wrote resolv.conf, another program (a DHCP
// client, NetworkManager, an administrator) may write its own over it,
// and names stop being resolved through the VPN's servers. The file is
// compared with what cvpn wrote every interval: cheap, and it works
// where inotify would not (a bind-mounted file, a replaced symlink).
// systemd-resolved's per-link settings are not watched.

// DNSWatch is a running DNS watch.
type DNSWatch struct {
	done     chan struct{}
	finished chan struct{}
	once     sync.Once
}

// WatchDNS compares the resolv.conf Apply wrote (a.DNS in resolv.conf
// mode) with its current content every interval until Stop, and calls
// onChange with a DNSChanged Change once for each new content that is not
// cvpn's. It returns nil, a watch that Stop accepts, when there is
// nothing to watch.
func WatchDNS(a *Applied, interval time.Duration, onChange func(Change)) *DNSWatch {
	if a.DNS == nil || a.DNS.Mode != modeResolvConf {
		return nil
	}
	t := time.NewTicker(interval)
	return watchDNSWith(a.DNS, t.C, t.Stop, onChange, nil)
}

// watchDNSWith is WatchDNS on a given clock; checked, if set, is called
// after each comparison.
func watchDNSWith(rec *AppliedDNS, tick <-chan time.Time, stopTick func(), onChange func(Change), checked func()) *DNSWatch {
	w := &DNSWatch{done: make(chan struct{}), finished: make(chan struct{})}
	go func() {
		defer close(w.finished)
		defer stopTick()
		var last []byte  // the content last reported
		changed := false // and it is not cvpn's
		for {
			select {
			case <-w.done:
				return
			case <-tick:
			}
			cur, err := os.ReadFile(rec.Path) // a missing file reads as nil: a change too
			switch {
			case err == nil && bytes.Equal(cur, rec.Written):
				changed = false
			case changed && bytes.Equal(cur, last):
				// already reported
			default:
				changed, last = true, cur
				onChange(Change{Kind: DNSChanged, Path: rec.Path})
			}
			if checked != nil {
				checked()
			}
		}
	}()
	return w
}

// Stop ends the watch and waits until onChange can no longer be called.
// It is safe on a nil watch and more than once.
func (w *DNSWatch) Stop() {
	if w == nil {
		return
	}
	w.once.Do(func() { close(w.done) })
	<-w.finished
}
