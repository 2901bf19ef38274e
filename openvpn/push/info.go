package push

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// InfoKind tells what an INFO or INFO_PRE message asks for.
type InfoKind uint8

const (
	// InfoText: plain text to show.
	InfoText InfoKind = iota
	// InfoWebAuth: open a URL to continue authentication ("WEB_AUTH:" or
	// the deprecated "OPEN_URL:"); see WebAuth.
	InfoWebAuth
	// InfoCRText: ask the user a question and answer with CRResponse; see
	// CRText.
	InfoCRText
)

// Info is "INFO,<text>" or "INFO_PRE,<text>" (push.c:server_pushed_info).
// INFO_PRE follows AUTH_PENDING with what the pending step needs
// (doc/management-notes.txt, client-pending-auth).
type Info struct {
	// Pre is set for INFO_PRE.
	Pre bool
	// Text is everything after the comma (for WEB_AUTH with a proxy flag,
	// without the proxy's credentials).
	Text    string
	Kind    InfoKind
	WebAuth *WebAuth
	CRText  *CRText
}

// WebAuth is "WEB_AUTH:<flags>:<url>" or "OPEN_URL:<url>". Flags are
// comma-separated; "proxy=…" carries an HTTP proxy to reach the URL through.
type WebAuth struct {
	URL   string
	Flags []string
	// Hidden: start the web view hidden; External: use the system browser,
	// not an embedded view.
	Hidden, External bool
	// Proxy is set by the "proxy=" flag.
	Proxy *WebAuthProxy
	// Deprecated marks the OPEN_URL form.
	Deprecated bool
}

// WebAuthProxy is the "proxy=<host>;<port>;<user_b64>;<password_b64>" flag,
// decoded.
type WebAuthProxy struct {
	Host     string
	Port     uint16
	Username string
	Password Secret
}

// CRText is "CR_TEXT:<flags>:<text>": a question to answer with CRResponse.
type CRText struct {
	Echo, ResponseRequired bool
	Flags                  []string
	Text                   string
}

func (i *Info) String() string {
	name := "INFO"
	if i.Pre {
		name = "INFO_PRE"
	}
	switch {
	case i.WebAuth != nil:
		return fmt.Sprintf("%s web auth [%s]: %s", name, strings.Join(i.WebAuth.Flags, ","), i.WebAuth.URL)
	case i.CRText != nil:
		return fmt.Sprintf("%s challenge [%s]: %q", name, strings.Join(i.CRText.Flags, ","), i.CRText.Text)
	}
	return fmt.Sprintf("%s: %q", name, i.Text)
}

func parseInfo(s string, cmdLen int, pre bool) Message {
	rest := s[cmdLen:]
	if rest != "" && rest[0] != ',' {
		return unknown(s, "unknown command")
	}
	info := &Info{Pre: pre, Kind: InfoText}
	if rest == "" {
		return info
	}
	info.Text = rest[1:]
	switch {
	case strings.HasPrefix(info.Text, "WEB_AUTH:"):
		info.Kind = InfoWebAuth
		info.WebAuth = parseWebAuth(info.Text[len("WEB_AUTH:"):])
		if info.WebAuth.Proxy != nil {
			// Text must stay printable: drop the proxy credentials.
			info.Text = "WEB_AUTH:" + strings.Join(info.WebAuth.Flags, ",") + ":" + info.WebAuth.URL
		}
	case strings.HasPrefix(info.Text, "OPEN_URL:"):
		info.Kind = InfoWebAuth
		info.WebAuth = &WebAuth{URL: info.Text[len("OPEN_URL:"):], Deprecated: true}
	case strings.HasPrefix(info.Text, "CR_TEXT:"):
		info.Kind = InfoCRText
		info.CRText = parseCRText(info.Text[len("CR_TEXT:"):])
	}
	return info
}

// parseWebAuth splits "<flags>:<url>" at the first ':' outside brackets: a
// proxy flag may hold an IPv6 literal in [].
func parseWebAuth(s string) *WebAuth {
	depth, cut := 0, -1
	for i := 0; i < len(s) && cut < 0; i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case ':':
			if depth == 0 {
				cut = i
			}
		}
	}
	w := &WebAuth{}
	if cut < 0 {
		w.URL = s
		return w
	}
	w.URL = s[cut+1:]
	for _, f := range strings.Split(s[:cut], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		switch {
		case f == "hidden":
			w.Hidden = true
		case f == "external":
			w.External = true
		case strings.HasPrefix(f, "proxy="):
			w.Proxy = parseWebAuthProxy(f[len("proxy="):])
			f = "proxy" // the flag list must not carry the password
		}
		w.Flags = append(w.Flags, f)
	}
	return w
}

func parseWebAuthProxy(s string) *WebAuthProxy {
	parts := strings.Split(s, ";")
	p := &WebAuthProxy{Host: strings.TrimSuffix(strings.TrimPrefix(parts[0], "["), "]")}
	if len(parts) > 1 {
		if n, err := strconv.ParseUint(parts[1], 10, 16); err == nil {
			p.Port = uint16(n)
		}
	}
	if len(parts) > 2 {
		p.Username = decodeUsername(parts[2])
	}
	if len(parts) > 3 {
		if b, err := base64.StdEncoding.DecodeString(parts[3]); err == nil {
			p.Password = Secret(b)
		}
	}
	return p
}

func parseCRText(s string) *CRText {
	c := &CRText{}
	flags, text, ok := strings.Cut(s, ":")
	if !ok {
		c.Text = s
		return c
	}
	c.Text = text
	c.Flags, c.Echo, c.ResponseRequired = parseChallengeFlags(flags)
	return c
}
