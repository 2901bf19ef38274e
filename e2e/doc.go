// Package e2e holds cvpn's end-to-end tests. They run real processes in the
// network namespaces built by package e2e/lab and talk to Debian's stock
// openvpn, so they need root, /dev/net/tun and openvpn; see lab.Require for
// what happens when those are missing. Nothing outside e2e/ may import it.
package e2e
