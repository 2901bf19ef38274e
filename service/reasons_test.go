package service

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/userguard"
	"github.com/cvpn/cvpn/tunnel"
)

// Each way a tunnel fails or ends reaches the API as its stable code, also
// when wrapped the way the engine and the manager wrap them.
func TestReasonOf(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("connect corp: %w", err) }
	tests := []struct {
		name  string
		err   error
		state api.State
		want  api.Reason
	}{
		{"none", nil, api.StateDisconnected, ""},
		{"auth failed", &openvpn.AuthError{Reason: "bad password"}, api.StateDisconnected, api.ReasonAuthFailed},
		{"client cert", wrap(openvpn.ErrClientCertificate), api.StateDisconnected, api.ReasonCertRejected},
		{"server cert", wrap(openvpn.ErrServerCertificate), api.StateReconnecting, api.ReasonServerUntrusted},
		{"unreachable", &openvpn.UnreachableError{Attempts: 3, Last: errors.New("timeout")}, api.StateDisconnected, api.ReasonUnreachable},
		{"second user", wrap(&userguard.TooManyUsersError{Users: []string{"a", "b"}}), api.StateDisconnected, api.ReasonTooManyUsers},
		{"guard unsure", fmt.Errorf("%w (3 checks in a row failed): %w", tunnel.ErrGuardUnsure, errors.New("bus")), api.StateDisconnected, api.ReasonUserGuard},
		{"route conflict", wrap(&tunnel.ConflictError{Tunnel: "a", Other: "b"}), api.StateDisconnected, api.ReasonRouteConflict},
		{"service stopping", tunnel.ErrStopping, api.StateDisconnected, api.ReasonServiceStopping},
		{"saml timeout", fmt.Errorf("answer the challenge: %w", &promptError{reason: api.ReasonSAMLTimeout, msg: "x"}), api.StateDisconnected, api.ReasonSAMLTimeout},
		{"declined", fmt.Errorf("ask for credentials: %w", &promptError{reason: api.ReasonCanceled, msg: "x"}), api.StateDisconnected, api.ReasonCanceled},
		{"canceled", wrap(openvpn.ErrCanceled), api.StateDisconnected, api.ReasonCanceled},
		{"context", context.Canceled, api.StateDisconnected, api.ReasonCanceled},
		{"halted", wrap(openvpn.ErrHalted), api.StateDisconnected, api.ReasonServerExit},
		{"server ended it", wrap(openvpn.ErrServerEnded), api.StateReconnecting, api.ReasonServerExit},
		{"session limit", wrap(openvpn.ErrSessionExpired), api.StateReconnecting, api.ReasonSessionExpired},
		{"bad passphrase", wrap(openvpn.ErrBadPassphrase), api.StateDisconnected, api.ReasonBadPassphrase},
		{"no passphrase", wrap(openvpn.ErrNoPassphrase), api.StateDisconnected, api.ReasonNeedPassphrase},
		{"no credentials", wrap(openvpn.ErrNoCredentials), api.StateDisconnected, api.ReasonNeedCredentials},
		{"negotiation", wrap(openvpn.ErrNegotiation), api.StateDisconnected, api.ReasonNegotiation},
		{"socket", &net.OpError{Op: "read", Net: "udp", Err: syscall.ECONNREFUSED}, api.StateDisconnected, api.ReasonNetworkError},
		{"engine's reconnect cause", errors.New("no packets from the server (ping-restart)"), api.StateReconnecting, api.ReasonNetworkError},
		{"drop, auto-reconnect off", fmt.Errorf("%w (%w)", openvpn.ErrNoReconnect, errors.New("no packets from the server (ping-restart)")), api.StateDisconnected, api.ReasonNetworkError},
		{"server end, auto-reconnect off", fmt.Errorf("%w (%w)", openvpn.ErrNoReconnect, openvpn.ErrServerEnded), api.StateDisconnected, api.ReasonServerExit},
		{"anything else", errors.New("tun device busy"), api.StateDisconnected, api.ReasonOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := reasonOf(tt.err, tt.state); got != tt.want {
				t.Errorf("reasonOf(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

// Every engine state has its API constant, spelled the same.
func TestStatesMatchTheEngine(t *testing.T) {
	known := map[api.State]bool{}
	for _, s := range api.States {
		known[s] = true
	}
	for s := openvpn.StateIdle; s <= openvpn.StateDisconnected; s++ {
		if !known[api.State(s.String())] {
			t.Errorf("engine state %q has no api.State", s)
		}
	}
	if len(api.States) != int(openvpn.StateDisconnected)+1 {
		t.Errorf("api.States has %d states, the engine %d", len(api.States), openvpn.StateDisconnected+1)
	}
}

// The conversion carries every field of a tunnel's status and classifies
// its error.
func TestAPIStatus(t *testing.T) {
	st := tunnel.Status{Profile: "p", Device: "d", State: "reconnecting", Detail: "x", AuthMode: "saml", Remote: "r", Proto: "udp",
		Cipher: "c", IPv4: "4", IPv6: "6", TxBytes: 1, RxBytes: 2, TxPackets: 3, RxPackets: 4, Reconnects: 5, Owner: 7,
		LastError: "authentication failed", LastErr: openvpn.ErrAuthFailed}
	got := apiStatus(st)
	want := api.Status{Profile: "p", Device: "d", State: api.StateReconnecting, Detail: "x", AuthMode: "saml", Remote: "r", Proto: "udp",
		Cipher: "c", IPv4: "4", IPv6: "6", TxBytes: 1, RxBytes: 2, TxPackets: 3, RxPackets: 4, Reconnects: 5, Owner: 7,
		LastError: "authentication failed", LastReason: api.ReasonAuthFailed}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	ev := apiEvent(tunnel.Event{Kind: tunnel.EventState, Tunnel: "p", State: "disconnected", Err: openvpn.ErrHalted, Status: &st})
	if ev.Kind != api.EventState || ev.State != api.StateDisconnected || ev.Reason != api.ReasonServerExit || ev.Status == nil {
		t.Errorf("event %+v", ev)
	}
}
