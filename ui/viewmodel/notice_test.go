package viewmodel

import (
	"context"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/usersession"
)

// Notifications fire on edges only: not for the replay of a tunnel that
// was up when the app started, once per failure with its fix, and for the
// service's warnings.
func TestNotices(t *testing.T) {
	state := func(name string, s api.State, r api.Reason, msg string) *api.Event {
		return &api.Event{Kind: api.EventState, Tunnel: name, State: s, Reason: r, Message: msg, Status: &api.Status{Profile: name, State: s}}
	}
	tests := []struct {
		name   string
		events []*api.Event
		want   []string // kind:profile:text-fragment
	}{
		{"replay of a running tunnel", []*api.Event{state("corp", api.StateConnected, "", "")}, nil},
		{"came up", []*api.Event{state("corp", api.StateConnecting, "", ""), state("corp", api.StateConnected, "", "")},
			[]string{"0:corp:is connected"}},
		{"stats are no news", []*api.Event{state("corp", api.StateConnected, "", ""), {Kind: api.EventStats, Tunnel: "corp", Status: &api.Status{}}}, nil},
		{"went down", []*api.Event{state("corp", api.StateConnected, "", ""), state("corp", api.StateDisconnected, "", "")},
			[]string{"1:corp:is disconnected"}},
		{"failed", []*api.Event{state("corp", api.StateAuthenticating, "", ""), state("corp", api.StateDisconnected, api.ReasonAuthFailed, "auth failed")},
			[]string{"2:corp:auth failed; " + usersession.Advice(api.ReasonAuthFailed)}},
		{"canceled is no failure", []*api.Event{state("corp", api.StateAuthenticating, "", ""), state("corp", api.StateDisconnected, api.ReasonCanceled, "canceled")},
			[]string{"1:corp:is disconnected"}},
		{"warnings", []*api.Event{{Kind: api.EventNotice, Message: "bob logged in"}, {Kind: api.EventWarning, Tunnel: "aws", Message: "the session ends in 5 minutes"}},
			[]string{"3::bob logged in", "3:aws:session ends"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(newFake(entry("corp", false)), Options{Clock: newClock()})
			defer m.Close()
			var got []Notice
			m.OnNotice(func(n Notice) { got = append(got, n) })
			for _, ev := range tt.events {
				m.apply(ev)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("notices %+v, want %v", got, tt.want)
			}
			for i, w := range tt.want {
				parts := strings.SplitN(w, ":", 3)
				n := got[i]
				if parts[0] != string(rune('0'+n.Kind)) || parts[1] != n.Profile || !strings.Contains(n.Text, parts[2]) {
					t.Errorf("notice %d: %+v, want %s", i, n, w)
				}
			}
		})
	}
}

// A tunnel this app connects is announced even when the stream never saw
// it connecting.
func TestNoticeOwnConnect(t *testing.T) {
	f := newFake(entry("corp", false))
	release := make(chan struct{})
	f.setScript(func(ctx context.Context, f *fakeBackend, req ConnectRequest) (*api.Status, error) {
		<-release
		return &api.Status{Profile: req.Name, State: api.StateConnected}, nil
	})
	m := New(f, Options{Clock: newClock()})
	defer m.Close()
	var got []Notice
	m.OnNotice(func(n Notice) { got = append(got, n) })
	m.Connect("corp")
	m.apply(&api.Event{Kind: api.EventState, Tunnel: "corp", State: api.StateConnected})
	close(release)
	if len(got) != 1 || got[0].Kind != NoticeConnected {
		t.Errorf("notices %+v", got)
	}
}
