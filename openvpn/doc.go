// Package openvpn is cvpn's own OpenVPN protocol engine: transport, control
// channel, reliability, TLS, key-method 2, key derivation, data channel, pushed
// options and the session state machine. It moves packets between a transport
// and a packet device and reports typed events; it never prints and never
// configures the operating system.
package openvpn
