//go:build !linux

package main

import (
	"errors"

	"github.com/cvpn/cvpn/service/userguard"
)

func utmpSource(string) (userguard.Source, error) {
	return nil, errors.New("--utmp is only available on Linux")
}
