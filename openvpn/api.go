package openvpn

import (
	"context"
	"net/netip"

	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
)

// Device is the packet device the engine moves IP packets to and from: the
// part of wireguard-go's tun.Device it uses, so a TUN device or an
// in-memory pipe in a test both satisfy it.
type Device interface {
	// Read reads up to len(bufs) packets, packet i into bufs[i][offset:],
	// its length in sizes[i]; it returns how many were read.
	Read(bufs [][]byte, sizes []int, offset int) (int, error)
	// Write writes each bufs[i][offset:] as one packet. offset is at least
	// 16 so a TUN device has room for its virtio-net header in front.
	Write(bufs [][]byte, offset int) (int, error)
	// BatchSize is the most packets one Read returns.
	BatchSize() int
	// Close unblocks Read; the session calls it when it stops, as it owns
	// the device from Dial on.
	Close() error
}

// Logf is a printf-style logger; nil discards.
type Logf func(format string, args ...any)

func (l Logf) printf(format string, args ...any) {
	if l != nil {
		l(format, args...)
	}
}

// Options are the caller's hooks into a Session. The zero value works for
// certificate-only profiles.
type Options struct {
	// Logf receives routine progress (what a stock client logs at verb 3);
	// Debugf the packet-level detail. Neither may block for long.
	Logf, Debugf Logf
	// Prompter supplies credentials: username and password, static and
	// dynamic (CRV1) challenge responses. nil fails sessions that need
	// them with ErrNoCredentials.
	Prompter Prompter
	// Configure is called after each successful connection, before any
	// traffic flows, with the pushed options. It is where the caller gives
	// the device its address, MTU and routes. An error stops the session.
	Configure func(ctx context.Context, opts *push.Options, link Link) error
	// Version is announced to the server as IV_GUI_VER (e.g. "cvpn 1.0").
	Version string
	// NoKeyExport never offers TLS-EKM key derivation, so data keys come
	// from OpenVPN's PRF as with servers older than 2.6. It is a
	// diagnostic knob (and how tests reach the PRF path against a 2.6
	// server); profiles with force-tls-key-material-export then fail.
	NoKeyExport bool
	// WebAuth says the Prompter can open a URL in the user's browser
	// (PromptWebAuth): the session then announces IV_SSO webauth and
	// openurl. CR_TEXT questions are announced whenever there is a
	// Prompter.
	WebAuth bool
	// NoReconnect ends the session when an established connection drops
	// (Wait returns ErrNoReconnect wrapping why) instead of reconnecting,
	// and stops connecting after one try of each remote (as
	// connect-retry-max 1), for users who want to see a drop rather than
	// have it mended. Retries that belong to signing in (auth-retry, a
	// challenge) still happen.
	NoReconnect bool

	// lookup replaces the system resolver in tests.
	lookup func(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Link describes the transport of one connection, for Configure: the
// server's address must stay reachable outside the tunnel.
type Link struct {
	Remote netip.AddrPort
	Proto  profile.Proto
	// Host is the remote's name as used (after remote-random-hostname).
	Host string
}

// Prompter asks the user (or a keyring, or a browser) for credentials.
// Prompt may block until the user answers; returning an error (for example
// ErrCanceled) stops the session.
type Prompter interface {
	Prompt(ctx context.Context, req *Prompt) (*Answer, error)
}

// PrompterFunc adapts a function to Prompter.
type PrompterFunc func(ctx context.Context, req *Prompt) (*Answer, error)

// Prompt implements Prompter.
func (f PrompterFunc) Prompt(ctx context.Context, req *Prompt) (*Answer, error) { return f(ctx, req) }

// PromptKind says what a Prompt asks for.
type PromptKind uint8

const (
	// PromptUserPass asks for a username (if AskUsername) and a password,
	// and with a StaticChallenge also for its Response.
	PromptUserPass PromptKind = iota + 1
	// PromptChallenge asks for the Response to the server's CRV1 dynamic
	// challenge (for AWS SAML: open Challenge.Text, a URL, and answer with
	// the SAMLResponse).
	PromptChallenge
	// PromptPassphrase asks for the Password that unlocks the profile's
	// private key or PKCS#12 bundle. Retry is set when the last one was
	// wrong. The answer never leaves memory: no log, no file.
	PromptPassphrase
	// PromptProxyAuth asks for the Username and Password of the HTTP or
	// SOCKS proxy named in Prompt.Proxy.
	PromptProxyAuth
	// PromptWebAuth asks the user's side to open Prompt.URL in a browser
	// to finish signing in (OpenVPN's WEB_AUTH / OPEN_URL). The answer
	// carries nothing: the server decides once the user is done there.
	// Sent only when Options.WebAuth says the user's side can do it.
	PromptWebAuth
)

// Prompt is one request for credentials.
type Prompt struct {
	Kind PromptKind
	// Profile is the profile's name, for the dialog's title.
	Profile string
	// Username is the name already known (from the profile or the
	// challenge); AskUsername and AskPassword say what must be asked.
	Username    string
	AskUsername bool
	AskPassword bool
	// StaticChallenge is the profile's static-challenge, asked together
	// with the password.
	StaticChallenge *profile.StaticChallenge
	// Challenge is the server's dynamic challenge for PromptChallenge.
	Challenge *push.Challenge
	// Retry is the server's reason when asking again after a failure.
	Retry string
	// Proxy is the proxy's host:port for PromptProxyAuth.
	Proxy string
	// URL is the page to open for PromptWebAuth (http or https only).
	URL string
}

// Answer is the user's reply to a Prompt.
type Answer struct {
	Username string
	Password string
	// Response answers a static or dynamic challenge.
	Response string
}
