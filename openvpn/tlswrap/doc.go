// Package tlswrap implements OpenVPN's control-channel wrappers: none,
// tls-auth, tls-crypt and the client side of tls-crypt-v2.
//
// A wrapper turns one plain control packet (packet.Control) into the bytes of
// one transmission and back. The 9-byte header (opcode/key id, own session
// id) always stays in the clear; what follows it differs per mode:
//
//	none        op sid                              body
//	tls-auth    op sid  hmac(H)  pid(4) time(4)     body
//	tls-crypt   op sid  pid(4) time(4)  tag(32)     AES-256-CTR(body)
//	tls-crypt-v2 as tls-crypt with Kc, plus WKc in the clear after the
//	            ciphertext on P_CONTROL_HARD_RESET_CLIENT_V3 and P_CONTROL_WKC_V1
//
// tls-auth's HMAC covers pid‖time‖op‖sid‖body (ssl_pkt.c:swap_hmac moves the
// HMAC record to the front for the computation and back afterwards).
// tls-crypt's tag is HMAC-SHA256(Ka, op‖sid‖pid‖time‖body) and the first 16
// bytes of the tag are the CTR IV (tls_crypt.c, a SIV construction).
//
// The pid/time pair is a replay packet id, separate from the reliability
// layer's message id: every Wrap takes a fresh one (see replay.go), and
// Unwrap rejects replays after authenticating. A wrapper therefore holds
// per-session state: create one per session (new session id), share it among
// that session's key ids, and use it from one goroutine.
package tlswrap
