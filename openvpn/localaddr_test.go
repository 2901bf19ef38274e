package openvpn

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/openvpn/transport"
)

// addrConn is a transport.Conn of which only LocalAddr works.
type addrConn struct {
	transport.Conn
	local netip.AddrPort
}

func (c addrConn) LocalAddr() netip.AddrPort { return c.local }

// addrLink is a connected link whose socket is bound to local, which last
// heard from the server now; what it logs goes to *logged.
func addrLink(t *testing.T, local string, logged *[]string) *link {
	t.Helper()
	s := &Session{epoch: time.Now(), logf: func(format string, args ...any) {
		*logged = append(*logged, fmt.Sprintf(format, args...))
	}}
	l := &link{s: s, conn: addrConn{local: netip.MustParseAddrPort(local)}, addrEv: make(chan netip.Addr, 1), connected: true}
	l.lastRecv.Store(s.now())
	t.Cleanup(func() {
		if l.addrStop != nil {
			l.addrStop()
		}
	})
	return l
}

// goneAddrs are addresses no machine running the tests has (documentation
// ranges the lab does not use).
var goneAddrs = []string{"198.51.100.77", "2001:db8:77::77", "fe80::5:77"}

func requireGone(t *testing.T) {
	t.Helper()
	for _, s := range goneAddrs {
		if ok, err := addrAssigned(netip.MustParseAddr(s)); err != nil || ok {
			t.Fatalf("this test needs %s not to be an address of this machine (assigned %v, %v)", s, ok, err)
		}
	}
}

// TestLocalAddrGoneEndsLink: once connected, a link whose local address is
// not (or no longer) this machine's ends with errLocalAddrGone and says
// so: at once where there is a watch (Linux), after a silence where the
// link polls. A socket with nothing to lose (loopback, or unbound with
// float) is neither watched nor polled.
func TestLocalAddrGoneEndsLink(t *testing.T) {
	requireGone(t)
	for _, tc := range []struct {
		name, local string
		gone        string // the address logged as gone; "" if it stays
	}{
		{"ipv4", "198.51.100.77:40000", "198.51.100.77"},
		{"ipv4-mapped", "[::ffff:198.51.100.77]:40000", "198.51.100.77"},
		{"ipv6", "[2001:db8:77::77]:40000", "2001:db8:77::77"},
		{"link-local with zone", "[fe80::5:77%lw9]:40000", "fe80::5:77"},
		{"loopback", "127.0.0.1:40000", ""},
		{"unbound (float)", "0.0.0.0:40000", ""},
		{"unbound ipv6 (float)", "[::]:40000", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logged []string
			l := addrLink(t, tc.local, &logged)
			now := time.Now()
			err := l.checkLocalAddr(now)
			if l.addrStop == nil && !l.addrPoll {
				t.Fatal("connected, but neither watching nor polling")
			}
			if runtime.GOOS == "linux" && tc.gone != "" && l.addrPoll {
				t.Error("polling; on Linux the address must be watched")
			}
			if err == nil && l.addrPoll {
				err = l.checkLocalAddr(now.Add(addrCheckEvery))
			}
			if err == nil && !l.addrPoll {
				wait := 100 * time.Millisecond
				if tc.gone != "" {
					wait = 5 * time.Second
				}
				select {
				case a := <-l.addrEv:
					if time.Since(now) >= addrCheckEvery {
						t.Errorf("the watch took %v; polling would have been as quick", time.Since(now))
					}
					err = l.addrEvent(a)
				case <-time.After(wait):
				}
			}
			if got := errors.Is(err, errLocalAddrGone); got != (tc.gone != "") {
				t.Fatalf("err = %v, want errLocalAddrGone: %v", err, tc.gone != "")
			}
			if tc.gone == "" {
				if len(logged) != 0 || !l.addrCheckDue().IsZero() {
					t.Errorf("nothing to watch, but logged %q, polling due %v", logged, l.addrCheckDue())
				}
				return
			}
			want := tc.gone + " is no longer an address of this machine; reconnecting now"
			if len(logged) != 1 || logged[0] != want {
				t.Errorf("logged %q, want %q", logged, want)
			}
		})
	}
}

// TestLocalAddrPolling is the fallback where there is no watch: checks
// only while the server is silent, every addrCheckEvery, none while
// connecting.
func TestLocalAddrPolling(t *testing.T) {
	requireGone(t)
	for _, tc := range []struct {
		name      string
		local     string
		connected bool
		silence   time.Duration
		wantErr   bool
	}{
		{"connecting", "198.51.100.77:40000", false, time.Minute, false},
		{"just heard from the server", "198.51.100.77:40000", true, addrCheckEvery - time.Millisecond, false},
		{"silent, address gone", "198.51.100.77:40000", true, addrCheckEvery, true},
		{"silent, address kept", "127.0.0.1:40000", true, addrCheckEvery, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logged []string
			l := addrLink(t, tc.local, &logged)
			l.connected, l.addrPoll = tc.connected, true
			heard := l.s.epoch.Add(time.Duration(l.lastRecv.Load()))
			now := heard.Add(tc.silence)
			if err := l.checkLocalAddr(now); errors.Is(err, errLocalAddrGone) != tc.wantErr {
				t.Fatalf("err = %v, want errLocalAddrGone: %v", err, tc.wantErr)
			}
			if l.addrStop != nil {
				t.Error("polling, but a watch was started")
			}
			var want time.Time
			switch {
			case !tc.connected:
			case tc.silence >= addrCheckEvery:
				want = now.Add(addrCheckEvery) // checked: next after another period
			default:
				want = heard.Add(addrCheckEvery)
			}
			if got := l.addrCheckDue(); !got.Equal(want) {
				t.Errorf("next check at %v, want %v", got.Sub(heard), want.Sub(heard))
			}
		})
	}
}

// TestLocalAddrWatchFailurePolls: a watch that fails hands over to
// polling, and says so.
func TestLocalAddrWatchFailurePolls(t *testing.T) {
	var logged []string
	l := addrLink(t, "127.0.0.1:40000", &logged)
	l.addrStop = func() {}
	if err := l.addrEvent(netip.Addr{}); err != nil {
		t.Fatal(err)
	}
	if !l.addrPoll || l.addrCheckDue().IsZero() {
		t.Errorf("polling %v, next check %v; want polling", l.addrPoll, l.addrCheckDue())
	}
	if len(logged) != 1 || !strings.Contains(logged[0], "checking them every 2s of silence instead") {
		t.Errorf("logged %q", logged)
	}
}
