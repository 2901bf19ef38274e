package main

import (
	"fmt"
	"strings"

	"github.com/cvpn/cvpn/policy"
)

// The policy command shows what the administrator's policy enforces and
// where each value came from, so an administrator can check a rollout on
// one machine and a user can see why something is refused. It reads the
// policy as the service and the app do (policy.Load), so what it shows is
// what they enforce.

var _ = register(policyCommand())

func policyCommand() *command {
	return &command{name: "policy", summary: "show the administrator's policy", sub: []*command{
		{name: "show", args: "[--json]",
			summary: "print the policy in effect, each value with where it came from (a file, the registry, managed preferences, or the default), and why a broken policy is not applied",
			run:     (*app).policyShow},
	}}
}

// policySettingJSON is one key in `cvpn policy show --json`. Value is the
// value in effect (null: the user's own choice, or any server); Source is
// where it was set, or "default".
type policySettingJSON struct {
	Key    string `json:"key"`
	Value  any    `json:"value"`
	Set    bool   `json:"set"`
	Source string `json:"source"`
}

// policyJSON is the output of `cvpn policy show --json`.
type policyJSON struct {
	Places   []string            `json:"places"`
	Settings []policySettingJSON `json:"settings"`
	Error    string              `json:"error,omitempty"`
}

const sourceDefault = "default"

// policyShow prints every key. A broken policy is shown as the defaults
// that apply meanwhile, with its error, and exits 1 so scripts notice.
func (a *app) policyShow(args []string) int {
	asJSON := false
	switch {
	case len(args) == 1 && (args[0] == "--json" || args[0] == "-json"):
		asJSON = true
	case len(args) != 0:
		fmt.Fprintln(a.stderr, "usage: cvpn policy show [--json]")
		return exitUsage
	}
	p, loadErr := policy.Load()
	out := policyJSON{Places: policy.Places(), Settings: []policySettingJSON{}}
	for _, k := range policy.Keys() {
		v, set := p.Value(k)
		src := p.SourceOf(k)
		if !set {
			v, src = policy.Default(k), sourceDefault
		}
		out.Settings = append(out.Settings, policySettingJSON{Key: k, Value: v, Set: set, Source: src})
	}
	code := exitOK
	if loadErr != nil {
		out.Error = loadErr.Error()
		code = exitError
	}
	if asJSON {
		if c := a.printJSON(out); c != exitOK {
			return c
		}
		return code
	}
	if loadErr != nil {
		fmt.Fprintf(a.stderr, "cvpn policy: the administrator's policy is not applied, so nothing is locked: %v\n", loadErr)
	}
	fmt.Fprintf(a.stdout, "read from: %s\n", strings.Join(out.Places, ", "))
	for _, s := range out.Settings {
		fmt.Fprintf(a.stdout, "%s: %s  (%s)\n", s.Key, showPolicyValue(s.Key, s.Value), s.Source)
	}
	return code
}

// showPolicyValue writes a value for people: lists comma-separated, and
// what an unset value means.
func showPolicyValue(key string, v any) string {
	switch v := v.(type) {
	case nil:
		if key == policy.KeyAllowedServers {
			return "any server"
		}
		return "not set (the user's choice)"
	case []string:
		if len(v) == 0 {
			return "none"
		}
		return strings.Join(v, ", ")
	case string:
		if v == "" {
			return `""`
		}
		return v
	}
	return fmt.Sprint(v)
}
