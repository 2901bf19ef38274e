package keymethod2

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cvpn/cvpn/openvpn/keys"
)

// Errors callers may want to tell apart.
var (
	// ErrTooLong: a field or the whole message exceeds what the server
	// reads. A stock server answers an over-long username or password with
	// AUTH_FAILED, and cannot parse an over-long message at all, so it is
	// better refused before sending.
	ErrTooLong = errors.New("too long")
	// ErrInvalid: a string holds a NUL byte, which the C strings on the
	// other end would silently cut.
	ErrInvalid = errors.New("invalid field")
	// ErrMalformed: a received message cannot be parsed.
	ErrMalformed = errors.New("malformed key-method-2 message")
)

// Limits are the sizes the receiving server accepts, each counting the
// trailing NUL where there is one. A zero field is not checked.
type Limits struct {
	// Options is TLS_OPTIONS_LEN: a longer OCC string fails the handshake.
	Options int
	// UserPass is USER_PASS_LEN: a longer username or password gets
	// AUTH_FAILED ("Username or password is too long").
	UserPass int
	// Message is the largest whole message the server reads as one TLS
	// record (TLS_CHANNEL_BUF_SIZE).
	Message int
}

// Server limits for the usual builds.
var (
	// StockLimits: OpenVPN 2.6 built without PKCS#11.
	StockLimits = Limits{Options: 512, UserPass: 128, Message: 2048}
	// PKCS11Limits: builds with PKCS#11 (Debian's and Ubuntu's packages, for
	// example) accept 4096-byte credentials, but the whole message is
	// still read into 2048 bytes.
	PKCS11Limits = Limits{Options: 512, UserPass: 4096, Message: 2048}
	// AWSLimits: the sizes AWS's patched client is built with (USER_PASS_LEN
	// 1<<17, TLS_CHANNEL_BUF_SIZE 1<<18); AWS does not publish the server's.
	AWSLimits = Limits{Options: 512, UserPass: 1 << 17, Message: 1 << 18}
)

// Credentials are the username and password fields: auth-user-pass, or once
// the server pushed one, the auth-token pair.
type Credentials struct {
	Username string
	Password string
}

// String shows the username only.
func (c Credentials) String() string {
	return fmt.Sprintf("keymethod2.Credentials{Username: %q, Password: redacted}", c.Username)
}

// GoString keeps %#v from printing the password.
func (c Credentials) GoString() string { return c.String() }

// Format makes every fmt verb print the redacted form.
func (c Credentials) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// ClientMessage is the client's key-method-2 message.
type ClientMessage struct {
	// Source is the key material the legacy derivation rests on; a fresh
	// one (keys.NewClientSource) for every exchange.
	Source keys.ClientSource
	// Options is the OCC options string (see OCC).
	Options string
	// Credentials are nil for a certificate-only client: OpenVPN 2.6 then
	// writes both fields absent. When set, both fields are written, even
	// if empty.
	Credentials *Credentials
	// PeerInfo is the IV_* block (see PeerInfo). Empty means absent, which
	// is what a 2.6 server sends; a client always sends one.
	PeerInfo string
}

// Marshal encodes the message. A zero Limits means the framing's usual
// server (StockLimits, or AWSLimits for FramingAWS).
func (m *ClientMessage) Marshal(f Framing, lim Limits) ([]byte, error) {
	const op = "marshal key-method-2 message"
	if f != FramingStock && f != FramingAWS {
		return nil, fmt.Errorf("%s: unknown framing %d", op, f)
	}
	if lim == (Limits{}) {
		lim = StockLimits
		if f == FramingAWS {
			lim = AWSLimits
		}
	}
	if err := checkString("options", m.Options, lim.Options, "TLS_OPTIONS_LEN"); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if m.Credentials != nil {
		if err := checkString("username", m.Credentials.Username, lim.UserPass, "USER_PASS_LEN"); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if err := checkString("password", m.Credentials.Password, lim.UserPass, "USER_PASS_LEN"); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	if err := checkString("peer-info", m.PeerInfo, 0, ""); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}

	b := make([]byte, headerSize, m.size(f))
	b = append(b, keyMethod)
	b = append(b, m.Source.PreMaster[:]...)
	b = append(b, m.Source.Random1[:]...)
	b = append(b, m.Source.Random2[:]...)
	b = appendString(b, f, m.Options)
	if m.Credentials != nil {
		b = appendString(b, f, m.Credentials.Username)
		b = appendString(b, f, m.Credentials.Password)
	} else {
		b = appendAbsent(b, f)
		b = appendAbsent(b, f)
	}
	if m.PeerInfo != "" {
		b = appendString(b, f, m.PeerInfo)
	} else {
		b = appendAbsent(b, f)
	}

	if lim.Message > 0 && len(b) > lim.Message {
		n := len(b)
		clear(b)
		return nil, fmt.Errorf("%s: message is %d bytes, the server reads at most %d: %w", op, n, lim.Message, ErrTooLong)
	}
	if f == FramingAWS {
		binary.LittleEndian.PutUint32(b, uint32(len(b)))
	}
	return b, nil
}

// size is the encoded length, for one allocation.
func (m *ClientMessage) size(f Framing) int {
	n := headerSize + 1 + keys.PreMasterSize + 2*keys.RandomSize + 4*f.lenSize()
	n += len(m.Options) + 1 + len(m.PeerInfo) + 1
	if m.Credentials != nil {
		n += len(m.Credentials.Username) + len(m.Credentials.Password) + 2
	}
	return n
}

