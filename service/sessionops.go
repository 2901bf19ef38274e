package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/cvpn/cvpn/service/api"
)

// The handlers that act on a running tunnel on behalf of its user: stop it,
// follow its events, answer its prompts.

func (s *Server) disconnect(w http.ResponseWriter, r *http.Request) {
	var body api.DisconnectBody
	if !readJSON(w, r, &body, maxBody) {
		return
	}
	pr := peerOf(r)
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	var err error
	if body.Name == "" {
		s.logf("disconnect all requested by uid %d", pr.UID)
		err = s.Manager.DisconnectAll(ctx, "")
	} else {
		s.logf("%s: disconnect requested by uid %d", body.Name, pr.UID)
		err = s.Manager.Disconnect(ctx, body.Name)
	}
	if err != nil {
		status, code := classify(err)
		writeError(w, status, code, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.statusBody(r.Context()))
}

// events streams every event as a JSON line until the client goes away.
// It starts with one state event per tunnel and the prompts still waiting,
// so a client that attaches late (the GUI after a restart) knows where
// things stand.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	ch, stop := s.Manager.Subscribe()
	defer stop()
	pending, asks, stopAsks := s.prompts.subscribe()
	defer stopAsks()
	fl, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	for _, st := range apiStatuses(s.Manager.List()) {
		st := st
		_ = enc.Encode(api.Event{Time: time.Now(), Kind: api.EventState, Tunnel: st.Profile, State: st.State, Status: &st})
	}
	for _, p := range pending {
		_ = enc.Encode(promptEvent(p))
	}
	if fl != nil {
		fl.Flush()
	}
	for {
		var ev api.Event
		select {
		case <-r.Context().Done():
			return
		case tev, ok := <-ch:
			if !ok {
				return
			}
			ev = apiEvent(tev)
		case p := <-asks:
			ev = promptEvent(p)
		}
		if err := enc.Encode(ev); err != nil {
			return
		}
		if fl != nil && len(ch) == 0 && len(asks) == 0 {
			fl.Flush()
		}
	}
}

func promptEvent(p api.Prompt) api.Event {
	return api.Event{Time: time.Now(), Kind: api.EventPrompt, Tunnel: p.Tunnel, Prompt: &p}
}

// answer hands an AnswerBody to the prompt waiting for it. The body may
// hold a SAML assertion (api.MaxAnswerSize); like every secret it is never
// logged, and only its ID is.
func (s *Server) answer(w http.ResponseWriter, r *http.Request) {
	var body api.AnswerBody
	if !readJSON(w, r, &body, api.MaxAnswerSize+4<<10) {
		return
	}
	// Register the secrets before anything could log them. An assertion
	// is too long for the redactor's list (and would push the passwords
	// out of it): it is base64, which the redactor's blob rule removes.
	if s.Logs != nil {
		for _, v := range []string{body.Password, body.Response} {
			if len(v) <= maxRegisteredSecret {
				s.Logs.Redactor().RegisterSecret(v)
			}
		}
	}
	if !s.prompts.answer(body) {
		writeError(w, http.StatusNotFound, api.CodeNoPrompt, fmt.Sprintf("answer: no prompt %q is waiting (it was answered, canceled or timed out)", body.ID))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// maxRegisteredSecret is the longest answer registered with the redactor.
const maxRegisteredSecret = 4 << 10
