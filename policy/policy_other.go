//go:build !linux && !darwin && !windows

package policy

func places() []string { return nil }

// load finds no policy on other systems.
func load() (*Policy, error) { return nil, nil }
