package service_test

import (
	"context"
	"testing"

	"github.com/cvpn/cvpn/service/api"
)

// The user's auto-reconnect and log level settings travel in the connect
// request and reach the engine's options for that tunnel alone.
func TestConnectPassesReconnectAndLogLevel(t *testing.T) {
	tests := []struct {
		name          string
		body          api.ConnectBody
		noReconnect   bool
		packetLogging bool
	}{
		{"defaults", api.ConnectBody{}, false, false},
		{"info", api.ConnectBody{LogLevel: api.LogLevelInfo}, false, false},
		{"no reconnect", api.ConnectBody{NoReconnect: true}, true, false},
		{"debug", api.ConnectBody{LogLevel: api.LogLevelDebug}, false, true},
		{"both", api.ConnectBody{NoReconnect: true, LogLevel: api.LogLevelDebug}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startService(t)
			body := tt.body
			body.Name, body.Profile = "corp", profileText(t)
			if _, err := ts.c.Connect(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			opts := ts.os.Session(t, "corp").Opts
			if opts.NoReconnect != tt.noReconnect || (opts.Debugf != nil) != tt.packetLogging {
				t.Errorf("engine options: NoReconnect %v, Debugf set %v; want %v, %v",
					opts.NoReconnect, opts.Debugf != nil, tt.noReconnect, tt.packetLogging)
			}
		})
	}
}
