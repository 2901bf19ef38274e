//go:build linux

// Command awsemu runs the AWS Client VPN endpoint emulator (e2e/awsemu) as
// a program, for the lab's server namespace: a UDP endpoint that signs
// users in through a SAML IdP and routes their traffic through a TUN
// device, so a client in the other namespace can ping through the tunnel.
//
//	awsemu -listen 198.18.1.1:1194 -tun tun0 -idp-metadata http://198.18.1.1:8080/metadata \
//	       -subnet 198.19.1.0/24 -gateway 198.19.1.1 -client 198.19.1.2 -ca-out /tmp/ca.pem
//
// It writes the CA that signed its certificate to -ca-out (for the client
// profile's <ca>), prints "awsemu: listening on …" once it serves, and
// runs until SIGINT or SIGTERM.
package main

import (
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/crewjam/saml"

	"github.com/cvpn/cvpn/e2e/awsemu"
	"github.com/cvpn/cvpn/tun"
)

func main() {
	listen := flag.String("listen", "", "UDP address to serve, ip:port")
	tunName := flag.String("tun", "", "TUN device to create for the clients' traffic (empty: echo data packets back)")
	metaURL := flag.String("idp-metadata", "", "the IdP's metadata: an http URL or a file")
	acs := flag.String("acs", awsemu.ACSURL, "the ACS URL the IdP posts the SAML response to")
	subnet := flag.String("subnet", "198.19.1.0/24", "tunnel subnet")
	gateway := flag.String("gateway", "198.19.1.1", "the server's tunnel address (given to the TUN device)")
	client := flag.String("client", "198.19.1.2", "the address pushed to the client")
	routes := flag.String("routes", "", "comma-separated prefixes to push as routes")
	caOut := flag.String("ca-out", "", "write the CA certificate (PEM) here")
	limit := flag.Duration("session-limit", 0, "push session-timeout and end each session after this long")
	token := flag.Bool("auth-token", false, "push an auth-token")
	deny := flag.String("deny-user", "", "refuse this user after a valid sign-in (the endpoint's authorization rules leave them out)")
	flag.Parse()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	if err := run(*listen, *tunName, *metaURL, *acs, *subnet, *gateway, *client, *routes, *caOut, *limit, *token, *deny); err != nil {
		log.Fatalf("awsemu: %v", err)
	}
}

func run(listen, tunName, metaURL, acs, subnet, gateway, client, routes, caOut string, limit time.Duration, token bool, deny string) error {
	addr, err := netip.ParseAddrPort(listen)
	if err != nil {
		return fmt.Errorf("-listen: %w", err)
	}
	cfg := awsemu.Config{SessionLimit: limit, AuthToken: token, Logf: log.Printf}
	if deny != "" {
		cfg.DenyUsers = []string{deny}
	}
	if cfg.Subnet, err = netip.ParsePrefix(subnet); err != nil {
		return fmt.Errorf("-subnet: %w", err)
	}
	if cfg.Gateway, err = netip.ParseAddr(gateway); err != nil {
		return fmt.Errorf("-gateway: %w", err)
	}
	if cfg.Client, err = netip.ParseAddr(client); err != nil {
		return fmt.Errorf("-client: %w", err)
	}
	for r := range strings.SplitSeq(routes, ",") {
		if r = strings.TrimSpace(r); r != "" {
			p, err := netip.ParsePrefix(r)
			if err != nil {
				return fmt.Errorf("-routes: %w", err)
			}
			cfg.Routes = append(cfg.Routes, p)
		}
	}
	meta, err := loadMetadata(metaURL)
	if err != nil {
		return err
	}
	if cfg.SP, err = awsemu.ServiceProvider(meta, acs); err != nil {
		return err
	}
	ca, tlsCfg, err := awsemu.NewTLS()
	if err != nil {
		return err
	}
	cfg.TLS = tlsCfg
	if caOut != "" {
		if err := os.WriteFile(caOut, ca, 0o644); err != nil {
			return err
		}
	}
	if tunName != "" {
		dev, err := tun.Create(tunName, 1500)
		if err != nil {
			return err
		}
		// Closed before the server (below), whose Close waits for the
		// goroutine reading it.
		defer dev.Close()
		name, err := dev.Name()
		if err != nil {
			return err
		}
		pfx := netip.PrefixFrom(cfg.Gateway, cfg.Subnet.Bits())
		if err := ip("addr", "add", pfx.String(), "dev", name); err != nil {
			return err
		}
		if err := ip("link", "set", name, "up"); err != nil {
			return err
		}
		cfg.Device = dev
	}
	if cfg.Conn, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr)); err != nil {
		return err
	}
	srv, err := awsemu.Start(cfg)
	if err != nil {
		return err
	}
	go func() {
		for range srv.Events() {
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	log.Printf("awsemu: stopping")
	if cfg.Device != nil {
		_ = cfg.Device.(tun.Device).Close()
	}
	return srv.Close()
}

// loadMetadata reads the IdP's metadata from a URL or a file.
func loadMetadata(src string) (*saml.EntityDescriptor, error) {
	if src == "" {
		return nil, errors.New("-idp-metadata is required")
	}
	var b []byte
	var err error
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		c := &http.Client{Timeout: 10 * time.Second}
		var resp *http.Response
		if resp, err = c.Get(src); err != nil {
			return nil, fmt.Errorf("fetch IdP metadata: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("fetch IdP metadata: %s", resp.Status)
		}
		b, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	} else {
		b, err = os.ReadFile(src)
	}
	if err != nil {
		return nil, fmt.Errorf("read IdP metadata: %w", err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(b, &ed); err != nil {
		return nil, fmt.Errorf("parse IdP metadata: %w", err)
	}
	return &ed, nil
}

func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
