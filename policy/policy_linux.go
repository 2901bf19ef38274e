package policy

import (
	"bytes"
	"os"
)

// DefaultFile is where Linux keeps the policy; CVPN_POLICY_FILE replaces
// it (for tests, and for distributions that keep it elsewhere).
const DefaultFile = "/etc/cvpn/policy.json"

// FileEnv names the variable that replaces DefaultFile.
const FileEnv = "CVPN_POLICY_FILE"

func file() string {
	if path := os.Getenv(FileEnv); path != "" {
		return path
	}
	return DefaultFile
}

func places() []string { return []string{file()} }

func load() (*Policy, error) { return ReadFile(file()) }

// ReadFile reads the JSON policy at path. A missing file is no policy
// (nil, nil); one that is not root's alone is refused (readTrusted).
func ReadFile(path string) (*Policy, error) {
	data, err := readTrusted(path)
	if data == nil || err != nil {
		return nil, err
	}
	return Decode(bytes.NewReader(data), path)
}
