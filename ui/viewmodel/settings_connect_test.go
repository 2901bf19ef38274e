package viewmodel

import (
	"runtime"
	"testing"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/usersession"
	"github.com/zalando/go-keyring"
)

// The Service backend sends the settings in effect with each connect:
// auto-reconnect off becomes NoReconnect, and the log level travels as
// is, the policy's over the user's.
func TestServiceConnectCarriesSettings(t *testing.T) {
	keyring.MockInit()
	tests := []struct {
		name   string
		user   usersession.Settings
		policy string
		want   api.ConnectBody
	}{
		{"defaults", usersession.Settings{}, `{}`, api.ConnectBody{LogLevel: "info"}},
		{"user's", usersession.Settings{NoAutoReconnect: true, LogLevel: "debug"}, `{}`, api.ConnectBody{NoReconnect: true, LogLevel: "debug"}},
		{"policy's", usersession.Settings{NoAutoReconnect: true, LogLevel: "debug"}, `{"auto_reconnect": true, "log_level": "info"}`,
			api.ConnectBody{LogLevel: "info"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := startService(t)
			settings := OpenSettings(userFile(t, tt.user), SettingsOptions{Policy: policyOf(t, tt.policy), Autostart: func(bool) error { return nil }})
			h := start(t, &Service{Client: c, Store: newStore(t), Logf: t.Logf, Settings: settings})
			h.waitFor("the service", func(v View) bool { return len(v.Rows) == 2 && !v.ServiceDown })
			for !subscribed(f) {
				runtime.Gosched()
			}
			h.m.Connect("corp")
			v := h.waitFor("the sign-in", func(v View) bool { return v.SignIn != nil })
			h.m.CancelSignIn(v.SignIn.ID)
			<-f.answers
			h.waitFor("the end", func(v View) bool { return !row(v, "corp").Connecting && v.SignIn == nil })
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.connects) != 1 {
				t.Fatalf("%d connects", len(f.connects))
			}
			got := f.connects[0]
			if got.NoReconnect != tt.want.NoReconnect || got.LogLevel != tt.want.LogLevel {
				t.Errorf("connect sent NoReconnect %v, LogLevel %q; want %v, %q", got.NoReconnect, got.LogLevel, tt.want.NoReconnect, tt.want.LogLevel)
			}
		})
	}
}

func subscribed(f *fakeService) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs) > 0
}
