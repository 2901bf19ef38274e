// Package push parses what an OpenVPN 2.6 server says on the control channel
// once key-method 2 is done: the control messages (PUSH_REPLY, AUTH_FAILED,
// AUTH_PENDING, INFO, INFO_PRE, RESTART, HALT, EXIT) and the options a
// PUSH_REPLY carries.
//
// The flow, as the session uses it:
//
//	record (one TLS record of plaintext)
//	  └─ ParseRecord ──▶ []Message        split at NULs, typed (forward.c:
//	                                       check_incoming_control_channel)
//	       *PushReply ──▶ Accumulator.Add  joins push-continuation parts
//	                         └─▶ *Options   typed, resolved, ready to diff
//	       *AuthFailed, *AuthPending, *Info, *Restart, *Halt, *Exit, *Unknown
//
// Parsing never fails on what the server sends: unknown messages become
// *Unknown, unknown options become warnings, and a malformed known option
// becomes an *OptionError the caller may treat as fatal or (like a stock 2.6
// client, which logs and ignores it) not. Addresses and prefixes use
// net/netip. Secrets the server pushes (auth-token) are held as Secret and
// never printed.
package push
