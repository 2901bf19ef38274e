// Package keymethod2 encodes and decodes OpenVPN's key-method-2 messages, the
// first plaintext each side writes into the TLS tunnel, and builds the strings
// they carry: the OCC options string, the peer-info (IV_*) block and the
// challenge/response password encodings.
//
// The client's message (ssl.c:key_method_2_write):
//
//	u32 0 │ u8 2 │ pre_master[48] │ random1[32] │ random2[32] │ options │ username │ password │ peer_info
//
// The server's (key_method_2_read on the client) is the same without the
// pre-master secret. Each string is a u16 big-endian length that counts a
// trailing NUL, then the bytes and the NUL; an absent string is a bare u16 0.
//
// AWS Client VPN's SAML ("auth-federate") profiles need a password far larger
// than a stock server accepts, so AWS's patched client writes a variant
// (FramingAWS): the leading u32 holds the whole message's length in
// little-endian byte order, and every string length, absent ones included, is
// a u32 big-endian. A stock server rejects that layout.
//
// Secrets (the pre-master secret, passwords, challenge responses) never
// appear in errors or in String output.
package keymethod2
