// Package policy reads the administrator's policy: settings an
// administrator sets for every user of the machine. A setting the policy
// names is enforced and locked, as Group Policy does it: the user sees the
// administrator's value and cannot change it; a setting the policy leaves
// out stays the user's (or, for the rules below, keeps its default).
//
// One schema serves every OS (Keys; packaging/policy/cvpn-policy.schema.json
// is its JSON Schema, and a test keeps the two equal). Where it is read is
// per OS: a root-owned JSON file on Linux (policy_linux.go), registry values
// under HKLM\SOFTWARE\Policies\cvpn on Windows (policy_windows.go, mapped in
// registry.go), managed preferences for com.cvpn on macOS
// (policy_darwin.go, parsed in plist.go).
//
// Two kinds of settings share the schema. The desktop settings
// (connect_at_start, auto_reconnect, log_level, start_at_login, language,
// browser) replace the user's own. The rules (allow_import, allow_edit,
// allow_remove, allowed_servers, blocked_servers,
// diagnostics_include_profiles, max_tunnels) restrict what the user may do;
// the service enforces the ones about tunnels itself, since the user's side
// is the user's to change.
//
// A policy that cannot be trusted or understood locks nothing: the error
// says which source, what is wrong and how to fix it, and the user's own
// settings apply meanwhile. A broken policy must never stop the user
// from using the app, and half of a broken policy is not what the
// administrator meant either.
package policy

import (
	"errors"
	"slices"
	"strings"
)

// Keys of the policy, as written in every source; Policy.Locked takes them.
const (
	KeyConnectAtStart = "connect_at_start"
	KeyAutoReconnect  = "auto_reconnect"
	KeyLogLevel       = "log_level"
	KeyStartAtLogin   = "start_at_login"
	KeyLanguage       = "language"
	KeyBrowser        = "browser"

	KeyAllowImport                = "allow_import"
	KeyAllowEdit                  = "allow_edit"
	KeyAllowRemove                = "allow_remove"
	KeyAllowedServers             = "allowed_servers"
	KeyBlockedServers             = "blocked_servers"
	KeyDiagnosticsIncludeProfiles = "diagnostics_include_profiles"
	KeyMaxTunnels                 = "max_tunnels"
)

// Kind is the type of a key's value; each source writes it its own way
// (a JSON boolean, a REG_DWORD, a plist <true/>).
type Kind int

// The kinds of values.
const (
	Bool   Kind = iota + 1 // true or false
	String                 // text
	List                   // a list of text
	Number                 // a whole number
)

func (k Kind) String() string {
	switch k {
	case Bool:
		return "boolean"
	case String:
		return "string"
	case List:
		return "list of strings"
	case Number:
		return "integer"
	}
	return "unknown"
}

// Limits of max_tunnels: the tunnel manager runs at most five
// (tunnel.MaxTunnels, which the service test ties to this).
const (
	MinTunnels = 1
	MaxTunnels = 5
)

// MaxServers bounds allowed_servers and blocked_servers: a fleet names a
// few endpoints, and every connect walks the lists.
const MaxServers = 256

// keyKinds is the schema: every key in the order it is shown, with its kind.
var keyKinds = []struct {
	name string
	kind Kind
}{
	{KeyConnectAtStart, String},
	{KeyAutoReconnect, Bool},
	{KeyLogLevel, String},
	{KeyStartAtLogin, Bool},
	{KeyLanguage, String},
	{KeyBrowser, String},
	{KeyAllowImport, Bool},
	{KeyAllowEdit, Bool},
	{KeyAllowRemove, Bool},
	{KeyAllowedServers, List},
	{KeyBlockedServers, List},
	{KeyDiagnosticsIncludeProfiles, Bool},
	{KeyMaxTunnels, Number},
}

// Keys lists every key of the schema, in the order they are shown.
func Keys() []string {
	out := make([]string, len(keyKinds))
	for i, k := range keyKinds {
		out[i] = k.name
	}
	return out
}

// KindOf is the kind of key's value, or 0 for a key not in the schema.
func KindOf(key string) Kind {
	for _, k := range keyKinds {
		if k.name == key {
			return k.kind
		}
	}
	return 0
}

// Policy is what the administrator enforces. A nil field is not set by
// the policy (the user decides, or the default applies); a set one is
// enforced and locked.
type Policy struct {
	ConnectAtStart *string `json:"connect_at_start,omitempty"`
	AutoReconnect  *bool   `json:"auto_reconnect,omitempty"`
	LogLevel       *string `json:"log_level,omitempty"`
	StartAtLogin   *bool   `json:"start_at_login,omitempty"`
	Language       *string `json:"language,omitempty"`
	Browser        *string `json:"browser,omitempty"`

	AllowImport                *bool    `json:"allow_import,omitempty"`
	AllowEdit                  *bool    `json:"allow_edit,omitempty"`
	AllowRemove                *bool    `json:"allow_remove,omitempty"`
	AllowedServers             []string `json:"allowed_servers,omitempty"`
	BlockedServers             []string `json:"blocked_servers,omitempty"`
	DiagnosticsIncludeProfiles *bool    `json:"diagnostics_include_profiles,omitempty"`
	MaxTunnels                 *int     `json:"max_tunnels,omitempty"`

	// Source is where the policy was read (a file's path, a registry
	// key), for "set by your administrator (source)"; "" when there is no
	// policy. When layers were merged (macOS: the user's managed
	// preferences over the machine's) it is the last layer's, and
	// SourceOf names each key's own.
	Source string `json:"-"`
	// from is each key's source when it differs from Source.
	from map[string]string
}

