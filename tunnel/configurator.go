package tunnel

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/tun"
)

// Configurator applies each connection's network configuration to a
// device and undoes it. Its Configure method is an openvpn.Options
// Configure hook. A reconnection that pushes the same configuration leaves
// the system alone; a different one replaces the old configuration.
type Configurator struct {
	// Device is the TUN device's name; MTU its MTU when the server pushes
	// none.
	Device string
	MTU    int
	// Profile supplies the profile's own routing lines.
	Profile *profile.Profile
	// Logf reports each change; Warnf what was left out. Either may be nil.
	Logf, Warnf func(format string, args ...any)

	mu      sync.Mutex
	applied *tun.Applied
	last    tun.Config
}

// Configure maps opts to a tun.Config and applies it.
func (c *Configurator) Configure(_ context.Context, opts *push.Options, link openvpn.Link) error {
	cfg, warns, err := NetConfig(c.Device, c.MTU, opts, c.Profile, link)
	for _, w := range warns {
		if c.Warnf != nil {
			c.Warnf("%s", w)
		}
	}
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.applied != nil {
		if reflect.DeepEqual(cfg, c.last) {
			return nil
		}
		if err := tun.Revert(c.applied, c.Logf); err != nil {
			return fmt.Errorf("undo the previous configuration: %w", err)
		}
		c.applied = nil
	}
	a, err := tun.Apply(cfg, c.Logf)
	if err != nil {
		return err
	}
	c.applied, c.last = a, cfg
	return nil
}

// Revert undoes what Configure applied, if anything.
func (c *Configurator) Revert() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.applied == nil {
		return nil
	}
	err := tun.Revert(c.applied, c.Logf)
	c.applied = nil
	return err
}

// Applied returns what is currently applied (nil if nothing), for the
// service to persist.
func (c *Configurator) Applied() *tun.Applied {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.applied
}
