package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/ipc"
	"github.com/cvpn/cvpn/usersession"
)

// fakeConnectService takes one connect on a real socket, records its
// body and reports the tunnel connected at once.
func fakeConnectService(t *testing.T) (socket string, bodies <-chan api.ConnectBody) {
	t.Helper()
	got := make(chan api.ConnectBody, 1)
	connected := make(chan string, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+api.PathEvents, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case name := <-connected:
			_ = json.NewEncoder(w).Encode(api.Event{Kind: api.EventState, Tunnel: name, State: api.StateConnected})
			w.(http.Flusher).Flush()
		case <-r.Context().Done():
			return
		}
		<-r.Context().Done()
	})
	mux.HandleFunc("POST "+api.PathConnect, func(w http.ResponseWriter, r *http.Request) {
		var body api.ConnectBody
		_ = json.NewDecoder(r.Body).Decode(&body)
		got <- body
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(api.Status{Profile: body.Name, State: api.StateIdle})
		connected <- body.Name
	})
	socket = filepath.Join(t.TempDir(), "cvpn.sock")
	l, err := ipc.Listen(socket)
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(l) }()
	t.Cleanup(func() { _ = hs.Close() })
	return socket, got
}

// connect asks the service for the auto-reconnect and log level in
// effect: flags over the user's settings, the policy over both, with a
// warning when it overrides a flag.
func TestConnectSendsSettings(t *testing.T) {
	tests := []struct {
		name        string
		user        usersession.Settings
		policy      string
		flags       []string
		noReconnect bool
		level       string
		warning     string // on stderr; "" for none
	}{
		{"defaults", usersession.Settings{}, "", nil, false, "info", ""},
		{"user settings", usersession.Settings{NoAutoReconnect: true, LogLevel: "debug"}, "", nil, true, "debug", ""},
		{"flags over settings", usersession.Settings{LogLevel: "debug"}, "", []string{"--no-reconnect", "--log-level", "info"}, true, "info", ""},
		{"policy over settings", usersession.Settings{NoAutoReconnect: true}, `{"auto_reconnect": true, "log_level": "debug"}`, nil, false, "debug", ""},
		{"policy over flags", usersession.Settings{}, `{"auto_reconnect": true, "log_level": "info"}`, []string{"--no-reconnect", "--log-level", "debug"},
			false, "info", "--no-reconnect is ignored: your administrator turns auto-reconnect on in the policy "},
		{"policy over log level flag", usersession.Settings{}, `{"log_level": "info"}`, []string{"--log-level", "debug"},
			false, "info", "--log-level debug is ignored: your administrator sets the log level to info in the policy "},
		{"flag agrees with policy", usersession.Settings{}, `{"auto_reconnect": false}`, []string{"--no-reconnect"}, true, "info", ""},
		{"broken policy locks nothing", usersession.Settings{}, `{"auto_reconnect": "yes"}`, []string{"--no-reconnect"}, true, "info", "read policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			settingsEnv(t, tt.policy, false)
			path, err := usersession.SettingsPath()
			if err != nil {
				t.Fatal(err)
			}
			if err := usersession.SaveSettings(path, tt.user); err != nil {
				t.Fatal(err)
			}
			socket, bodies := fakeConnectService(t)
			store := profile.NewStore(t.TempDir(), t.TempDir())
			if _, err := store.Import(testdata("aws-mutual.ovpn"), "corp"); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			a := &app{stdout: &out, stderr: &errOut, socket: socket, asker: &fakeTerm{},
				store: func() (*profile.Store, error) { return store, nil }}
			if code := a.run(append([]string{"connect", "corp"}, tt.flags...)); code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			body := <-bodies
			if body.NoReconnect != tt.noReconnect || body.LogLevel != tt.level {
				t.Errorf("sent no_reconnect %v log_level %q, want %v %q", body.NoReconnect, body.LogLevel, tt.noReconnect, tt.level)
			}
			hasWarning := strings.Contains(errOut.String(), "warning:")
			if hasWarning != (tt.warning != "") || !strings.Contains(errOut.String(), tt.warning) {
				t.Errorf("stderr %q, want warning %q", errOut.String(), tt.warning)
			}
		})
	}
}

func TestConnectLogLevelFlag(t *testing.T) {
	settingsEnv(t, "", false)
	var errOut bytes.Buffer
	a := &app{stdout: &bytes.Buffer{}, stderr: &errOut, store: storeFromEnv}
	if code := a.run([]string{"connect", "corp", "--log-level", "trace"}); code != exitUsage ||
		!strings.Contains(errOut.String(), `unknown log level "trace"; use "info" or "debug"`) {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
}
