package portal

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
)

// SAMLConfig makes the portal a SAML service provider (crewjam/saml's
// samlsp middleware) whose sessions gate every page and download.
type SAMLConfig struct {
	// IdPMetadata is the IdP's metadata: an http(s) URL or a file.
	IdPMetadata string
	// CertFile and KeyFile are the SP's certificate and key (PEM); they
	// sign the session cookie too.
	CertFile, KeyFile string
	// PublicURL is where browsers reach the portal, e.g.
	// https://vpn.example.com/; the ACS is PublicURL/saml/acs and the SP
	// metadata, which the IdP administrator registers, PublicURL/saml/metadata.
	PublicURL string
	// HTTPClient fetches IdP metadata from a URL; nil uses a client with a
	// 30 s timeout.
	HTTPClient *http.Client
}

// newSAML builds the service provider.
func newSAML(ctx context.Context, c SAMLConfig) (*samlsp.Middleware, error) {
	if c.IdPMetadata == "" || c.CertFile == "" || c.KeyFile == "" || c.PublicURL == "" {
		return nil, errors.New("SAML needs --saml-idp-metadata, --saml-cert, --saml-key and --public-url together")
	}
	root, err := url.Parse(c.PublicURL)
	if err != nil || (root.Scheme != "https" && root.Scheme != "http") || root.Host == "" {
		return nil, fmt.Errorf("--public-url %q is not an http(s) URL such as https://vpn.example.com/", c.PublicURL)
	}
	// samlsp resolves its relative paths against the root, so a root
	// without a trailing slash would lose its last element.
	if !strings.HasSuffix(root.Path, "/") {
		root.Path += "/"
	}
	pair, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("load the SAML certificate and key: %w (give --saml-cert and --saml-key PEM files that belong together)", err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("parse the SAML certificate: %w", err)
	}
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, errors.New("the SAML key cannot sign: give an RSA or ECDSA key")
	}
	idp, err := idpMetadata(ctx, c)
	if err != nil {
		return nil, err
	}
	sp, err := samlsp.New(samlsp.Options{
		URL:         *root,
		Key:         key,
		Certificate: cert,
		IDPMetadata: idp,
		// CookieSameSite stays unset: over https samlsp then sends the
		// request-tracking cookie SameSite=None, which the IdP's
		// cross-site POST to the ACS needs.
		ReplayCache: samlsp.NewMemoryReplayCache(10000),
	})
	if err != nil {
		return nil, fmt.Errorf("set up the SAML service provider: %w", err)
	}
	return sp, nil
}

// idpMetadata reads the IdP's metadata from a URL or a file.
func idpMetadata(ctx context.Context, c SAMLConfig) (*saml.EntityDescriptor, error) {
	if strings.HasPrefix(c.IdPMetadata, "https://") || strings.HasPrefix(c.IdPMetadata, "http://") {
		u, err := url.Parse(c.IdPMetadata)
		if err != nil {
			return nil, fmt.Errorf("--saml-idp-metadata: %w", err)
		}
		client := c.HTTPClient
		if client == nil {
			client = &http.Client{Timeout: 30 * time.Second}
		}
		md, err := samlsp.FetchMetadata(ctx, client, *u)
		if err != nil {
			return nil, fmt.Errorf("fetch the IdP metadata from %s: %w (check the URL, or save the metadata to a file and give its path)", c.IdPMetadata, err)
		}
		return md, nil
	}
	data, err := os.ReadFile(c.IdPMetadata)
	if err != nil {
		return nil, fmt.Errorf("read the IdP metadata: %w (give --saml-idp-metadata a URL or a file)", err)
	}
	md, err := samlsp.ParseMetadata(data)
	if err != nil {
		return nil, fmt.Errorf("parse the IdP metadata in %s: %w (it must be the IdP's SAML metadata XML)", c.IdPMetadata, err)
	}
	return md, nil
}

// userName is the signed-in user's name from the SAML session, "" without.
func userName(r *http.Request) string {
	s, ok := samlsp.SessionFromContext(r.Context()).(samlsp.SessionWithAttributes)
	if !ok {
		return ""
	}
	a := s.GetAttributes()
	for _, k := range []string{"mail", "email", "uid", "cn"} {
		if v := a.Get(k); v != "" {
			return v
		}
	}
	return ""
}
