package profile

import "strings"

// refusal is why cvpn will not accept a directive, and what to do instead.
type refusal struct {
	msg, fix string
}

// cvpn's service runs as root. A profile is a file a user downloaded, so
// anything that would run a program, load code, open a control port or write
// a file is refused outright, as are options for the server side and
// features cvpn does not have yet (with a message that says so).
var (
	refuseScript = refusal{"runs a program; cvpn never runs scripts from a profile", "remove the line"}
	refuseCode   = refusal{"loads code into the VPN process; cvpn never does that", "remove the line"}
	refuseFile   = refusal{"writes a file on this computer; cvpn keeps its own logs and state", "remove the line"}
	refuseProc   = refusal{"changes how the openvpn process runs; cvpn's service manages that itself", "remove the line"}
	refuseMgmt   = refusal{"opens a management control port; cvpn has its own local API", "remove the line"}
	refuseServer = refusal{"is a server-side option and has no place in a client profile", "remove the line, or ask your VPN administrator for the client profile"}
	refuseCmd    = refusal{"is a command that makes openvpn print or do something and exit, not a profile option", "remove the line"}
	refuseToken  = refusal{"smart cards and system certificate stores are not supported by cvpn yet", "export the certificate and key (or a .p12 file) and use cert/key or pkcs12"}
)

var refusals = map[string]refusal{
	"up": refuseScript, "down": refuseScript, "route-up": refuseScript, "route-pre-down": refuseScript,
	"ipchange": refuseScript, "tls-verify": refuseScript, "auth-user-pass-verify": refuseScript,
	"client-connect": refuseScript, "client-disconnect": refuseScript, "learn-address": refuseScript,
	"iproute": refuseScript, "tls-crypt-v2-verify": refuseScript, "client-crresponse": refuseScript,
	"plugin": refuseCode, "engine": refuseCode,
	"ifconfig-pool-persist": refuseFile, "genkey": refuseFile,
	"inetd":   refuseProc,
	"cd":      {"changes the directory that file names are read from; cvpn reads them next to the profile", "remove the line and put the files next to the profile, or inline them"},
	"service": refuseProc, "msg-channel": refuseProc,
	"dhcp-internal": refuseProc, "allow-nonadmin": refuseProc,
	"config": {"includes another file; cvpn reads one self-contained profile", "paste the included file's lines in place of this line"},
	"secret": {"static-key mode (no TLS) is deprecated in OpenVPN 2.6 and not supported by cvpn",
		"use a profile with ca, cert and key (TLS mode); ask your VPN administrator"},
	"cryptoapicert":     refuseToken,
	"capath":            {"a directory of CA files is not supported", "put the CA certificates in a <ca> block"},
	"verify-hash":       {"is deprecated in OpenVPN 2.6 and not supported by cvpn", "use <ca>, or peer-fingerprint with the server certificate's SHA-256 fingerprint"},
	"fragment":          {"internal fragmentation is not supported by cvpn", "remove it and use mssfix, and make the server's MTU settings match"},
	"mtu-dynamic":       {"was replaced by fragment, which cvpn does not support", "remove the line"},
	"no-replay":         {"turns off replay protection, which cvpn never does", "remove the line"},
	"ifconfig-noexec":   {"leaves the tunnel address to scripts, which cvpn never runs", "remove the line"},
	"ifconfig":          {"static tunnel addresses (point-to-point mode) are not supported; the server assigns them", "remove the line and make sure the server pushes ifconfig"},
	"ifconfig-ipv6":     {"static tunnel addresses (point-to-point mode) are not supported; the server assigns them", "remove the line and make sure the server pushes ifconfig-ipv6"},
	"client-nat":        {"is not supported by cvpn", "remove the line"},
	"lladdr":            {"sets a tap device's MAC address; cvpn only supports tun", "remove the line"},
	"push-continuation": {"only appears in what a server pushes", "remove the line"},
	"server":            refuseServer, "server-ipv6": refuseServer, "server-bridge": refuseServer,
	"dh": refuseServer, "client-config-dir": refuseServer, "ccd-exclusive": refuseServer,
	"push": refuseServer, "push-reset": refuseServer, "push-remove": refuseServer,
	"ifconfig-pool": refuseServer, "ifconfig-push": refuseServer, "ifconfig-ipv6-pool": refuseServer,
	"ifconfig-ipv6-push": refuseServer, "ifconfig-push-constraint": refuseServer,
	"iroute": refuseServer, "iroute-ipv6": refuseServer,
	"client-to-client": refuseServer, "duplicate-cn": refuseServer, "max-clients": refuseServer,
	"max-routes-per-client": refuseServer, "hash-size": refuseServer, "bcast-buffers": refuseServer,
	"tcp-queue-limit": refuseServer, "port-share": refuseServer, "auth-gen-token": refuseServer,
	"auth-gen-token-secret": refuseServer, "auth-user-pass-optional": refuseServer,
	"client-cert-not-required": refuseServer, "verify-client-cert": refuseServer,
	"username-as-common-name": refuseServer, "opt-verify": refuseServer, "tls-server": refuseServer,
	"stale-routes-check": refuseServer, "connect-freq": refuseServer, "connect-freq-initial": refuseServer,
	"x509-username-field": refuseServer, "vlan-tagging": refuseServer, "vlan-accept": refuseServer,
	"vlan-pvid": refuseServer, "multihome": refuseServer, "ifconfig-ipv6-pool-persist": refuseServer,
	"help": refuseCmd, "version": refuseCmd, "test-crypto": refuseCmd, "mktun": refuseCmd, "rmtun": refuseCmd,
	"show-ciphers": refuseCmd, "show-digests": refuseCmd, "show-tls": refuseCmd, "show-engines": refuseCmd,
	"show-curves": refuseCmd, "show-groups": refuseCmd, "show-adapters": refuseCmd, "show-net": refuseCmd,
	"show-net-up": refuseCmd, "show-valid-subnets": refuseCmd, "show-gateway": refuseCmd,
	"show-pkcs11-ids": refuseCmd,
}

// refusalFor looks a name up, including the directive families refused by
// prefix: every management* option and every pkcs11-* option.
func refusalFor(name string) (refusal, bool) {
	if r, ok := refusals[name]; ok {
		return r, true
	}
	switch {
	case strings.HasPrefix(name, "management"):
		return refuseMgmt, true
	case strings.HasPrefix(name, "pkcs11-"):
		return refuseToken, true
	}
	return refusal{}, false
}
