package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cvpn/cvpn/profile"
)

// writeSummary prints a profile summary as aligned "label: value" lines.
// source is "" when the profile is not stored.
func writeSummary(w io.Writer, s profile.Summary, source string) {
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(w, "  %-12s %s\n", label+":", value)
		}
	}
	line("name", s.Name)
	line("source", source)
	for i, r := range s.Remotes {
		label := ""
		if i == 0 {
			label = "remotes"
		}
		text := r.String()
		if s.RandomHostname && i == 0 {
			text += "  (random host prefix)"
		}
		fmt.Fprintf(w, "  %-12s %s\n", label+pad(label), text)
	}
	if s.RemoteRandom && len(s.Remotes) > 1 {
		line("order", "random")
	}
	line("transport", s.Transport)
	line("proxy", s.Proxy)
	auth := strings.Join(s.AuthMethods, " + ")
	if auth == "" {
		auth = s.Auth.String()
	}
	line("auth", auth)
	line("challenge", quoteIf(s.StaticChallenge))
	line("username", s.Username)
	if s.ClientCert != "" {
		cert := s.ClientCert
		if s.ClientCertUntil != "" {
			cert += " (expires " + s.ClientCertUntil + ")"
		}
		line("certificate", cert)
	}
	if s.KeyProtected {
		line("passphrase", "the key is protected by a passphrase; cvpn asks for it when connecting")
	}
	line("CA", strings.Join(s.CA, ", "))
	line("ciphers", strings.Join(s.DataCiphers, ", "))
	if s.Fallback != "" {
		line("fallback", s.Fallback)
	}
	line("TLS wrap", s.Wrap)
	line("TLS min", s.TLSVersionMin)
	line("verify name", s.VerifyName)
	line("compression", s.Compression)
	if s.RedirectAll {
		line("routing", "all traffic through the VPN")
	}
	if s.Routes > 0 {
		line("routes", strconv.Itoa(s.Routes))
	}
	if s.RenegSec == 0 {
		line("rekey", "never (reneg-sec 0)")
	}
	if len(s.Warnings) > 0 {
		fmt.Fprintf(w, "  warnings:\n")
		for _, x := range s.Warnings {
			fmt.Fprintf(w, "    %s\n", x)
		}
	}
}

func pad(label string) string {
	if label == "" {
		return ""
	}
	return ":"
}

func quoteIf(s string) string {
	if s == "" {
		return ""
	}
	return strconv.Quote(s)
}

// remotesText is the REMOTES column: the first server and how many more.
func remotesText(rs []profile.RemoteSummary) string {
	switch len(rs) {
	case 0:
		return "-"
	case 1:
		return rs[0].String()
	}
	return fmt.Sprintf("%s (+%d more)", rs[0], len(rs)-1)
}

// quoteName quotes a name with spaces for a command the user may copy.
func quoteName(n string) string {
	if strings.ContainsAny(n, " ()") {
		return "'" + n + "'"
	}
	return n
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
