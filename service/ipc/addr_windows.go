package ipc

// DefaultAddr is where the service listens: a local named pipe.
const DefaultAddr = `\\.\pipe\cvpn`
