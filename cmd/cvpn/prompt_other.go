//go:build !linux

package main

import (
	"bufio"
	"errors"
	"os"
	"strings"
)

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// readSecret cannot turn echo off on this OS yet; connect --foreground is
// Linux-only for now, so this is never reached in practice.
func readSecret(f *os.File) (string, error) {
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.Join(errors.New("read secret"), err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
