//go:build !linux && !darwin && !windows

package tun

import wgtun "golang.zx2c4.com/wireguard/tun"

const defaultName = "tun"

const noDriverAdvice = "this operating system has no supported TUN driver"

func isNoDriver(error) bool { return false }

func checkName(name string) error { return checkLinuxName(name) }

func create(name string, mtu int) (Device, error) { return wgtun.CreateTUN(name, mtu) }
