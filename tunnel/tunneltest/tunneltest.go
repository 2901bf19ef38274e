// Package tunneltest provides a scripted engine session and a fake network
// stack for tests of tunnel.Manager and of the service above it.
package tunneltest

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cvpn/cvpn/netcfg"
	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/tunnel"
)

// Session is a session the test scripts: it reports what the test sends
// and ends when closed.
type Session struct {
	// Opts are the options the manager dialled with: Configure and
	// Prompter are how the test plays the server.
	Opts   openvpn.Options
	Tx, Rx atomic.Uint64

	events chan openvpn.Event
	done   chan struct{}
	once   sync.Once
	err    error
}

// Events implements tunnel.Session.
func (f *Session) Events() <-chan openvpn.Event { return f.events }

// Close implements tunnel.Session.
func (f *Session) Close() error { f.End(nil); return nil }

// Wait implements tunnel.Session.
func (f *Session) Wait() error { <-f.done; return f.err }

// Stats implements tunnel.Session.
func (f *Session) Stats() openvpn.Stats {
	return openvpn.Stats{TxBytes: f.Tx.Load(), RxBytes: f.Rx.Load()}
}

// End stops the session with err (nil: as if closed).
func (f *Session) End(err error) {
	f.once.Do(func() {
		f.err = err
		f.events <- &openvpn.StateChange{Time: time.Now(), To: openvpn.StateDisconnected, Err: err}
		close(f.events)
		close(f.done)
	})
}

// Link is the server every fake session talks to.
var Link = openvpn.Link{Remote: netip.MustParseAddrPort("198.51.100.1:1194"), Proto: profile.ProtoUDP}

// BringUp plays a server that pushes subnet.2/24 and routes ("NET MASK"),
// runs the manager's Configure hook and, if it succeeds, reports connected.
func (f *Session) BringUp(t testing.TB, subnet string, routes ...string) error {
	t.Helper()
	items := []string{"topology subnet", "route-gateway " + subnet + ".1", "ifconfig " + subnet + ".2 255.255.255.0"}
	for _, r := range routes {
		items = append(items, "route "+r)
	}
	opts, err := push.ParseOptions(items...)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Opts.Configure(context.Background(), opts, Link); err != nil {
		return err
	}
	f.events <- &openvpn.StateChange{Time: time.Now(), From: openvpn.StateGettingConfig, To: openvpn.StateConnected,
		Remote: Link.Remote, Proto: "udp",
		Connection: &openvpn.ConnectionInfo{Cipher: "AES-256-GCM", IPv4: netip.MustParsePrefix(subnet + ".2/24")}}
	return nil
}

// OS records what the manager applies and reverts, and the sessions it
// dials.
type OS struct {
	mu       sync.Mutex
	applied  map[string]*netcfg.Applied // by interface
	reverted []string
	sessions map[string]*Session // by profile
	devices  int
}

// NewOS returns an empty fake OS.
func NewOS() *OS {
	return &OS{applied: map[string]*netcfg.Applied{}, sessions: map[string]*Session{}}
}

// Hooks are the manager's hooks into this fake.
func (o *OS) Hooks() tunnel.Hooks {
	return tunnel.Hooks{
		CreateDevice: func(name string, mtu int) (openvpn.Device, string, error) {
			o.mu.Lock()
			defer o.mu.Unlock()
			if name == "" {
				name = fmt.Sprintf("cvpn%d", o.devices)
			}
			o.devices++
			return nil, name, nil
		},
		Dial: func(ctx context.Context, p *profile.Profile, dev openvpn.Device, opts openvpn.Options) (tunnel.Session, error) {
			f := &Session{Opts: opts, events: make(chan openvpn.Event, 16), done: make(chan struct{})}
			o.mu.Lock()
			o.sessions[p.Name] = f
			o.mu.Unlock()
			return f, nil
		},
		Apply: func(cfg netcfg.Config, _ netcfg.Logf) (*netcfg.Applied, error) {
			a := &netcfg.Applied{Interface: cfg.Interface, Addresses: cfg.Addresses}
			for _, r := range cfg.Routes {
				a.Routes = append(a.Routes, netcfg.AppliedRoute{Route: r, Device: cfg.Interface})
			}
			o.mu.Lock()
			o.applied[cfg.Interface] = a
			o.mu.Unlock()
			return a, nil
		},
		Revert: func(a *netcfg.Applied, _ netcfg.Logf) error {
			o.mu.Lock()
			delete(o.applied, a.Interface)
			o.reverted = append(o.reverted, a.Interface)
			o.mu.Unlock()
			return nil
		},
	}
}

// Session returns the session dialled for a profile, waiting briefly for
// it, or fails the test.
func (o *OS) Session(t testing.TB, name string) *Session {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		o.mu.Lock()
		s := o.sessions[name]
		o.mu.Unlock()
		if s != nil {
			return s
		}
	}
	t.Fatalf("no session for %s", name)
	return nil
}

// Applied returns what is applied on an interface, nil if nothing.
func (o *OS) Applied(iface string) *netcfg.Applied {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.applied[iface]
}

// Reverted lists the interfaces reverted, in order.
func (o *OS) Reverted() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.reverted...)
}

// Profile returns a minimal profile named name.
func Profile(name string) *profile.Profile {
	return &profile.Profile{Name: name, Remotes: []profile.Remote{{Host: "198.51.100.1", Port: 1194}}}
}
