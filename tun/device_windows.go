package tun

const defaultName = "cvpn"

const noDriverAdvice = "the Wintun driver (wintun.dll) is missing next to cvpn; reinstall cvpn"

func isNoDriver(error) bool { return false }
