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
