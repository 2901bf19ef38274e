package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/profile"
)

// Config is a checked preconfiguration directory.
type Config struct {
	Dir string
	// Policy is policy.json's raw object (nil when there is none): the
	// registry mapping follows the JSON types, not the Go struct, so a key
	// the policy package learns later needs no change here.
	Policy map[string]any
	// Profiles are the .ovpn files' paths, sorted by name.
	Profiles []string
}

// Load checks DIR: policy.json (optional) must be a policy cvpn accepts,
// profiles/ (optional) may hold only .ovpn files that parse, and one of
// the two must be there.
func Load(dir string) (*Config, error) {
	c := &Config{Dir: dir}
	pj := filepath.Join(dir, "policy.json")
	data, err := os.ReadFile(pj)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read preconfiguration: %w", err)
	default:
		if _, err := policy.Decode(bytes.NewReader(data), pj); err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&c.Policy); err != nil {
			return nil, fmt.Errorf("read policy %s: %w", pj, err)
		}
	}
	pd := filepath.Join(dir, "profiles")
	ents, err := os.ReadDir(pd)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read preconfiguration: %w", err)
	}
	for _, e := range ents {
		p := filepath.Join(pd, e.Name())
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".ovpn") {
			return nil, fmt.Errorf("preconfiguration %s: only .ovpn files belong in profiles/", p)
		}
		if err := profile.ValidName(strings.TrimSuffix(e.Name(), ".ovpn")); err != nil {
			return nil, fmt.Errorf("preconfiguration %s: %w", p, err)
		}
		if _, err := profile.ParseFile(p); err != nil {
			return nil, fmt.Errorf("preconfiguration %s: %w", p, err)
		}
		c.Profiles = append(c.Profiles, p)
	}
	sort.Strings(c.Profiles)
	if c.Policy == nil && len(c.Profiles) == 0 {
		return nil, fmt.Errorf("preconfiguration %s: neither policy.json nor profiles/*.ovpn", dir)
	}
	return c, nil
}

// templateFiles lists the .admx and .adml files under dir, relative to it.
func templateFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		if d.Type().IsRegular() && (ext == ".admx" || ext == ".adml") {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list policy templates: %w", err)
	}
	sort.Strings(out)
	return out, nil
}
