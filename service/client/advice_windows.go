package client

// StartAdvice says how to start the service on this OS, for a client that
// finds it not running.
const StartAdvice = "start the \"cvpn\" service in Services (services.msc), or run 'cvpn service' in an administrator prompt"
