package proxy

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// MaxResponse caps the proxy's answer to CONNECT, status line and headers
// together. OpenVPN reads at most a few KiB; a proxy sending more is broken
// or hostile.
const MaxResponse = 16 << 10

// Header is one extra request header; an empty Value sends Name as the whole
// line, as OpenVPN does with a one-parameter CUSTOM-HEADER.
type Header struct {
	Name, Value string
}

// HTTPOptions shape the CONNECT request.
type HTTPOptions struct {
	// Version is "1.0" (the default, as OpenVPN) or "1.1", which adds a
	// Host header.
	Version   string
	UserAgent string
	Headers   []Header
	// Credentials, when set, are sent as Basic Proxy-Authorization.
	Credentials Credentials
}

// HTTPConnect asks the HTTP proxy at the other end of conn to connect to
// target (host:port, the server's name as written) and returns once it
// has, leaving conn positioned at the first byte from the server. proxy
// names the proxy in errors. A 407 is an *AuthError; other statuses a
// *RefusedError. conn is not closed on error: the caller owns it.
func HTTPConnect(ctx context.Context, conn net.Conn, proxy, target string, o HTTPOptions) error {
	req, err := connectRequest(target, o)
	if err != nil {
		return err
	}
	done := exchange(ctx, conn)
	defer done()
	if _, err := io.WriteString(conn, req); err != nil {
		return ioError(ctx, proxy, "send CONNECT", err)
	}
	head, err := readHead(conn)
	if err != nil {
		if errors.Is(err, errTooLarge) || errors.Is(err, errNotHTTP) {
			return fmt.Errorf("the proxy %s answered CONNECT with %w", proxy, err)
		}
		return ioError(ctx, proxy, "read the answer to CONNECT", err)
	}
	resp, err := parseResponse(head)
	if err != nil {
		return fmt.Errorf("the proxy %s answered CONNECT with %w", proxy, err)
	}
	switch {
	case resp.code >= 200 && resp.code < 300:
		return nil
	case resp.code == 407:
		return &AuthError{Proxy: proxy, Refused: !o.Credentials.Empty(), Schemes: resp.schemes, Status: resp.status}
	}
	return &RefusedError{Proxy: proxy, Target: target, Status: resp.status, Code: resp.code}
}

// connectRequest builds the request as OpenVPN's establish_http_proxy_passthru
// does: CONNECT, then Host (1.1 only), User-Agent, custom headers and
// Proxy-Authorization.
func connectRequest(target string, o HTTPOptions) (string, error) {
	host, port, err := net.SplitHostPort(target)
	if err != nil || host == "" || port == "" || strings.ContainsAny(target, " \t\r\n") {
		return "", fmt.Errorf("http proxy: bad target %q", target)
	}
	version := o.Version
	if version == "" {
		version = "1.0"
	}
	if version != "1.0" && version != "1.1" {
		return "", fmt.Errorf("http proxy: HTTP version %q (want 1.0 or 1.1)", version)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CONNECT %s HTTP/%s\r\n", target, version)
	hasHost := false
	for _, h := range o.Headers {
		hasHost = hasHost || strings.EqualFold(h.Name, "Host")
	}
	if version == "1.1" && !hasHost {
		fmt.Fprintf(&b, "Host: %s\r\n", target)
	}
	if o.UserAgent != "" {
		fmt.Fprintf(&b, "User-Agent: %s\r\n", o.UserAgent)
	}
	for _, h := range o.Headers {
		if strings.ContainsAny(h.Name+h.Value, "\r\n") || h.Name == "" {
			return "", fmt.Errorf("http proxy: header %q would break the request", h.Name)
		}
		if h.Value == "" {
			fmt.Fprintf(&b, "%s\r\n", h.Name)
		} else {
			fmt.Fprintf(&b, "%s: %s\r\n", h.Name, h.Value)
		}
	}
	if c := o.Credentials; !c.Empty() {
		if strings.ContainsRune(c.Username, ':') {
			// Basic joins the two with a colon: one in the name cannot be told apart.
			return "", errors.New("http proxy: a username for Basic authentication cannot contain ':'")
		}
		fmt.Fprintf(&b, "Proxy-Authorization: Basic %s\r\n", base64.StdEncoding.EncodeToString([]byte(c.Username+":"+c.Password)))
	}
	b.WriteString("\r\n")
	return b.String(), nil
}

var (
	errTooLarge = fmt.Errorf("more than %d bytes of headers", MaxResponse)
	errNotHTTP  = errors.New("something that is not HTTP")
)

// readHead reads up to and including the blank line that ends the headers,
// one byte at a time so that nothing of the tunnel behind it is consumed.
// The answer is small and comes once per connection.
func readHead(r io.Reader) ([]byte, error) {
	buf := make([]byte, 0, 512)
	var one [1]byte
	for {
		if _, err := io.ReadFull(r, one[:]); err != nil {
			if errors.Is(err, io.EOF) {
				if len(buf) == 0 {
					return nil, errors.New("connection closed by the proxy without an answer")
				}
				return nil, fmt.Errorf("connection closed by the proxy in the middle of its answer (%q): %w", sanitize(string(firstLine(buf))), io.ErrUnexpectedEOF)
			}
			return nil, err
		}
		buf = append(buf, one[0])
		if len(buf) == 5 && !bytes.Equal(buf, []byte("HTTP/")) {
			return nil, fmt.Errorf("%w (%q)", errNotHTTP, sanitize(string(buf)))
		}
		if bytes.HasSuffix(buf, []byte("\r\n\r\n")) || bytes.HasSuffix(buf, []byte("\n\n")) {
			return buf, nil
		}
		if len(buf) >= MaxResponse {
			return nil, errTooLarge
		}
	}
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

// response is what cvpn needs of a proxy's answer.
type response struct {
	code    int
	status  string   // "403 Forbidden", sanitised
	schemes []string // from Proxy-Authenticate
}

// parseResponse reads a status line and headers ("HTTP/1.x NNN reason").
func parseResponse(head []byte) (response, error) {
	lines := strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n")
	sl := lines[0]
	rest, ok := strings.CutPrefix(sl, "HTTP/")
	if !ok {
		return response{}, fmt.Errorf("%w (%q)", errNotHTTP, sanitize(sl))
	}
	_, rest, ok = strings.Cut(rest, " ")
	if !ok || len(rest) < 3 {
		return response{}, fmt.Errorf("a malformed status line %q", sanitize(sl))
	}
	code, err := strconv.Atoi(rest[:3])
	if err != nil || code < 100 || code > 599 || (len(rest) > 3 && rest[3] != ' ') {
		return response{}, fmt.Errorf("a malformed status line %q", sanitize(sl))
	}
	r := response{code: code, status: sanitize(rest)}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "Proxy-Authenticate") {
			continue
		}
		// "Basic realm=x", or several challenges in one header:
		// "Negotiate, NTLM". A scheme is a token not followed by '='.
		for _, part := range strings.Split(value, ",") {
			f := strings.Fields(part)
			if len(f) > 0 && !strings.Contains(f[0], "=") && len(r.schemes) < 16 {
				r.schemes = append(r.schemes, sanitize(f[0]))
			}
		}
	}
	return r, nil
}
