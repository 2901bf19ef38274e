package awsclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// ErrNotFound means a directory holds no AWS VPN Client set-up.
var ErrNotFound = errors.New("no AWS VPN Client profiles found")

// Profile is one profile of the AWS VPN Client.
type Profile struct {
	Name       string // ProfileName, as the user saw it
	File       string // the .ovpn file, resolved on this machine
	EndpointID string // CvpnEndpointId, "" when not an AWS endpoint
	Region     string // CvpnEndpointRegion
	Federated  bool   // signs in through the browser (SAML)
}

// connectionProfiles is the ConnectionProfiles file.
type connectionProfiles struct {
	Version                  string
	LastSelectedProfileIndex int
	ConnectionProfiles       []struct {
		ProfileName          string
		OvpnConfigFilePath   string
		CvpnEndpointId       string
		CvpnEndpointRegion   string
		CompatibilityVersion string
		FederatedAuthType    int
	}
}

// maxListSize bounds the ConnectionProfiles file read; real ones are a
// few hundred bytes a profile.
const maxListSize = 4 << 20

// Dirs lists where the AWS VPN Client keeps its set-up for this user on
// this OS, most likely first.
func Dirs() []string { return dirsFor(runtime.GOOS, os.Getenv) }

func dirsFor(goos string, getenv func(string) string) []string {
	home := getenv("HOME")
	if goos == "windows" {
		var out []string
		if appData := getenv("APPDATA"); appData != "" {
			out = append(out, appData+`\AWSVPNClient`)
		}
		if profile := getenv("USERPROFILE"); profile != "" {
			p := profile + `\AppData\Roaming\AWSVPNClient`
			if len(out) == 0 || !strings.EqualFold(out[0], p) {
				out = append(out, p)
			}
		}
		return out
	}
	if home == "" {
		return nil
	}
	// Linux and macOS alike: the client uses ~/.config on macOS too, as
	// the scripts that write its files there show.
	return []string{filepath.Join(home, ".config", "AWSVPNClient")}
}

// Read lists the profiles in dir: from its ConnectionProfiles file when
// there is one, else every file in its OpenVpnConfigs folder (or in dir
// itself, for a folder of .ovpn files). It returns ErrNotFound when there
// is nothing to import.
func Read(dir string) ([]Profile, error) {
	data, err := readLimited(filepath.Join(dir, "ConnectionProfiles"))
	switch {
	case err == nil:
		return parseList(dir, data)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read the AWS VPN Client's profile list: %w", err)
	}
	for i, d := range []string{filepath.Join(dir, "OpenVpnConfigs"), dir} {
		list, err := scanFolder(d, i == 0)
		if err != nil || len(list) > 0 {
			return list, err
		}
	}
	return nil, fmt.Errorf("%s: %w", dir, ErrNotFound)
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > maxListSize {
		return nil, fmt.Errorf("%s is %d bytes, more than a profile list can be (%d)", path, st.Size(), maxListSize)
	}
	return os.ReadFile(path)
}

func parseList(dir string, data []byte) ([]Profile, error) {
	var list connectionProfiles
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("read %s: not the AWS VPN Client's profile list (%v); import the .ovpn files with cvpn profile import FILE instead",
			filepath.Join(dir, "ConnectionProfiles"), err)
	}
	var out []Profile
	for _, p := range list.ConnectionProfiles {
		out = append(out, Profile{
			Name:       p.ProfileName,
			File:       resolve(dir, p.OvpnConfigFilePath, p.ProfileName),
			EndpointID: p.CvpnEndpointId,
			Region:     p.CvpnEndpointRegion,
			Federated:  p.FederatedAuthType != 0,
		})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: the profile list is empty: %w", dir, ErrNotFound)
	}
	return out, nil
}

// resolve finds a profile's .ovpn file. The recorded path is absolute
// and may name another user's home (a copied directory, a migrated
// machine) or use the other OS's separators, so the file of that name in
// this directory's OpenVpnConfigs is tried when the path does not exist.
func resolve(dir, recorded, name string) string {
	if recorded != "" {
		if _, err := os.Stat(recorded); err == nil {
			return recorded
		}
	}
	base := recorded
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	if base == "" {
		base = name
	}
	local := filepath.Join(dir, "OpenVpnConfigs", base)
	if _, err := os.Stat(local); err == nil || recorded == "" {
		return local
	}
	return recorded
}

// scanFolder lists the profiles in d, named after their files: any file
// in the client's OpenVpnConfigs (it stores them without an extension),
// only .ovpn and .conf files elsewhere.
func scanFolder(d string, anyName bool) ([]Profile, error) {
	entries, err := os.ReadDir(d)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("read %s: %w", d, err)
	}
	var out []Profile
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		known := ext == ".ovpn" || ext == ".conf"
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || !(known || anyName && ext == "") {
			continue
		}
		out = append(out, Profile{Name: strings.TrimSuffix(name, filepath.Ext(name)), File: filepath.Join(d, name)})
	}
	return out, nil
}
