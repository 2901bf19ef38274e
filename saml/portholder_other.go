//go:build !linux

package saml

// portHolder is only known on Linux; elsewhere the message says "another
// program".
func portHolder(int) (holder, bool) { return holder{}, false }
