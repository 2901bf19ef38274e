//go:build linux

package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/cvpn/cvpn/e2e/lab"
)

// config holds the flags; they map onto lab.ServerOptions.
type config struct {
	proto, wrap, key, ciphers, fallback, auth, compress, topology string
	forceCookie, userPass, noClientCert, authGenToken, ekm        bool
	ipv6, transportIPv6, stockClient, inClientNS, verbose         bool
	routes, renegSec, keepalive, exitNotify, port                 int
	outDir                                                        string
	extra                                                         stringList
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, "; ") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func newFlags(c *config) *flag.FlagSet {
	fs := flag.NewFlagSet("cvpn-lab", flag.ContinueOnError)
	fs.StringVar(&c.proto, "proto", "udp", "transport: udp or tcp")
	fs.IntVar(&c.port, "port", 1194, "server port")
	fs.StringVar(&c.wrap, "wrap", "tls-crypt", "control channel wrapping: none, tls-auth, tls-auth-nodir, tls-crypt, tls-crypt-v2")
	fs.BoolVar(&c.forceCookie, "force-cookie", false, "tls-crypt-v2 force-cookie")
	fs.StringVar(&c.key, "key", "ecdsa", "certificate keys: ecdsa, rsa2048, rsa4096")
	fs.StringVar(&c.ciphers, "ciphers", "", "server data-ciphers, colon-separated (default: openvpn's)")
	fs.StringVar(&c.fallback, "fallback-cipher", "", "data-ciphers-fallback, e.g. AES-256-CBC")
	fs.StringVar(&c.auth, "auth", "", "auth digest: SHA1, SHA256, SHA512")
	fs.BoolVar(&c.ekm, "ekm", false, "force-tls-key-material-export")
	fs.StringVar(&c.compress, "compress", "off", "pushed compression: off, stub-v2, lzo-no, stub")
	fs.IntVar(&c.routes, "routes", 0, "number of extra routes to push (over ~60 forces push-continuation)")
	fs.IntVar(&c.renegSec, "reneg-sec", 0, "server reneg-sec (0: openvpn's default)")
	fs.IntVar(&c.keepalive, "keepalive", 10, "keepalive interval in seconds (timeout 4x); 0 disables")
	fs.IntVar(&c.exitNotify, "exit-notify", 0, "explicit-exit-notify count (udp)")
	fs.StringVar(&c.topology, "topology", "subnet", "subnet, net30 or p2p")
	fs.BoolVar(&c.ipv6, "ipv6", false, "IPv6 inside the tunnel as well")
	fs.BoolVar(&c.transportIPv6, "transport-ipv6", false, "client connects to the server over IPv6")
	fs.BoolVar(&c.userPass, "userpass", false, "require username/password (exported as CVPN_LAB_USERNAME/PASSWORD)")
	fs.BoolVar(&c.noClientCert, "no-client-cert", false, "verify-client-cert none (implies -userpass)")
	fs.BoolVar(&c.authGenToken, "auth-gen-token", false, "auth-gen-token (implies -userpass)")
	fs.Var(&c.extra, "server-extra", "extra server config line (repeatable)")
	fs.StringVar(&c.outDir, "out", "", "directory for client.ovpn (default: the lab dir, removed on exit)")
	fs.BoolVar(&c.stockClient, "stock-client", false, "also connect Debian's openvpn client in the client namespace")
	fs.BoolVar(&c.inClientNS, "in-client-ns", false, "run CMD inside the client namespace")
	fs.BoolVar(&c.verbose, "v", false, "log progress to stderr")
	return fs
}

// options turns the flags into lab options.
func (c *config) options() (lab.Options, error) {
	wrap, err := lab.ParseWrap(c.wrap)
	if err != nil {
		return lab.Options{}, err
	}
	kt, err := lab.ParseKeyType(c.key)
	if err != nil {
		return lab.Options{}, err
	}
	comp, err := lab.ParseCompression(c.compress)
	if err != nil {
		return lab.Options{}, err
	}
	o := lab.ServerOptions{
		Proto:                 lab.Proto(c.proto),
		Port:                  c.port,
		TransportIPv6:         c.transportIPv6,
		Wrap:                  wrap,
		TLSCryptV2ForceCookie: c.forceCookie,
		Auth:                  c.auth,
		DataCiphersFallback:   c.fallback,
		ForceEKM:              c.ekm,
		Compression:           comp,
		PushRoutes:            c.routes,
		RenegSec:              c.renegSec,
		KeepaliveInterval:     c.keepalive,
		Topology:              c.topology,
		IPv6:                  c.ipv6,
		UserPass:              c.userPass || c.noClientCert || c.authGenToken,
		AuthGenToken:          c.authGenToken,
		KeyType:               kt,
		ExplicitExitNotify:    c.exitNotify,
		Extra:                 c.extra,
	}
	if c.ciphers != "" {
		o.DataCiphers = strings.Split(c.ciphers, ":")
	}
	if c.noClientCert {
		o.VerifyClientCert = "none"
	}
	if err := o.Validate(); err != nil {
		return lab.Options{}, fmt.Errorf("options: %w", err)
	}
	return lab.Options{Server: o, NoSignalHook: true}, nil
}
