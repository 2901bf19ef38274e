package push

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Message is one control message from the server: *PushReply, *AuthFailed,
// *AuthPending, *Info, *Restart, *Halt, *Exit or *Unknown.
type Message interface {
	fmt.Stringer
	controlMessage()
}

// PushReply is one PUSH_REPLY message: its comma-separated options, raw and
// in order. Feed it to an Accumulator; a long reply comes in several parts.
type PushReply struct {
	// Options may hold secrets (auth-token); print the PushReply, not them.
	Options []string
}

// Exit is the server's explicit exit notification on the control channel
// (protocol-flags cc-exit): it is going away, reconnect.
type Exit struct{}

// Unknown is a message the client does not act on. A stock client logs it
// and carries on; so should the caller.
type Unknown struct {
	// Text is the message with control characters replaced by '.', safe
	// to log.
	Text string
	// Reason says why it is unknown.
	Reason string
}

func (*PushReply) controlMessage()   {}
func (*AuthFailed) controlMessage()  {}
func (*AuthPending) controlMessage() {}
func (*Info) controlMessage()        {}
func (*Restart) controlMessage()     {}
func (*Halt) controlMessage()        {}
func (*Exit) controlMessage()        {}
func (*Unknown) controlMessage()     {}

// String shows the options with secrets redacted.
func (r *PushReply) String() string {
	items := make([]string, len(r.Options))
	for i, o := range r.Options {
		items[i] = RedactOption(o)
	}
	return "PUSH_REPLY," + strings.Join(items, ",")
}

func (*Exit) String() string { return "EXIT" }

// unknown builds an Unknown whose text is safe to log.
func unknown(text, reason string) *Unknown {
	return &Unknown{Text: RedactOption(text), Reason: reason}
}

func (u *Unknown) String() string {
	return fmt.Sprintf("unknown control message (%s): %q", u.Reason, u.Text)
}

// ParseRecord splits one TLS record of control-channel plaintext into
// messages and parses each. OpenVPN ends every message with a NUL and a
// server may put several into one record; a tail without its NUL is
// reported as *Unknown, since a stock client drops it too.
func ParseRecord(record []byte) []Message {
	var msgs []Message
	for len(record) > 0 {
		i := bytes.IndexByte(record, 0)
		if i < 0 {
			if len(record) > 1 || record[0] > ' ' {
				msgs = append(msgs, unknown(printable(record), "no terminating NUL"))
			}
			break
		}
		raw := record[:i]
		record = record[i+1:]
		// Scripts sometimes leave a line ending; OpenVPN chomps it.
		raw = bytes.TrimRight(raw, "\r\n")
		if len(raw) == 0 {
			continue
		}
		if !validText(raw) {
			msgs = append(msgs, unknown(printable(raw), "control characters or invalid UTF-8"))
			continue
		}
		msgs = append(msgs, ParseMessage(string(raw)))
	}
	return msgs
}

// validText accepts printable ASCII, as OpenVPN does, and also valid
// UTF-8 beyond it (a stock client would refuse a message with non-ASCII
// text; there is no harm in showing it).
func validText(b []byte) bool {
	for _, c := range b {
		if c < ' ' || c == 0x7f {
			return false
		}
	}
	return utf8.Valid(b)
}

// printable replaces what is unsafe to log with '.'.
func printable(b []byte) string {
	out := []byte(strings.ToValidUTF8(string(b), "."))
	for i, c := range out {
		if c < ' ' || c == 0x7f {
			out[i] = '.'
		}
	}
	return string(out)
}

// ParseMessage parses one message (without its NUL). The command is matched
// by prefix, in the order of forward.c:parse_incoming_control_channel_command.
func ParseMessage(s string) Message {
	switch {
	case strings.HasPrefix(s, "AUTH_FAILED"):
		return parseAuthFailed(s)
	case strings.HasPrefix(s, "PUSH_REPLY"):
		return parsePushReply(s)
	case strings.HasPrefix(s, "PUSH_"):
		return unknown(s, "push message a client does not handle")
	case strings.HasPrefix(s, "RESTART"):
		r := &Restart{}
		r.Message, r.KeepPassword, r.NextServer = parseSignal(s, len("RESTART"))
		return r
	case strings.HasPrefix(s, "HALT"):
		h := &Halt{}
		h.Message, h.KeepPassword, h.NextServer = parseSignal(s, len("HALT"))
		return h
	case strings.HasPrefix(s, "INFO_PRE"):
		return parseInfo(s, len("INFO_PRE"), true)
	case strings.HasPrefix(s, "INFO"):
		return parseInfo(s, len("INFO"), false)
	case strings.HasPrefix(s, "CR_RESPONSE"):
		return unknown(s, "CR_RESPONSE goes from client to server")
	case strings.HasPrefix(s, "AUTH_PENDING"):
		return parseAuthPending(s)
	case strings.HasPrefix(s, "EXIT"):
		return &Exit{}
	}
	return unknown(s, "unknown command")
}

// parsePushReply follows push.c:process_incoming_push_reply: "PUSH_REPLY"
// alone is an empty (complete) reply, "PUSH_REPLY," starts the options, and
// anything else is a bad push message.
func parsePushReply(s string) Message {
	rest := s[len("PUSH_REPLY"):]
	if rest == "" {
		return &PushReply{}
	}
	if rest[0] != ',' {
		return unknown(s, "bad PUSH_REPLY")
	}
	var opts []string
	for _, o := range strings.Split(rest[1:], ",") {
		if strings.TrimSpace(o) != "" {
			opts = append(opts, o)
		}
	}
	return &PushReply{Options: opts}
}

// Messages a client sends (each written with Frame).
const (
	// PushRequest asks for the PUSH_REPLY; repeat it every 5 s until one
	// arrives (push.c:send_push_request).
	PushRequest = "PUSH_REQUEST"
	// ExitMessage announces our exit when protocol-flags cc-exit is in force.
	ExitMessage = "EXIT"
)

// CRResponse is the answer to a CR_TEXT challenge: "CR_RESPONSE," and the
// response in standard base64. The result holds a secret.
func CRResponse(response string) string {
	return "CR_RESPONSE," + base64.StdEncoding.EncodeToString([]byte(response))
}

// Frame appends the NUL that ends a control message. Write the result with a
// single Write so that it travels as one TLS record.
func Frame(msg string) []byte {
	b := make([]byte, 0, len(msg)+1)
	return append(append(b, msg...), 0)
}

// Secret is a value that must never be printed: String and every fmt verb
// show "[redacted]". Reveal returns the value.
type Secret string

// Reveal returns the secret for the one place that needs it (the next
// key-method-2 message).
func (s Secret) Reveal() string { return string(s) }

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString keeps %#v from printing the secret.
func (s Secret) GoString() string { return s.String() }

// Format makes every verb print the redacted form.
func (s Secret) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// RedactOption returns a pushed option safe to log: the argument of
// auth-token is replaced by "[redacted]". Use it to log raw PUSH_REPLY items.
func RedactOption(opt string) string {
	if !strings.Contains(opt, "auth-token") {
		return opt
	}
	// Works on a single option and on a whole logged message alike.
	items := strings.Split(opt, ",")
	for i, it := range items {
		f := strings.Fields(it)
		if len(f) > 0 && f[0] == "auth-token" {
			items[i] = "auth-token [redacted]"
		} else if j := strings.Index(it, "auth-token "); j >= 0 {
			items[i] = it[:j] + "auth-token [redacted]"
		}
	}
	return strings.Join(items, ",")
}
