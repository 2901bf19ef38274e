package policy

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"os/user"
	"path/filepath"
	"time"
)

// ManagedPrefsDir is where macOS writes the managed preferences an MDM's
// configuration profiles set: the machine's at the top, each user's in a
// subdirectory named by the user.
const ManagedPrefsDir = "/Library/Managed Preferences"

// machinePlist and userPlist are the two layers; the user's wins key by key.
func machinePlist() string { return filepath.Join(ManagedPrefsDir, Domain+".plist") }

func userPlist() string {
	u, err := user.Current()
	if err != nil || u.Username == "" || u.Uid == "0" {
		return ""
	}
	return filepath.Join(ManagedPrefsDir, u.Username, Domain+".plist")
}

func places() []string {
	out := []string{machinePlist()}
	if u := userPlist(); u != "" {
		out = append(out, u)
	}
	return out
}

// load reads the machine's managed preferences for com.cvpn and the
// user's over them. A broken layer locks nothing at all: half a policy is
// not what the administrator meant.
func load() (*Policy, error) {
	var layers []*Policy
	for _, path := range places() {
		p, err := readPlistFile(path)
		if err != nil {
			return nil, err
		}
		layers = append(layers, p)
	}
	return merge(layers...), nil
}

// readPlistFile reads one managed-preferences file, root's alone like the
// Linux file; macOS often writes them binary, which plutil converts.
func readPlistFile(path string) (*Policy, error) {
	data, err := readTrusted(path)
	if data == nil || err != nil {
		return nil, err
	}
	if bytes.HasPrefix(data, binaryPlist) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "/usr/bin/plutil", "-convert", "xml1", "-o", "-", "--", path).Output()
		if err != nil {
			return nil, fmt.Errorf("read policy %s: convert the binary property list with plutil: %w; %s", path, err, errFix)
		}
		data = out
	}
	return decodePlist(data, path)
}
