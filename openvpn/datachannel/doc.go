// Package datachannel encrypts and decrypts OpenVPN 2.6 data-channel packets
// (P_DATA_V1 and P_DATA_V2) in place. It is the hot path of the product: a
// Channel seals and opens packets without allocating, locking, copying the
// payload, or handing work to another goroutine.
//
// A Channel holds one key_id's pair of direction keys, as negotiated by the
// TLS control channel: AEAD (AES-GCM, ChaCha20-Poly1305) or legacy CBC+HMAC.
// It also applies the compression framing the server pushed ("comp-lzo",
// "compress ...") — framing only; cvpn never compresses and refuses packets
// the peer did compress — and recognises keepalive pings and OCC messages so
// that they never reach the TUN device.
//
// The package knows nothing of sockets, timers or renegotiation; it reports
// (NeedsRekey) and the session acts.
package datachannel
