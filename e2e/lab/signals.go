//go:build linux

package lab

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// The signal hook exists because an interrupted `go test` (Ctrl-C, or a CI
// runner's SIGTERM) would otherwise die with its namespaces and openvpn
// processes still in place. Stale-lab reaping would clean them up later, but
// only when the next lab starts; the hook cleans up now.
var sigHook struct {
	mu   sync.Mutex
	once sync.Once
	labs map[*Lab]struct{}
}

// hookSignals adds l to the labs torn down on SIGINT/SIGTERM, installing the
// handler on first use. Programs that never create a hooked lab keep the
// default signal behaviour.
func hookSignals(l *Lab) {
	sigHook.once.Do(func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
		go func() {
			sig := <-ch
			// A second Ctrl-C should kill at once; the reaper covers it.
			signal.Stop(ch)
			sigHook.mu.Lock()
			labs := make([]*Lab, 0, len(sigHook.labs))
			for l := range sigHook.labs {
				labs = append(labs, l)
			}
			sigHook.mu.Unlock()
			fmt.Fprintf(os.Stderr, "cvpn e2e lab: %v: tearing down %d lab(s)\n", sig, len(labs))
			for _, l := range labs {
				if err := l.Close(); err != nil {
					fmt.Fprintf(os.Stderr, "cvpn e2e lab: %v\n", err)
				}
			}
			code := 1
			if s, ok := sig.(syscall.Signal); ok {
				code = 128 + int(s)
			}
			os.Exit(code)
		}()
	})
	sigHook.mu.Lock()
	defer sigHook.mu.Unlock()
	if sigHook.labs == nil {
		sigHook.labs = make(map[*Lab]struct{})
	}
	sigHook.labs[l] = struct{}{}
}

func unhookSignals(l *Lab) {
	sigHook.mu.Lock()
	defer sigHook.mu.Unlock()
	delete(sigHook.labs, l)
}
