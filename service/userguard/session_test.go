package userguard

import (
	"slices"
	"testing"
)

func TestLocalUIDs(t *testing.T) {
	withUID := func(uid int, kind Kind) Session { return Session{User: "u", UID: uid, Kind: kind} }
	tests := []struct {
		name     string
		sessions []Session
		want     []int
	}{
		{name: "nobody"},
		{name: "desktop user", sessions: []Session{withUID(1000, KindGraphical)}, want: []int{1000}},
		{name: "one user many local sessions", sessions: []Session{
			withUID(1000, KindTerminal), withUID(1000, KindGraphical), withUID(1000, KindConsole),
		}, want: []int{1000}},
		{name: "remote sessions grant nothing", sessions: []Session{
			withUID(1001, KindRemote), withUID(1000, KindGraphical),
		}, want: []int{1000}},
		{name: "only remote", sessions: []Session{withUID(1001, KindRemote)}},
		{name: "unknown kind grants nothing", sessions: []Session{withUID(1002, KindUnknown), withUID(1003, "")}},
		{name: "unknown uid grants nothing", sessions: []Session{withUID(-1, KindConsole)}},
		{name: "root on console", sessions: []Session{withUID(0, KindConsole)}, want: []int{0}},
		{name: "sorted and distinct", sessions: []Session{
			withUID(1005, KindTerminal), withUID(0, KindConsole), withUID(1001, KindGraphical), withUID(1005, KindConsole),
		}, want: []int{0, 1001, 1005}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LocalUIDs(tt.sessions); !slices.Equal(got, tt.want) {
				t.Errorf("LocalUIDs = %v, want %v", got, tt.want)
			}
		})
	}
}
