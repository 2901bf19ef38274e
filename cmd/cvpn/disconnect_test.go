package main

import (
	"strings"
	"testing"

	"github.com/cvpn/cvpn/service/api"
)

func TestDisconnectAllMessage(t *testing.T) {
	tests := []struct {
		name string
		left []api.Status
		want []string
	}{
		{"all stopped", nil, []string{"disconnected all tunnels"}},
		{"others' tunnels remain", []api.Status{{Profile: "lab", Owner: 1001}, {Profile: "ops", Owner: 0}},
			[]string{"disconnected your tunnels", "lab (uid 1001), ops (uid 0)", "sudo cvpn disconnect NAME"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := disconnectAllMessage(&api.StatusBody{Tunnels: tt.left})
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("message %q lacks %q", got, w)
				}
			}
		})
	}
}
