package main

import (
	"fmt"

	"github.com/cvpn/cvpn/usersession"
)

func settingsCommand() *command {
	return &command{name: "settings", args: "[browser [COMMAND]]",
		summary: `show the user's settings, or set the command that opens sign-in pages ("" for the default browser)`,
		run:     (*app).settings}
}

// settings shows or changes usersession.Settings.
func (a *app) settings(args []string) int {
	path, err := usersession.SettingsPath()
	if err != nil {
		return a.fail("settings", err)
	}
	s, err := usersession.LoadSettings(path)
	if err != nil {
		return a.fail("settings", err)
	}
	switch {
	case len(args) == 0:
		browser := s.Browser
		if browser == "" {
			browser = "(the default browser, or $CVPN_BROWSER)"
		}
		fmt.Fprintf(a.stdout, "browser: %s\nfile: %s\n", browser, path)
		return exitOK
	case args[0] == "browser" && len(args) <= 2:
		if len(args) == 1 {
			fmt.Fprintln(a.stdout, s.Browser)
			return exitOK
		}
		s.Browser = args[1]
		if err := usersession.SaveSettings(path, s); err != nil {
			return a.fail("settings", err)
		}
		return exitOK
	}
	fmt.Fprintln(a.stderr, `usage: cvpn settings [browser [COMMAND]]  (COMMAND gets the address as its last argument; "" resets)`)
	return exitUsage
}
