//go:build plan9 || js || wasip1

package saml

import "os/exec"

func detach(*exec.Cmd) {}

func asUser() bool { return false }
