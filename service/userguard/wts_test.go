package userguard

import "testing"

func TestWtsToSession(t *testing.T) {
	tests := []struct {
		name string
		in   wtsSessionInfo
		want Session
		ok   bool
	}{
		{name: "services session", in: wtsSessionInfo{ID: 0, Station: "Services", State: wtsDisconnected}},
		{name: "rdp listener", in: wtsSessionInfo{ID: 65536, Station: "RDP-Tcp", State: 6}},
		{name: "console before logon", in: wtsSessionInfo{ID: 1, Station: "Console", State: 1}},
		{name: "active console", ok: true,
			in:   wtsSessionInfo{ID: 1, Station: "Console", State: wtsActive, User: "alice", Domain: "CORP"},
			want: Session{User: `CORP\alice`, UID: -1, TTY: "Console", Kind: KindGraphical}},
		{name: "disconnected fast user switch", ok: true,
			in:   wtsSessionInfo{ID: 2, State: wtsDisconnected, User: "bob", Domain: "PC1"},
			want: Session{User: `PC1\bob`, UID: -1, Kind: KindGraphical}},
		{name: "rdp", ok: true,
			in:   wtsSessionInfo{ID: 3, Station: "RDP-Tcp#0", State: wtsActive, User: "carol", Domain: "CORP", ClientName: "LAPTOP7", Protocol: 2},
			want: Session{User: `CORP\carol`, UID: -1, TTY: "RDP-Tcp#0", Host: "LAPTOP7", Kind: KindRemote}},
		{name: "no domain", ok: true,
			in:   wtsSessionInfo{ID: 4, State: wtsActive, User: "dave"},
			want: Session{User: "dave", UID: -1, Kind: KindGraphical}},
		{name: "active without user", in: wtsSessionInfo{ID: 5, State: wtsActive}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := wtsToSession(tt.in)
			if ok != tt.ok || got != tt.want {
				t.Errorf("wtsToSession = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
