// Package openvpn is cvpn's own OpenVPN protocol engine: transport, control
// channel, reliability, TLS, key-method 2, key derivation, data channel, pushed
// options and the session state machine. It moves packets between a transport
// and a packet device and reports typed events; it never prints and never
// configures the operating system.
//
// The session layer in this package puts the layers below it together:
//
//	s, err := openvpn.Dial(ctx, prof, dev, openvpn.Options{
//		Prompter:  prompter,                // username/password, challenges
//		Configure: configurator.Configure,  // addresses and routes, per connection
//	})
//	for ev := range s.Events() { … }        // *StateChange, *Warning, *AuthFailure, *Info
//	err = s.Wait()                          // or s.Close() to say goodbye and stop
//
// A Session tries the profile's remotes in order, reconnects on its own
// (ping-restart, RESTART, transport errors) with connect-retry backoff,
// renegotiates keys when either side asks, and moves the Device's packets
// in batches without allocating per packet. Its states and their edges are
// data (State, Transitions). See link.go and datapath.go for the goroutines
// and the packet path, and SESSION-PROGRESS.md for what is verified against
// the stock OpenVPN 2.6 server.
package openvpn
