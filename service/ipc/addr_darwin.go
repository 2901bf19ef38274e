package ipc

// DefaultAddr is where the service listens.
const DefaultAddr = "/var/run/cvpn/cvpn.sock"