// Load reads the machine's policy. No policy is an empty Policy and no
// error. A broken one is an empty Policy, so nothing is locked, and an
// error that names the place, the problem and the fix.
func Load() (*Policy, error) {
	p, err := load()
	if err != nil || p == nil {
		return &Policy{}, err
	}
	return p, nil
}

// Places lists where this OS looks for the policy, in the order read
// (later ones win), for `cvpn policy show`.
func Places() []string { return places() }

// Value returns key's value (bool, string, []string or int) and whether
// the policy sets it.
func (p *Policy) Value(key string) (any, bool) {
	if p == nil {
		return nil, false
	}
	switch key {
	case KeyAllowedServers:
		return p.AllowedServers, p.AllowedServers != nil
	case KeyBlockedServers:
		return p.BlockedServers, p.BlockedServers != nil
	}
	switch v := p.field(key).(type) {
	case **string:
		if *v != nil {
			return **v, true
		}
	case **bool:
		if *v != nil {
			return **v, true
		}
	case **int:
		if *v != nil {
			return **v, true
		}
	}
	return nil, false
}

// field points at key's field: **string, **bool, **int or *[]string; nil
// for a key not in the schema.
func (p *Policy) field(key string) any {
	switch key {
	case KeyConnectAtStart:
		return &p.ConnectAtStart
	case KeyAutoReconnect:
		return &p.AutoReconnect
	case KeyLogLevel:
		return &p.LogLevel
	case KeyStartAtLogin:
		return &p.StartAtLogin
	case KeyLanguage:
		return &p.Language
	case KeyBrowser:
		return &p.Browser
	case KeyAllowImport:
		return &p.AllowImport
	case KeyAllowEdit:
		return &p.AllowEdit
	case KeyAllowRemove:
		return &p.AllowRemove
	case KeyAllowedServers:
		return &p.AllowedServers
	case KeyBlockedServers:
		return &p.BlockedServers
	case KeyDiagnosticsIncludeProfiles:
		return &p.DiagnosticsIncludeProfiles
	case KeyMaxTunnels:
		return &p.MaxTunnels
	}
	return nil
}

// set stores v (bool, string, []string or int, by key's Kind) as key's
// value; the readers of every OS meet here.
func (p *Policy) set(key string, v any) error {
	switch f := p.field(key).(type) {
	case **string:
		if s, ok := v.(string); ok {
			*f = &s
			return nil
		}
	case **bool:
		if b, ok := v.(bool); ok {
			*f = &b
			return nil
		}
	case **int:
		if n, ok := v.(int); ok {
			*f = &n
			return nil
		}
	case *[]string:
		if l, ok := v.([]string); ok {
			*f = slices.Clone(l)
			if *f == nil {
				*f = []string{}
			}
			return nil
		}
	case nil:
		return errUnknownKey
	}
	return errWrongKind
}

var (
	errUnknownKey = errors.New("unknown key")
	errWrongKind  = errors.New("wrong type")
)

// SourceOf names where key's value came from, or "" when the policy does
// not set it.
func (p *Policy) SourceOf(key string) string {
	if _, set := p.Value(key); !set {
		return ""
	}
	if s, ok := p.from[key]; ok {
		return s
	}
	return p.Source
}

// Locked reports whether the policy sets key, and where it came from.
func (p *Policy) Locked(key string) (bool, string) {
	if _, set := p.Value(key); !set {
		return false, ""
	}
	return true, p.SourceOf(key)
}

// Empty reports whether the policy sets nothing.
func (p *Policy) Empty() bool {
	if p == nil {
		return true
	}
	for _, k := range keyKinds {
		if _, set := p.Value(k.name); set {
			return false
		}
	}
	return true
}

// merge layers policies in order, later ones over earlier ones key by key
// (macOS: the user's managed preferences over the machine's). nil layers
// (no policy there) are skipped; the result is nil when all are.
func merge(layers ...*Policy) *Policy {
	var out *Policy
	for _, l := range layers {
		if l == nil {
			continue
		}
		if out == nil {
			out = &Policy{}
		}
		for _, k := range keyKinds {
			if v, set := l.Value(k.name); set {
				_ = out.set(k.name, v)
				if out.from == nil {
					out.from = map[string]string{}
				}
				out.from[k.name] = l.SourceOf(k.name)
			}
		}
		out.Source = l.Source
	}
	if out != nil {
		for k, s := range out.from {
			if s == out.Source {
				delete(out.from, k)
			}
		}
	}
	return out
}

// keyList names every key, for errors that list them.
var keyList = strings.Join(Keys(), ", ")
