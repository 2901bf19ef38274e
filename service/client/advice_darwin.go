package client

// StartAdvice says how to start the service on this OS, for a client that
// finds it not running.
const StartAdvice = "start it with 'sudo launchctl kickstart system/com.cvpn.service', or run 'sudo cvpn service' in another terminal"
