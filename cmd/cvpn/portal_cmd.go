package main

import (
	"flag"
	"fmt"
	"net"

	"github.com/cvpn/cvpn/portal"
)

var _ = register(portalCommand())

func portalCommand() *command {
	return &command{
		name:    "portal",
		args:    "--dist DIR (--cert FILE --key FILE | --insecure-http) [--profile FILE] [--listen ADDR] [--saml-idp-metadata URL|FILE --saml-cert FILE --saml-key FILE --public-url URL]",
		summary: "serve the self-service page where users download the installer for their system and their profile",
		run:     (*app).portal,
		flags:   flagsOf(portalFlags),
	}
}

type portalOpts struct {
	listen, dist, profile, cert, key *string
	insecure                         *bool
	idp, samlCert, samlKey, public   *string
}

func portalFlags() (*flag.FlagSet, portalOpts) {
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	return fs, portalOpts{
		listen:   fs.String("listen", ":8443", "listen on `ADDR` (host:port)"),
		dist:     fs.String("dist", "", "serve the installers in `DIR`, the output of make package (names: see package portal's Patterns)"),
		profile:  fs.String("profile", "", "offer the .ovpn `FILE` as the users' profile"),
		cert:     fs.String("cert", "", "the HTTPS certificate chain, PEM `FILE`"),
		key:      fs.String("key", "", "the HTTPS private key, PEM `FILE`"),
		insecure: fs.Bool("insecure-http", false, "serve plain HTTP, for tests or behind a TLS-terminating proxy only"),
		idp:      fs.String("saml-idp-metadata", "", "require SAML sign-in with the IdP whose metadata is at `URL|FILE`"),
		samlCert: fs.String("saml-cert", "", "the SAML service provider's certificate, PEM `FILE`"),
		samlKey:  fs.String("saml-key", "", "the SAML service provider's private key, PEM `FILE`"),
		public:   fs.String("public-url", "", "where users reach the portal, e.g. https://vpn.example.com/ (`URL`); the ACS is URL/saml/acs, the SP metadata URL/saml/metadata"),
	}
}

// portalContext ends the portal; tests replace it.
var portalContext = interruptible

func (a *app) portal(args []string) int {
	const synopsis = "portal --dist DIR (--cert FILE --key FILE | --insecure-http) [flags]"
	fs, o := portalFlags()
	if _, code, ok := a.parseFlags(fs, args, synopsis, 0); !ok {
		return code
	}
	tlsOn := *o.cert != "" || *o.key != ""
	switch {
	case tlsOn && *o.insecure:
		fmt.Fprintln(a.stderr, "cvpn portal: give either --cert and --key or --insecure-http, not both")
		return exitUsage
	case tlsOn && (*o.cert == "" || *o.key == ""):
		fmt.Fprintln(a.stderr, "cvpn portal: --cert and --key go together")
		return exitUsage
	case !tlsOn && !*o.insecure:
		fmt.Fprintln(a.stderr, "cvpn portal: give --cert FILE and --key FILE to serve HTTPS (or --insecure-http for tests and behind a TLS proxy)")
		return exitUsage
	}
	samlAny := *o.idp != "" || *o.samlCert != "" || *o.samlKey != "" || *o.public != ""
	ctx, cancel := portalContext()
	defer cancel()
	cfg := portal.Config{Dist: *o.dist, Profile: *o.profile,
		Logf: func(format string, args ...any) { fmt.Fprintf(a.stderr, format+"\n", args...) }}
	if samlAny {
		cfg.SAML = &portal.SAMLConfig{IdPMetadata: *o.idp, CertFile: *o.samlCert, KeyFile: *o.samlKey, PublicURL: *o.public}
	}
	srv, err := portal.New(ctx, cfg)
	if err != nil {
		return a.fail("portal", err)
	}
	ln, err := net.Listen("tcp", *o.listen)
	if err != nil {
		return a.fail("portal", fmt.Errorf("listen: %w (pick a free --listen address)", err))
	}
	scheme := "https"
	if *o.insecure {
		scheme = "http"
		fmt.Fprintln(a.stderr, "cvpn portal: WARNING: serving plain HTTP (--insecure-http): profiles and sign-ins cross the network unencrypted. Use this only for tests or behind a proxy that terminates TLS.")
	}
	if !samlAny && *o.profile != "" {
		fmt.Fprintln(a.stderr, "cvpn portal: note: no SAML sign-in, so anyone who reaches this address can download the profile")
	}
	fmt.Fprintf(a.stdout, "cvpn portal: serving %s://%s/\n", scheme, ln.Addr())
	if err := portal.Serve(ctx, ln, srv, *o.cert, *o.key); err != nil {
		return a.fail("portal", err)
	}
	return exitOK
}