// checkString refuses NUL bytes and strings longer than limit-1 (the limit
// counts the NUL). It never quotes the value: it may be a password.
func checkString(field, s string, limit int, limitName string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%s contains a NUL byte: %w", field, ErrInvalid)
	}
	if limit > 0 && len(s)+1 > limit {
		return fmt.Errorf("%s is %d bytes, the server accepts at most %d (%s %d counts the NUL): %w",
			field, len(s), limit-1, limitName, limit, ErrTooLong)
	}
	return nil
}

// ServerMessage is the server's key-method-2 message.
type ServerMessage struct {
	Source keys.ServerSource
	// Options is the server's OCC string. A mismatch with ours only merits
	// a warning; stock servers decide nothing on it unless --opt-verify.
	Options string
	// PeerInfo is empty from a 2.6 server in client/server mode.
	PeerInfo string
	// Framing is the layout the message was recognised as.
	Framing Framing
}

// ParseServerMessage decodes the server's message. Like a stock client it is
// lenient: it needs the header, the method and the random values, and reads
// options, username, password and peer-info only as far as they are there
// (a 2.6 server sends three absent strings after its options). A header equal
// to the message length selects the AWS layout.
func ParseServerMessage(b []byte) (*ServerMessage, error) {
	const op = "parse key-method-2 server message"
	f := detectFraming(b)
	m, err := parseServer(b, f)
	if err != nil && f == FramingAWS {
		// A length-looking header with stock-width strings.
		m, err = parseServer(b, FramingStock)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return m, nil
}

func parseServer(b []byte, f Framing) (*ServerMessage, error) {
	r, err := readHead(b, f)
	if err != nil {
		return nil, err
	}
	m := &ServerMessage{Framing: f}
	if !r.fixed(m.Source.Random1[:]) || !r.fixed(m.Source.Random2[:]) {
		return nil, fmt.Errorf("%d bytes, too short for the random values: %w", len(b), ErrMalformed)
	}
	if len(r.b) == 0 {
		return m, nil
	}
	opts, _, ok := r.str()
	if !ok {
		return nil, fmt.Errorf("options string overruns the message: %w", ErrMalformed)
	}
	m.Options = opts
	// Username and password from a server carry nothing; skip them, and
	// stop quietly at a truncated tail as a stock client does.
	if _, _, ok := r.str(); !ok {
		return m, nil
	}
	if _, _, ok := r.str(); !ok {
		return m, nil
	}
	if pi, _, ok := r.str(); ok {
		m.PeerInfo = pi
	}
	return m, nil
}

// readHead checks the header and the key method.
func readHead(b []byte, f Framing) (*reader, error) {
	if len(b) < headerSize+1 {
		return nil, fmt.Errorf("%d bytes, too short for a header: %w", len(b), ErrMalformed)
	}
	if m := b[headerSize] & keyMethodMask; m != keyMethod {
		return nil, fmt.Errorf("key method %d, want 2: %w", m, ErrMalformed)
	}
	return &reader{b: b[headerSize+1:], f: f}, nil
}

// Marshal encodes a server message, for fake servers in tests. It writes
// what a 2.6 server writes: options, then three absent strings unless
// PeerInfo is set.
func (m *ServerMessage) Marshal(f Framing) ([]byte, error) {
	if strings.IndexByte(m.Options, 0) >= 0 || strings.IndexByte(m.PeerInfo, 0) >= 0 {
		return nil, fmt.Errorf("marshal key-method-2 server message: %w", ErrInvalid)
	}
	b := make([]byte, headerSize, headerSize+1+2*keys.RandomSize+len(m.Options)+len(m.PeerInfo)+18)
	b = append(b, keyMethod)
	b = append(b, m.Source.Random1[:]...)
	b = append(b, m.Source.Random2[:]...)
	b = appendString(b, f, m.Options)
	b = appendAbsent(b, f)
	b = appendAbsent(b, f)
	if m.PeerInfo != "" {
		b = appendString(b, f, m.PeerInfo)
	} else {
		b = appendAbsent(b, f)
	}
	if f == FramingAWS {
		binary.LittleEndian.PutUint32(b, uint32(len(b)))
	}
	return b, nil
}

// ParseClientMessage decodes a client's message, for fake servers in tests
// and for checking what we send. Unlike ParseServerMessage it is strict: all
// four strings must be there and well-formed.
func ParseClientMessage(b []byte) (*ClientMessage, Framing, error) {
	const op = "parse key-method-2 client message"
	f := detectFraming(b)
	m, err := parseClient(b, f)
	if err != nil && f == FramingAWS {
		f = FramingStock
		m, err = parseClient(b, f)
	}
	if err != nil {
		return nil, f, fmt.Errorf("%s: %w", op, err)
	}
	return m, f, nil
}

func parseClient(b []byte, f Framing) (*ClientMessage, error) {
	r, err := readHead(b, f)
	if err != nil {
		return nil, err
	}
	m := &ClientMessage{}
	if !r.fixed(m.Source.PreMaster[:]) || !r.fixed(m.Source.Random1[:]) || !r.fixed(m.Source.Random2[:]) {
		return nil, fmt.Errorf("%d bytes, too short for the key source: %w", len(b), ErrMalformed)
	}
	var fields [4]string
	var present [4]bool
	for i := range fields {
		s, p, ok := r.str()
		if !ok {
			return nil, fmt.Errorf("string %d overruns the message: %w", i+1, ErrMalformed)
		}
		fields[i], present[i] = s, p
	}
	m.Options, m.PeerInfo = fields[0], fields[3]
	if present[1] || present[2] {
		m.Credentials = &Credentials{Username: fields[1], Password: fields[2]}
	}
	return m, nil
}
