package profile

import (
	"path"
	"regexp"
	"strings"
)

// Scripts. cvpn never runs a program named in a profile, but many real
// profiles carry lines that only matter to a stock client's scripts:
//
//   - "script-security 2" permits scripts without naming one (every Synology
//     export has it): with no script line it does nothing, so it is accepted.
//   - up/down lines naming a well-known DNS helper (update-resolv-conf,
//     update-systemd-resolved, Tunnelblick's client.up/client.down scripts):
//     a major provider ships them uncommented in every Linux file. cvpn sets
//     the server's DNS itself, so they are ignored with a warning.
//
// Every other script line is still refused, naming the directive and line.

// dnsHelperPattern matches the base names of the DNS helper scripts that
// distributions and Tunnelblick install.
var dnsHelperPattern = regexp.MustCompile(`^(update-resolv-conf|update-systemd-resolved)(\.sh)?$|` +
	`^client\.([0-9]+\.)?(up|down|route-pre-down)(\.(osx|tunnelblick|linux))*(\.sh)?$`)

// dnsHelper returns the script's base name when a up/down line runs only a
// well-known DNS helper; "" otherwise. The command is the first word of the
// first parameter: Tunnelblick writes the script and its flags as one
// quoted parameter.
func dnsHelper(d *directive) string {
	if d.name != "up" && d.name != "down" || d.inline || len(d.args) == 0 {
		return ""
	}
	cmd := strings.Fields(d.args[0])
	if len(cmd) == 0 {
		return ""
	}
	base := path.Base(strings.ReplaceAll(cmd[0], `\`, "/"))
	if dnsHelperPattern.MatchString(base) {
		return base
	}
	return ""
}

func (p *parser) scriptSecurity(d *directive) {
	n, ok := p.intArg(d, d.args[0], "level", 0, 3)
	if ok && n > 1 {
		p.warnf(d.line, d.name, "level %d permits scripts, but cvpn never runs scripts from a profile; ignored", n)
	}
}

// privDrop handles user and group: a stock client drops to that account
// after start-up. cvpn's tunnels run inside its service, which already
// keeps privileges to what it needs, so the line has nothing to do.
func (p *parser) privDrop(d *directive) {
	p.warnf(d.line, d.name, "ignored: cvpn runs tunnels in its own service, which needs no privilege dropping")
}

// harmless are lines that tell a stock client where to write its own files
// or how to run its process. cvpn writes no file a profile names and runs
// tunnels inside its service, so these lines have nothing to do; refusing
// them would refuse working profiles written for a Linux daemon.
var harmless = map[string]string{
	"log":             "cvpn keeps its own connection log and writes no file a profile names",
	"log-append":      "cvpn keeps its own connection log and writes no file a profile names",
	"status":          "cvpn reports status through cvpn status and writes no file a profile names",
	"writepid":        "cvpn writes no file a profile names",
	"syslog":          "cvpn keeps its own logs",
	"daemon":          "cvpn's service already runs in the background",
	"chroot":          "cvpn reads every file when the profile is imported, so it needs no jail",
	"setcon":          "cvpn's service runs under its own security context",
	"tmp-dir":         "cvpn runs no scripts, so it needs no directory for them",
	"tls-export-cert": "cvpn runs no scripts, so it exports no certificates for them",
	"memstats":        "cvpn writes no file a profile names",
	"replay-persist":  "cvpn keeps replay protection in memory and writes no file a profile names",
	"providers":       "cvpn does not use OpenSSL and loads no providers; ciphers only a legacy provider has (Blowfish, DES) are not available",
}

// harmlessLine warns that a harmless line is ignored.
func (p *parser) harmlessLine(d *directive) {
	p.warnf(d.line, d.name, "ignored: %s", harmless[d.name])
}
