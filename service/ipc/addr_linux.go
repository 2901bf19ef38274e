package ipc

// DefaultAddr is where the service listens. /run/cvpn is the systemd
// RuntimeDirectory of cvpn.service.
const DefaultAddr = "/run/cvpn/cvpn.sock"
