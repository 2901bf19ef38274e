//go:build race

package datachannel

// The race detector makes sync.Pool drop items at random, so the CBC seal
// state is rebuilt now and then and allocation counts mean nothing.
func init() { raceEnabled = true }
