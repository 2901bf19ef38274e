//go:build linux

package lab

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Ping sends count echo requests from namespace ns to addr and fails unless
// every one is answered. The short interval and per-reply deadline keep a
// passing check well under a second.
func Ping(ctx context.Context, ns string, addr netip.Addr, count int) error {
	if count < 1 {
		count = 1
	}
	args := []string{"-n", "-c", strconv.Itoa(count), "-i", "0.2", "-W", "2"}
	if addr.Is6() {
		args = append(args, "-6")
	}
	if _, err := Exec(ctx, ns, "ping", append(args, addr.String())...); err != nil {
		return fmt.Errorf("ping %s from %s: %w", addr, ns, err)
	}
	return nil
}

// RouteDev returns the interface the kernel in ns would send a packet for
// addr through (`ip route get`), to prove traffic takes the tunnel and not
// the veth link.
func RouteDev(ctx context.Context, ns string, addr netip.Addr) (string, error) {
	out, err := Exec(ctx, "", "ip", "-n", ns, "route", "get", addr.String())
	if err != nil {
		return "", fmt.Errorf("route get: %w", err)
	}
	f := strings.Fields(string(out))
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "dev" {
			return f[i+1], nil
		}
	}
	return "", fmt.Errorf("route get %s in %s: no dev in %q", addr, ns, out)
}

// Routes returns the destinations of ns's IPv4 routes through dev, e.g. to
// count what a server pushed.
func Routes(ctx context.Context, ns, dev string) ([]string, error) {
	out, err := Exec(ctx, "", "ip", "-n", ns, "-4", "route", "show", "dev", dev)
	if err != nil {
		return nil, fmt.Errorf("list routes: %w", err)
	}
	var dsts []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			dsts = append(dsts, f[0])
		}
	}
	return dsts, nil
}
