package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/tunnel"
)

// promptTimeout is how long a tunnel waits for someone to answer a
// credential prompt before giving up on the attempt.
const promptTimeout = 3 * time.Minute

// prompts bridges the engine's Prompter calls (which block) to the API:
// each call becomes a Prompt event and waits for the matching answer.
// Secrets arrive only in AnswerBody and go straight to the engine.
type prompts struct {
	mu      sync.Mutex
	waiting map[string]*pendingPrompt
}

type pendingPrompt struct {
	p     Prompt
	reply chan AnswerBody
}

// prompter returns the Prompter for one tunnel.
func (s *Server) prompter(tunnelName string) openvpn.Prompter {
	return openvpn.PrompterFunc(func(ctx context.Context, req *openvpn.Prompt) (*openvpn.Answer, error) {
		p := describe(tunnelName, req)
		reply := s.prompts.add(p)
		defer s.prompts.remove(p.ID)
		s.Manager.Publish(tunnel.Event{Kind: tunnel.EventPrompt, Tunnel: tunnelName, Prompt: p})
		s.logf("%s: waiting for %s credentials (prompt %s)", tunnelName, p.Kind, p.ID)
		timer := time.NewTimer(promptTimeout)
		defer timer.Stop()
		select {
		case a := <-reply:
			if a.Cancel {
				return nil, fmt.Errorf("sign-in: %w by the user", openvpn.ErrCanceled)
			}
			return &openvpn.Answer{Username: a.Username, Password: a.Password, Response: a.Response}, nil
		case <-timer.C:
			return nil, fmt.Errorf("sign-in: nobody answered within %v: %w", promptTimeout, openvpn.ErrCanceled)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
}

// describe turns an engine prompt into its API form.
func describe(tunnelName string, req *openvpn.Prompt) Prompt {
	var id [8]byte
	_, _ = rand.Read(id[:])
	p := Prompt{ID: hex.EncodeToString(id[:]), Tunnel: tunnelName, Username: req.Username,
		AskUsername: req.AskUsername, AskPassword: req.AskPassword, Retry: req.Retry}
	switch req.Kind {
	case openvpn.PromptPassphrase:
		p.Kind, p.AskPassword = "passphrase", true
	case openvpn.PromptProxyAuth:
		p.Kind, p.Proxy = "proxy", req.Proxy
	case openvpn.PromptChallenge:
		p.Kind = "challenge"
		if c := req.Challenge; c != nil {
			p.Challenge, p.Echo = c.Text, c.Echo
			if p.Username == "" {
				p.Username = c.Username
			}
		}
	default:
		p.Kind = "userpass"
		if sc := req.StaticChallenge; sc != nil {
			p.Challenge, p.Echo = sc.Text, sc.Echo
		}
	}
	return p
}

func (ps *prompts) add(p Prompt) chan AnswerBody {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.waiting == nil {
		ps.waiting = make(map[string]*pendingPrompt)
	}
	pp := &pendingPrompt{p: p, reply: make(chan AnswerBody, 1)}
	ps.waiting[p.ID] = pp
	return pp.reply
}

func (ps *prompts) remove(id string) {
	ps.mu.Lock()
	delete(ps.waiting, id)
	ps.mu.Unlock()
}

// answer delivers a, once; false if no such prompt waits.
func (ps *prompts) answer(a AnswerBody) bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	pp, ok := ps.waiting[a.ID]
	if !ok {
		return false
	}
	delete(ps.waiting, a.ID)
	pp.reply <- a
	return true
}

// pending lists the prompts still waiting, oldest tunnel name first.
func (ps *prompts) pending() []Prompt {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := make([]Prompt, 0, len(ps.waiting))
	for _, pp := range ps.waiting {
		out = append(out, pp.p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tunnel < out[j].Tunnel })
	return out
}
