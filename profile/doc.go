// Package profile turns OpenVPN 2.6 client profiles (.ovpn files, including the
// three shapes AWS Client VPN exports) into a typed Profile, refuses what cvpn
// will not do, and keeps the profile store.
//
// Parsing follows OpenVPN's own rules (options.c: parse_line,
// read_config_file, check_inline_file) rather than a simplified grammar, so a
// profile means the same to cvpn as to openvpn: quotes, backslash escapes,
// comments that start only at a token, an optional leading "--", CRLF line
// ends, a UTF-8 byte-order mark, inline <tag> blocks and <connection> blocks
// that inherit the connection options written above them.
//
// cvpn runs the tunnel in a privileged service, so a profile is treated as
// untrusted input: anything that would run a program, load code, open a control
// port or write a file is refused with an error that names the file, the line,
// the directive and the fix. Every error is collected (up to MaxErrors) so a
// user can fix a profile in one pass. Sizes are capped everywhere; no input can
// make the parser panic, hang or read without bound.
//
// The store keeps imported profiles self-contained (file references replaced by
// inline blocks, see Profile.Inlined) under the user's configuration directory,
// next to a read-only directory of profiles an administrator preconfigured.
package profile
