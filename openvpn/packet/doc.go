// Package packet is the OpenVPN control-channel packet codec: opcodes, key
// ids, session ids and the "plain" (unwrapped) control packet
//
//	op/kid(1) own_sid(8) | ack_cnt(1) ack_ids(4·n) [peer_sid(8) if n>0] [msg_pid(4)] payload
//	\______ Header _____/ \____________________________ body ________________________/
//
// The split is deliberate: tls-auth and tls-crypt keep the 9-byte header in the
// clear (the server routes on it before it has any state) and transform only
// the body, so the wrappers in openvpn/tlswrap take a Header and a body, and
// this package encodes and decodes the two halves separately.
//
// P_ACK_V1 carries no msg_pid and no payload. Every other control opcode
// carries both (the payload may be empty). Decoding is strict: anything the
// reference implementation would reject, and a few things it merely ignores
// (trailing bytes after an ACK), come back as errors wrapping the sentinels
// below, never as panics.
package packet
