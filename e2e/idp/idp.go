// Package idp is a SAML identity provider for cvpn's end-to-end tests,
// built on crewjam/saml's samlidp: one user with a password login form,
// a self-signed signing certificate made at start, and the service
// providers given at start registered. Its administrative endpoints are
// closed. It is test infrastructure only.
package idp

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlidp"
	"golang.org/x/crypto/bcrypt"
)

// Options set up an IdP.
type Options struct {
	// URL is where browsers reach the IdP, e.g. http://127.0.0.1:8080.
	URL string
	// Username and Password are the one user's; Email is its NameID
	// (default Username@example.test).
	Username, Password, Email string
	// ServiceProviders are registered at start.
	ServiceProviders []*saml.EntityDescriptor
	// Logf receives the IdP's log lines; nil discards them.
	Logf func(format string, args ...any)
}

// IdP is an identity provider; serve it with Handler.
type IdP struct {
	// Metadata is the IdP's metadata, as a service provider trusts it.
	Metadata *saml.EntityDescriptor
	server   *samlidp.Server
}

// New makes an IdP with a fresh signing key and certificate.
func New(o Options) (*IdP, error) {
	if o.URL == "" || o.Username == "" || o.Password == "" {
		return nil, errors.New("idp: URL, Username and Password are required")
	}
	base, err := url.Parse(strings.TrimSuffix(o.URL, "/"))
	if err != nil {
		return nil, fmt.Errorf("idp: %w", err)
	}
	key, cert, err := selfSigned(base.Hostname())
	if err != nil {
		return nil, fmt.Errorf("idp: %w", err)
	}
	store := &samlidp.MemoryStore{}
	hash, err := bcrypt.GenerateFromPassword([]byte(o.Password), bcrypt.MinCost)
	if err != nil {
		return nil, fmt.Errorf("idp: %w", err)
	}
	email := o.Email
	if email == "" {
		email = o.Username + "@example.test"
	}
	user := samlidp.User{Name: o.Username, HashedPassword: hash, Email: email, GivenName: o.Username}
	if err := store.Put("/users/"+o.Username, user); err != nil {
		return nil, fmt.Errorf("idp: %w", err)
	}
	for i, sp := range o.ServiceProviders {
		if err := store.Put(fmt.Sprintf("/services/sp%d", i), samlidp.Service{Name: sp.EntityID, Metadata: *sp}); err != nil {
			return nil, fmt.Errorf("idp: register %s: %w", sp.EntityID, err)
		}
	}
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	srv, err := samlidp.New(samlidp.Options{
		URL: *base, Key: key, Signer: key, Certificate: cert, Store: store,
		Logger: logger(logf),
		AdminMiddleware: func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, "closed in tests", http.StatusForbidden)
			})
		},
	})
	if err != nil {
		return nil, fmt.Errorf("idp: %w", err)
	}
	srv.InitializeHTTP() // again: AdminMiddleware is applied there
	return &IdP{Metadata: srv.IDP.Metadata(), server: srv}, nil
}

// Handler serves the IdP: /metadata, /sso, /login and the rest.
func (i *IdP) Handler() http.Handler { return i.server }

// AddServiceProvider registers a service provider after start, for one
// whose metadata exists only once it runs (the portal publishes its own at
// /saml/metadata). It goes through the IdP's own PUT /services/ID handler,
// which the closed admin endpoints otherwise guard.
func (i *IdP) AddServiceProvider(id string, metadataXML []byte) error {
	req, err := http.NewRequest(http.MethodPut, "/services/"+url.PathEscape(id), bytes.NewReader(metadataXML))
	if err != nil {
		return fmt.Errorf("idp: %w", err)
	}
	req.SetPathValue("id", id)
	w := &statusWriter{header: http.Header{}, code: http.StatusOK}
	i.server.HandlePutService(w, req)
	if w.code/100 != 2 {
		return fmt.Errorf("idp: register service provider %s: status %d (is it SP metadata XML?)", id, w.code)
	}
	return nil
}

// statusWriter is the smallest http.ResponseWriter: it keeps the status.
type statusWriter struct {
	header http.Header
	code   int
}

func (w *statusWriter) Header() http.Header         { return w.header }
func (w *statusWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *statusWriter) WriteHeader(code int)        { w.code = code }

// MetadataXML is the IdP's metadata document.
func (i *IdP) MetadataXML() ([]byte, error) { return xml.MarshalIndent(i.Metadata, "", "  ") }

// selfSigned makes the IdP's signing key and certificate.
func selfSigned(host string) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "cvpn e2e IdP " + host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return key, cert, err
}

// logger adapts a printf function to crewjam/saml's logger.
type logger func(format string, args ...any)

func (l logger) Printf(format string, v ...any) { l("idp: "+format, v...) }
func (l logger) Print(v ...any)                 { l("idp: %s", fmt.Sprint(v...)) }
func (l logger) Println(v ...any)               { l("idp: %s", fmt.Sprint(v...)) }
func (l logger) Fatal(v ...any)                 { l("idp: fatal: %s", fmt.Sprint(v...)) }
func (l logger) Fatalf(format string, v ...any) { l("idp: fatal: "+format, v...) }
func (l logger) Fatalln(v ...any)               { l("idp: fatal: %s", fmt.Sprint(v...)) }
func (l logger) Panic(v ...any)                 { panic(fmt.Sprint(v...)) }
func (l logger) Panicf(format string, v ...any) { panic(fmt.Sprintf(format, v...)) }
func (l logger) Panicln(v ...any)               { panic(fmt.Sprint(v...)) }
