package service

import (
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/tunnel"
)

// The tunnel manager knows nothing of the API: its events and statuses are
// converted here, at the one place the service sends them, and the errors
// behind them are classified into reason codes (reasons.go).

// APIEvent converts one of the manager's events into the API's form, for
// connect --foreground, which runs a manager without the service and
// prints its events as the service's clients do.
func APIEvent(ev tunnel.Event) api.Event { return apiEvent(ev) }

// apiEvent converts one of the manager's events.
func apiEvent(ev tunnel.Event) api.Event {
	out := api.Event{Time: ev.Time, Kind: api.EventKind(ev.Kind), Tunnel: ev.Tunnel, State: api.State(ev.State), Message: ev.Message}
	if ev.Err != nil {
		out.Reason = reasonOf(ev.Err, out.State)
	}
	if ev.Status != nil {
		st := apiStatus(*ev.Status)
		out.Status = &st
	}
	return out
}

// apiStatus converts one tunnel's status.
func apiStatus(st tunnel.Status) api.Status {
	out := api.Status{
		Profile: st.Profile, Device: st.Device, State: api.State(st.State), Detail: st.Detail, AuthMode: st.AuthMode,
		Remote: st.Remote, Proto: st.Proto, Cipher: st.Cipher, IPv4: st.IPv4, IPv6: st.IPv6, DNS: st.DNS,
		Started: st.Started, ConnectedSince: st.ConnectedSince,
		TxBytes: st.TxBytes, RxBytes: st.RxBytes, TxPackets: st.TxPackets, RxPackets: st.RxPackets, Reconnects: st.Reconnects,
		Owner: st.Owner, LastError: st.LastError,
	}
	if st.LastErr != nil {
		out.LastReason = reasonOf(st.LastErr, out.State)
	}
	return out
}

func apiStatuses(list []tunnel.Status) []api.Status {
	out := make([]api.Status, 0, len(list))
	for _, st := range list {
		out = append(out, apiStatus(st))
	}
	return out
}
