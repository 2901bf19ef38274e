//go:build !windows && !darwin

package service

func defaultStateDir() string { return "/var/lib/cvpn" }
func defaultLogDir() string   { return "/var/log/cvpn" }
