//go:build !linux && !darwin && !windows

package tun

const defaultName = "tun"

const noDriverAdvice = "this operating system has no supported TUN driver"

func isNoDriver(error) bool { return false }
