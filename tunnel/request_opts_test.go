package tunnel_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/cvpn/cvpn/tunnel"
	"github.com/cvpn/cvpn/tunnel/tunneltest"
)

// A request's NoReconnect reaches the engine, and its Debug turns on the
// tunnel's packet-level detail into Config.RequestDebugf, unless the
// service logs every tunnel's detail anyway.
func TestManagerRequestReconnectAndDebug(t *testing.T) {
	tests := []struct {
		name          string
		serviceDebug  bool // Config.Debugf set
		req           tunnel.Request
		wantService   bool // the detail goes to Debugf
		wantRequested bool // to RequestDebugf
	}{
		{name: "defaults", req: tunnel.Request{}},
		{name: "no reconnect", req: tunnel.Request{NoReconnect: true}},
		{name: "debug asked", req: tunnel.Request{Debug: true}, wantRequested: true},
		{name: "service debug", serviceDebug: true, req: tunnel.Request{}, wantService: true},
		{name: "both", serviceDebug: true, req: tunnel.Request{Debug: true}, wantService: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var service, requested []string
			sink := func(to *[]string) func(string, ...any) {
				return func(format string, _ ...any) {
					mu.Lock()
					defer mu.Unlock()
					*to = append(*to, format)
				}
			}
			o := tunneltest.NewOS()
			m, _ := newTestManager(t, o, func(c *tunnel.Config) {
				if tt.serviceDebug {
					c.Debugf = sink(&service)
				}
				c.RequestDebugf = sink(&requested)
			})
			req := tt.req
			req.Profile = tunneltest.Profile("work")
			if _, err := m.Connect(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			f := o.Session(t, "work")
			if f.Opts.NoReconnect != tt.req.NoReconnect {
				t.Errorf("engine's NoReconnect %v, want %v", f.Opts.NoReconnect, tt.req.NoReconnect)
			}
			if (f.Opts.Debugf != nil) != (tt.wantService || tt.wantRequested) {
				t.Fatalf("engine's Debugf set: %v", f.Opts.Debugf != nil)
			}
			if f.Opts.Debugf != nil {
				f.Opts.Debugf("packet %d", 1)
			}
			mu.Lock()
			defer mu.Unlock()
			if got := len(service) > 0; got != tt.wantService {
				t.Errorf("service's debug log got %q", service)
			}
			if got := len(requested) > 0; got != tt.wantRequested {
				t.Errorf("requested debug log got %q", requested)
			}
			if tt.wantRequested && !strings.HasPrefix(requested[0], "work: ") {
				t.Errorf("detail %q, want the tunnel's name in front", requested[0])
			}
		})
	}
}
