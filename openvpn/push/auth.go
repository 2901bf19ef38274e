package push

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuthFailKind tells the AUTH_FAILED variants apart.
type AuthFailKind uint8

const (
	// AuthFailPlain: authentication failed. Unless an auth-token was in use,
	// ask for credentials again or give up (auth-retry).
	AuthFailPlain AuthFailKind = iota
	// AuthFailSession: "AUTH_FAILED,SESSION:…", the auth-token expired or
	// is invalid: drop it and authenticate in full on a new session.
	AuthFailSession
	// AuthFailTemp: "AUTH_FAILED,TEMP…", the server is temporarily unable;
	// retry after the backoff (see TempFailure).
	AuthFailTemp
	// AuthFailChallenge: "AUTH_FAILED,CRV1:…", a dynamic challenge; answer
	// it on a new session (see Challenge).
	AuthFailChallenge
)

func (k AuthFailKind) String() string {
	switch k {
	case AuthFailPlain:
		return "plain"
	case AuthFailSession:
		return "session"
	case AuthFailTemp:
		return "temp"
	case AuthFailChallenge:
		return "challenge"
	}
	return fmt.Sprintf("AuthFailKind(%d)", uint8(k))
}

// AuthFailed is "AUTH_FAILED[,reason]" (push.c:receive_auth_failed).
type AuthFailed struct {
	Kind AuthFailKind
	// Reason is everything after "AUTH_FAILED,", empty when there is none.
	// For a challenge it contains the state id; prefer String for logs.
	Reason string
	// Temp is set for AuthFailTemp.
	Temp *TempFailure
	// Challenge is set for AuthFailChallenge.
	Challenge *Challenge
}

// Advance is where to reconnect after AUTH_FAILED,TEMP.
type Advance uint8

const (
	AdvanceDefault Advance = iota // not given: the client's usual choice
	AdvanceNo                     // "advance no": same server and address
	AdvanceAddr                   // "advance addr": the next address of the same remote
	AdvanceRemote                 // "advance remote": the next remote
)

// TempFailure is "AUTH_FAILED,TEMP[backoff N,advance addr|remote|no]:message"
// (options_util.c:parse_auth_failed_temp). Only sent to clients that set
// IV_PROTO_AUTH_FAIL_TEMP.
type TempFailure struct {
	Backoff time.Duration
	Advance Advance
	Message string
	// Unknown lists flags this client does not know, for a warning.
	Unknown []string
}

// Challenge is a CRV1 dynamic challenge (doc/management-notes.txt,
// "Dynamic protocol"):
//
//	AUTH_FAILED,CRV1:<flags>:<state_id>:<username_base64>:<text>
//
// Answer it on a new session with username Username and the password
// keymethod2.DynamicChallengePassword(StateID, response). AWS Client VPN's
// SAML flow uses it with flag R and the IdP's URL as Text.
type Challenge struct {
	// Echo (flag E): show the response while it is typed.
	Echo bool
	// ResponseRequired (flag R): a response must be sent.
	ResponseRequired bool
	// Flags are all flags as sent, comma-separated in the message.
	Flags []string
	// StateID is opaque and goes back to the server; it is not printed.
	StateID string
	// UsernameB64 is the username field as sent; Username its decoding
	// (empty if it does not decode). AWS has been seen sending Python's
	// bytes repr, b'Ti9B', which is unwrapped before decoding.
	UsernameB64, Username string
	// Text is the challenge text (for AWS SAML, the URL to open). It may
	// contain ':'.
	Text string
}

func (a *AuthFailed) String() string {
	switch {
	case a.Challenge != nil:
		return "AUTH_FAILED " + a.Challenge.String()
	case a.Temp != nil:
		return fmt.Sprintf("AUTH_FAILED temporary (backoff %v, advance %d): %q", a.Temp.Backoff, a.Temp.Advance, a.Temp.Message)
	case a.Reason != "":
		return fmt.Sprintf("AUTH_FAILED (%s): %q", a.Kind, a.Reason)
	}
	return "AUTH_FAILED"
}

// String omits the state id.
func (c *Challenge) String() string {
	return fmt.Sprintf("challenge [%s] for %q (state id of %d bytes): %q",
		strings.Join(c.Flags, ","), c.Username, len(c.StateID), c.Text)
}

func parseAuthFailed(s string) *AuthFailed {
	a := &AuthFailed{Kind: AuthFailPlain}
	rest, ok := strings.CutPrefix(s, "AUTH_FAILED,")
	if !ok || rest == "" {
		return a
	}
	a.Reason = rest
	switch {
	case strings.HasPrefix(rest, "TEMP"):
		a.Kind = AuthFailTemp
		a.Temp = parseTemp(rest[len("TEMP"):])
	case strings.HasPrefix(rest, "SESSION:"), rest == "SESSION":
		a.Kind = AuthFailSession
	case strings.HasPrefix(rest, "CRV1:"):
		if c, ok := parseChallenge(rest[len("CRV1:"):]); ok {
			a.Kind = AuthFailChallenge
			a.Challenge = c
		}
	}
	return a
}

