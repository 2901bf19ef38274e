// Package portal is cvpn's self-service download page: it offers the
// installer that fits the visitor's system (read from the User-Agent and
// client hints), lists the others, and hands out the endpoint's profile,
// optionally only to people signed in through the company's SAML IdP.
//
// It serves only what it found: the installers that Scan matched in the
// dist directory, by exact name, and the one profile file. Request paths
// never reach the file system, so there is no listing and no traversal.
// The page is plain HTML with its stylesheet inline, allowed by hash in a
// Content-Security-Policy that allows nothing else.
package portal

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/crewjam/saml/samlsp"
)

// Config sets up a portal.
type Config struct {
	// Dist is the directory of installers (the output of `make package`).
	Dist string
	// Profile is the .ovpn file offered for download; "" offers none.
	Profile string
	// SAML, when set, requires a SAML session for every page and download.
	SAML *SAMLConfig
	// Logf receives one line per refused request and per start-up fact;
	// nil discards them.
	Logf func(format string, args ...any)
}

// Limits and timeouts. Requests are small (a GET and, with SAML, the
// IdP's POST of a signed response to the ACS); the responses are
// installers of tens of megabytes, so writes get minutes, not seconds.
const (
	MaxHeaderBytes    = 32 << 10  // the SAML session cookie is a few KB
	MaxACSBody        = 256 << 10 // a signed SAMLResponse, with room
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 10 * time.Minute // a 50 MB installer at 1 Mbit/s is ~7 minutes
	IdleTimeout       = 2 * time.Minute
)

// Server is the portal's HTTP handler.
type Server struct {
	cfg  Config
	logf func(string, ...any)
	sp   *samlsp.Middleware // nil without SAML
	mux  *http.ServeMux
}

// New checks cfg and builds the handler. It fails when the dist directory
// cannot be read or the profile cannot be read, so a typo is seen at start
// rather than by the first visitor.
func New(ctx context.Context, cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, logf: cfg.Logf}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	if cfg.Dist == "" {
		return nil, errors.New("no installer directory: give --dist DIR (the output of make package)")
	}
	found, err := Scan(cfg.Dist)
	if err != nil {
		return nil, fmt.Errorf("%w (give --dist the output directory of make package)", err)
	}
	if len(found) == 0 {
		s.logf("portal: warning: %s holds no installer named like %s; the page will say none are available", cfg.Dist, globs())
	}
	if cfg.Profile != "" {
		if _, err := os.ReadFile(cfg.Profile); err != nil {
			return nil, fmt.Errorf("read the profile: %w (give --profile a readable .ovpn file)", err)
		}
	}
	if cfg.SAML != nil {
		sp, err := newSAML(ctx, *cfg.SAML)
		if err != nil {
			return nil, err
		}
		s.sp = sp
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/{$}", s.page)
	s.mux.HandleFunc("/download/{name}", s.download)
	s.mux.HandleFunc("/profile", s.profile)
	return s, nil
}

func globs() string {
	var g []string
	for _, p := range Patterns {
		g = append(g, p.Glob)
	}
	return strings.Join(g, ", ")
}

// ServeHTTP applies the method, size and header rules to every request,
// then routes it; with SAML, everything but the SAML endpoints needs a
// session.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header(), r.TLS != nil)
	samlPath := s.sp != nil && strings.HasPrefix(r.URL.Path, "/saml/")
	acs := samlPath && r.URL.Path == s.sp.ServiceProvider.AcsURL.Path
	switch {
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		if r.ContentLength > 0 {
			http.Error(w, "a GET has no body", http.StatusBadRequest)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 0)
	case r.Method == http.MethodPost && acs:
		if r.ContentLength > MaxACSBody {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxACSBody)
	default:
		allow := "GET, HEAD"
		if acs {
			allow += ", POST"
		}
		w.Header().Set("Allow", allow)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch {
	case samlPath:
		s.sp.ServeHTTP(w, r)
	case s.sp != nil:
		s.sp.RequireAccount(s.mux).ServeHTTP(w, r)
	default:
		s.mux.ServeHTTP(w, r)
	}
}

// setSecurityHeaders sets the headers every response carries. The CSP
// allows the page's one inline stylesheet by hash and nothing else: no
// scripts, images, fonts, frames or form posts.
func setSecurityHeaders(h http.Header, tls bool) {
	h.Set("Content-Security-Policy", "default-src 'none'; style-src "+styleHash+
		"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if tls {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	// Ask for the architecture hint; Critical-CH makes Chromium retry the
	// first visit with it rather than guess from a frozen User-Agent.
	h := w.Header()
	h.Set("Accept-CH", acceptCH)
	h.Set("Critical-CH", hintArch)
	h.Set("Vary", "Accept-Language, User-Agent, "+acceptCH)
	all, err := Scan(s.cfg.Dist)
	if err != nil {
		s.logf("portal: %v", err)
		all = nil
	}
	profileName := ""
	if s.cfg.Profile != "" {
		profileName = ProfileFileName(s.cfg.Profile)
	}
	lang := language(r)
	body, err := renderPage(lang, Detect(r), all, profileName, userName(r))
	if err != nil {
		s.logf("portal: %v", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", lang)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// download serves an installer that Scan found, by exact name. The name
// is looked up, never joined to a path from the request.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	all, err := Scan(s.cfg.Dist)
	if err != nil {
		s.logf("portal: %v", err)
		http.NotFound(w, r)
		return
	}
	for _, d := range all {
		if d.Name == name {
			s.serveFile(w, r, filepath.Join(s.cfg.Dist, d.Name), d.Name, "application/octet-stream")
			return
		}
	}
	http.NotFound(w, r)
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Profile == "" {
		http.NotFound(w, r)
		return
	}
	s.serveFile(w, r, s.cfg.Profile, ProfileFileName(s.cfg.Profile), "application/x-openvpn-profile")
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, file, name, ctype string) {
	f, err := os.Open(file)
	if err != nil {
		s.logf("portal: %v", err)
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	http.ServeContent(w, r, name, info.ModTime(), f)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// ProfileFileName is the name the profile downloads as: the file's base
// name with anything but letters, digits, dot, dash and underscore made a
// dash, no leading dot, and ending in .ovpn.
func ProfileFileName(file string) string {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	base = strings.Trim(unsafeName.ReplaceAllString(base, "-"), ".-")
	if base == "" {
		base = "profile"
	}
	return base + ".ovpn"
}

// HTTPServer wraps h in an http.Server with the portal's timeouts and
// limits; tlsCfg nil serves plain HTTP.
func HTTPServer(h http.Handler, tlsCfg *tls.Config) *http.Server {
	return &http.Server{
		Handler:           h,
		TLSConfig:         tlsCfg,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

// Serve serves h on ln until ctx ends, then shuts down, giving downloads
// in flight a few seconds. With certFile and keyFile it serves HTTPS.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, certFile, keyFile string) error {
	var tlsCfg *tls.Config
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return fmt.Errorf("load the TLS certificate and key: %w (give --cert and --key PEM files that belong together)", err)
		}
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	srv := HTTPServer(h, tlsCfg)
	done := make(chan error, 1)
	go func() {
		if tlsCfg != nil {
			done <- srv.ServeTLS(ln, "", "")
			return
		}
		done <- srv.Serve(ln)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
