package packet

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
)

// SessionIDSize is the length of an OpenVPN session id.
const SessionIDSize = 8

// SessionID names one end of one control-channel session. Each side picks its
// own at random; a client must pick a new one for every connection, because a
// 2.6 UDP server derives its own id from ours (an HMAC cookie) and treats a
// reused id as a replay of an old handshake. The all-zero id means "unset" and
// never appears on the wire.
type SessionID [SessionIDSize]byte

// NewSessionID returns a random, non-zero session id read from r, or from
// crypto/rand when r is nil.
func NewSessionID(r io.Reader) (SessionID, error) {
	if r == nil {
		r = rand.Reader
	}
	var s SessionID
	// A zero id from a working random source has probability 2^-64; a source
	// that keeps returning zeros is broken, so give up rather than spin.
	for range 4 {
		if _, err := io.ReadFull(r, s[:]); err != nil {
			return SessionID{}, fmt.Errorf("new session id: %w", err)
		}
		if !s.IsZero() {
			return s, nil
		}
	}
	return SessionID{}, fmt.Errorf("new session id: %w", ErrZeroSessionID)
}

// IsZero reports whether s is the unset id.
func (s SessionID) IsZero() bool { return s == SessionID{} }

// String returns s as 16 hex digits, the form OpenVPN logs use.
func (s SessionID) String() string { return hex.EncodeToString(s[:]) }
