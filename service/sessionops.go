package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/tunnel"
)

// The handlers that act on a running tunnel on behalf of its user: stop it,
// follow its events, answer its prompts. Each acts only on what belongs to
// the caller (owner.go).

// disconnect stops the named tunnel, or with no name every tunnel the
// caller may stop, and answers with the status after.
//
// Who may stop what: root (an administrator) stops any tunnel; another
// caller only the tunnels it started. Two users can both be allowed (two
// console logins, fast user switching), and one must not cut the other's
// VPN in the middle of their work; a tunnel whose owner is unknown is
// root's. Naming another user's tunnel is refused with 403 and who owns
// it. "Disconnect all" from a caller that is not root stops that caller's
// own tunnels and leaves the others running: the answer's Tunnels list
// them (each with its Owner), and the service's log says how many.
func (s *Server) disconnect(w http.ResponseWriter, r *http.Request) {
	var body api.DisconnectBody
	if !readJSON(w, r, &body, maxBody) {
		return
	}
	pr := peerOf(r)
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	var err error
	switch {
	case body.Name == "" && pr.Admin:
		s.logf("disconnect all requested by uid %d", pr.UID)
		err = s.Manager.DisconnectAll(ctx, "")
	case body.Name == "":
		mine, others := s.ownTunnels(pr)
		s.logf("disconnect all requested by uid %d: stopping its %d tunnel(s); %d started by others stay up", pr.UID, len(mine), others)
		err = disconnectEach(ctx, mine)
	default:
		t, ok := s.Manager.Get(body.Name)
		if !ok {
			err = fmt.Errorf("disconnect %s: %w", body.Name, tunnel.ErrNotConnected)
			break
		}
		if owner := t.Status().Owner; !mayActOn(pr, owner) {
			refusal := ownerRefusal(pr, "stop", body.Name, owner)
			s.logf("%s: disconnect refused: %v", body.Name, refusal)
			writeError(w, http.StatusForbidden, api.CodePermission, "disconnect: "+refusal.Error())
			return
		}
		s.logf("%s: disconnect requested by uid %d", body.Name, pr.UID)
		err = t.Disconnect(ctx, "")
	}
	if err != nil {
		status, code := classify(err)
		writeError(w, status, code, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.statusBody(r.Context()))
}

// disconnectEach stops ts at once, as Manager.DisconnectAll does.
func disconnectEach(ctx context.Context, ts []*tunnel.Tunnel) error {
	var wg sync.WaitGroup
	errs := make([]error, len(ts))
	for i, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = t.Disconnect(ctx, "")
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// events streams every event as a JSON line until the client goes away,
// or until the caller is no longer allowed (guardStream: a last notice
// event says why). It starts with one state event per tunnel and the
// prompts still waiting, so a client that attaches late (the GUI after a
// restart) knows where things stand. Prompts are sent only to their
// tunnel's owner and root.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.guardStream(w, r)
	defer cancel()
	ch, stop := s.Manager.Subscribe()
	defer stop()
	pending, asks, stopAsks := s.prompts.subscribe(peerOf(r))
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
		case <-ctx.Done():
			if err := revokedCause(ctx); err != nil {
				_ = enc.Encode(api.Event{Time: time.Now(), Kind: api.EventNotice, Message: "event stream closed: " + err.Error()})
			}
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

// answer hands an AnswerBody to the prompt waiting for it, if the caller
// may answer it: the tunnel's owner, or root. The body may hold a SAML
// assertion (api.MaxAnswerSize); like every secret it is never logged, and
// only its ID is.
//
// The answer's secrets are registered with the redactor only once the
// prompt is claimed for this caller, and before the engine gets them:
// a registered string is scrubbed from every later log line and evicts
// older secrets, so a caller must not be able to register one without a
// real prompt of its own.
func (s *Server) answer(w http.ResponseWriter, r *http.Request) {
	var body api.AnswerBody
	if !readJSON(w, r, &body, api.MaxAnswerSize+4<<10) {
		return
	}
	pp, err := s.prompts.take(body, peerOf(r))
	switch {
	case errors.Is(err, errNoPrompt):
		writeError(w, http.StatusNotFound, api.CodeNoPrompt, fmt.Sprintf("answer: no prompt %q is waiting (it was answered, canceled or timed out)", body.ID))
		return
	case err != nil:
		// Only a waiting prompt is refused, so the ID is one of ours and
		// safe to log: a caller cannot choose the line.
		s.logf("answer to prompt %s refused: %v", body.ID, err)
		writeError(w, http.StatusForbidden, api.CodePermission, "answer: "+err.Error())
		return
	}
	// An assertion is too long for the redactor's list (it ignores what is
	// longer than logs.MaxSecretLen): it is base64, which the blob rule
	// removes.
	if s.Logs != nil {
		for _, v := range []string{body.Password, body.Response} {
			if len(v) <= logs.MaxSecretLen {
				s.Logs.Redactor().RegisterSecret(v)
			}
		}
	}
	pp.reply <- body
	w.WriteHeader(http.StatusNoContent)
}
