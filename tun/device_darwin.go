package tun

const defaultName = "utun"

const noDriverAdvice = "macOS utun devices are unavailable"

func isNoDriver(error) bool { return false }
