package main

import "github.com/cvpn/cvpn/service/userguard"

// utmpSource reads logins from a utmp file instead of logind (service --utmp).
func utmpSource(path string) (userguard.Source, error) { return userguard.NewUtmpSource(path), nil }