// parseTemp reads "[flags]:message", ":message" or nothing.
func parseTemp(s string) *TempFailure {
	t := &TempFailure{}
	if strings.HasPrefix(s, "[") {
		if end := strings.IndexByte(s, ']'); end >= 0 {
			for _, flag := range strings.Split(s[1:end], ",") {
				flag = strings.TrimSpace(flag)
				switch {
				case flag == "":
				case strings.HasPrefix(flag, "backoff "):
					n, err := strconv.Atoi(strings.TrimSpace(flag[len("backoff "):]))
					if err != nil || n < 0 {
						t.Unknown = append(t.Unknown, flag)
						continue
					}
					t.Backoff = time.Duration(n) * time.Second
				case flag == "advance no":
					t.Advance = AdvanceNo
				case flag == "advance addr":
					t.Advance = AdvanceAddr
				case flag == "advance remote":
					t.Advance = AdvanceRemote
				default:
					t.Unknown = append(t.Unknown, flag)
				}
			}
			s = s[end+1:]
		}
	}
	if m, ok := strings.CutPrefix(s, ":"); ok {
		t.Message = strings.TrimSpace(m)
	}
	return t
}

// parseChallenge reads "<flags>:<state_id>:<username_base64>:<text>".
func parseChallenge(s string) (*Challenge, bool) {
	parts := strings.SplitN(s, ":", 4)
	if len(parts) < 3 || parts[1] == "" {
		return nil, false
	}
	c := &Challenge{StateID: parts[1], UsernameB64: parts[2]}
	if len(parts) == 4 {
		c.Text = parts[3]
	}
	c.Flags, c.Echo, c.ResponseRequired = parseChallengeFlags(parts[0])
	c.Username = decodeUsername(c.UsernameB64)
	return c, true
}

// decodeUsername decodes standard base64, padded or not, after removing a
// Python bytes-literal wrapper (b'…').
func decodeUsername(s string) string {
	if len(s) >= 3 && strings.HasPrefix(s, "b'") && strings.HasSuffix(s, "'") {
		s = s[2 : len(s)-1]
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return string(b)
	}
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return string(b)
	}
	return ""
}

// AuthPending is "AUTH_PENDING[,timeout N]": the server defers its decision
// (an out-of-band step follows in INFO_PRE). Keep sending PUSH_REQUEST until
// the timeout (push.c:receive_auth_pending caps it at
// max(reneg-sec/2, hand-window)).
type AuthPending struct {
	// Timeout is zero when the server sent none (use hand-window).
	Timeout time.Duration
	// Unknown lists keywords this client does not know.
	Unknown []string
}

func (p *AuthPending) String() string {
	if p.Timeout > 0 {
		return fmt.Sprintf("AUTH_PENDING (timeout %v)", p.Timeout)
	}
	return "AUTH_PENDING"
}

func parseAuthPending(s string) *AuthPending {
	p := &AuthPending{}
	rest, ok := strings.CutPrefix(s, "AUTH_PENDING,")
	if !ok {
		return p
	}
	for _, kw := range strings.Split(rest, ",") {
		kw = strings.TrimSpace(kw)
		if kw == "" {
			continue
		}
		if v, ok := strings.CutPrefix(kw, "timeout "); ok {
			if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32); err == nil {
				p.Timeout = time.Duration(n) * time.Second
				continue
			}
		}
		p.Unknown = append(p.Unknown, kw)
	}
	return p
}

// parseSignal reads RESTART/HALT's ",[flags]message" (push.c:
// server_pushed_signal): flag P keeps the cached password, N moves to the
// next server.
func parseSignal(s string, cmdLen int) (msg string, keepPassword, nextServer bool) {
	rest := s[cmdLen:]
	if !strings.HasPrefix(rest, ",") {
		return "", false, false
	}
	msg = rest[1:]
	if strings.HasPrefix(msg, "[") {
		end := strings.IndexByte(msg, ']')
		flags := msg[1:]
		if end >= 0 {
			flags = msg[1:end]
			msg = msg[end+1:]
		} else {
			msg = ""
		}
		keepPassword = strings.Contains(flags, "P")
		nextServer = strings.Contains(flags, "N")
	}
	return msg, keepPassword, nextServer
}

// Restart is "RESTART[,[flags]message]": the server asks us to reconnect.
type Restart struct {
	Message string
	// KeepPassword (flag P): keep the cached credentials; otherwise forget
	// them as a stock client does.
	KeepPassword bool
	// NextServer (flag N): move on to the next remote.
	NextServer bool
}

// Halt is "HALT[,[flags]message]": the server asks us to stop.
type Halt struct {
	Message      string
	KeepPassword bool
	NextServer   bool
}

func (r *Restart) String() string { return fmt.Sprintf("RESTART: %q", r.Message) }
func (h *Halt) String() string    { return fmt.Sprintf("HALT: %q", h.Message) }

// parseChallengeFlags splits the comma-separated flags of a CRV1 or
// CR_TEXT challenge; E asks to echo the answer, R says one is required.
func parseChallengeFlags(s string) (flags []string, echo, responseRequired bool) {
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		flags = append(flags, f)
		switch f {
		case "E":
			echo = true
		case "R":
			responseRequired = true
		}
	}
	return flags, echo, responseRequired
}
