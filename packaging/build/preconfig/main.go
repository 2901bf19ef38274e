// Command preconfig checks an administrator's preconfiguration directory
// (policy.json and profiles/*.ovpn) and writes the parts of the cvpn MSI
// that depend on it and on the ADMX template; scripts/package.sh runs it.
//
//	preconfig check DIR
//	preconfig wxi [-preconfig DIR] [-templates DIR] -o DIR
//
// check refuses a policy the product would refuse (policy.Decode) and a
// profile it could not use (profile.ParseFile), so a broken installer is
// never built. wxi writes two WiX v3 includes (wxi.go) for
// packaging/windows/cvpn.wxs: the templates' files under
// [ProgramFiles]\cvpn\policy, the profiles under
// [CommonAppData]\cvpn\profiles, and policy.json as registry values under
// HKLM\SOFTWARE\Policies\cvpn (mapping in registry.go).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "check":
		if len(os.Args) != 3 {
			usage()
		}
		_, err = Load(os.Args[2])
	case "wxi":
		fs := flag.NewFlagSet("wxi", flag.ExitOnError)
		pre := fs.String("preconfig", "", "preconfiguration `DIR` (policy.json, profiles/)")
		tmpl := fs.String("templates", "", "`DIR` of the ADMX/ADML policy templates")
		out := fs.String("o", "", "output `DIR` (components.wxi, refs.wxi)")
		_ = fs.Parse(os.Args[2:])
		if *out == "" || fs.NArg() != 0 {
			usage()
		}
		err = writeWXI(*pre, *tmpl, *out)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "preconfig:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: preconfig check DIR\n       preconfig wxi [-preconfig DIR] [-templates DIR] -o DIR")
	os.Exit(2)
}

func writeWXI(pre, tmpl, outDir string) error {
	var in Input
	if pre != "" {
		c, err := Load(pre)
		if err != nil {
			return err
		}
		in.Config = c
	}
	if tmpl != "" {
		files, err := templateFiles(tmpl)
		if err != nil {
			return err
		}
		in.TemplateDir, in.Templates = tmpl, files
	}
	comps, refs, err := WXI(in)
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{ComponentsFile: comps, RefsFile: refs} {
		p := filepath.Join(outDir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}
