// Package tun owns the TUN device only (wireguard-go's tun package): it
// creates it and names the errors a user can act on. Addresses, routes and
// their undo are netcfg's.
package tun
