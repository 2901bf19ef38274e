package netcfg

import (
	"bytes"
	"os"
	"sync"
	"time"
)

// DNS watch: another program (a DHCP client, NetworkManager, an
// administrator) may replace the DNS settings Apply made, and names stop
// being resolved through the VPN's servers. Every interval the watch
// reads the settings back through a probe — the resolv.conf cvpn wrote,
// or the tunnel link's settings in systemd-resolved — and compares them
// with what cvpn set. Polling is cheap, and it works where inotify would
// not (a bind-mounted file, a replaced symlink, a D-Bus service).
//
//	ticker ─▶ probe.read ─▶ differs from probe.want? ─▶ onChange (once per new content)

// DNSWatch is a running DNS watch.
type DNSWatch struct {
	done     chan struct{}
	finished chan struct{}
	once     sync.Once
}

// dnsProbe reads the DNS settings a tunnel made, as comparable bytes.
type dnsProbe struct {
	// where names the settings for the user ("/etc/resolv.conf").
	where string
	read  func() ([]byte, error)
	// want is what read returns while the settings are cvpn's; nil
	// means the first read, taken when the watch starts.
	want []byte
	// close, if set, releases what read holds when the watch ends.
	close func()
}

// WatchDNS compares the DNS settings Apply made with the current ones
// every interval until Stop, and calls onChange with a DNSChanged Change
// once for each new content that is not cvpn's. It returns nil, a watch
// that Stop accepts, when there is nothing to watch.
func WatchDNS(a *Applied, interval time.Duration, onChange func(Change)) *DNSWatch {
	if a.DNS == nil {
		return nil
	}
	p, ok := dnsProbeFor(a.DNS)
	if !ok {
		return nil
	}
	t := time.NewTicker(interval)
	return watchDNSWith(p, t.C, t.Stop, onChange, nil)
}

// watchDNSWith is WatchDNS on a given clock; checked, if set, is called
// after each comparison.
func watchDNSWith(p dnsProbe, tick <-chan time.Time, stopTick func(), onChange func(Change), checked func()) *DNSWatch {
	w := &DNSWatch{done: make(chan struct{}), finished: make(chan struct{})}
	if p.want == nil {
		p.want, _ = p.read()
	}
	go func() {
		defer close(w.finished)
		defer stopTick()
		if p.close != nil {
			defer p.close()
		}
		var last []byte  // the content last reported
		changed := false // and it is not cvpn's
		for {
			select {
			case <-w.done:
				return
			case <-tick:
			}
			cur, err := p.read() // a missing file reads as nil: a change too
			switch {
			case err == nil && bytes.Equal(cur, p.want):
				changed = false
			case changed && bytes.Equal(cur, last):
				// already reported
			default:
				changed, last = true, cur
				onChange(Change{Kind: DNSChanged, Path: p.where})
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

// fileProbe watches a file cvpn wrote (resolv.conf mode).
func fileProbe(path string, want []byte) dnsProbe {
	return dnsProbe{where: path, want: want, read: func() ([]byte, error) { return os.ReadFile(path) }}
}
