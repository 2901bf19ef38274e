package tun

import wgtun "golang.zx2c4.com/wireguard/tun"

const defaultName = "utun"

const noDriverAdvice = "macOS utun devices are unavailable"

func isNoDriver(error) bool { return false }

func checkName(name string) error { return checkUtunName(name) }

// create: wireguard-go's darwin CreateTUN closes its socket on every
// failure.
func create(name string, mtu int) (Device, error) { return wgtun.CreateTUN(name, mtu) }
