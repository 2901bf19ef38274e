package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/ipc"
)

// promptTimeout is how long a tunnel waits for someone to answer a
// credential prompt before giving up on the attempt. A browser sign-in
// gets longer: the user may have to find a security key or an
// authenticator app, and the user's side gives up first (with
// api.ReasonSAMLTimeout) so the reason is the precise one.
const (
	promptTimeout     = 3 * time.Minute
	samlPromptTimeout = 10 * time.Minute
)

// prompts bridges the engine's Prompter calls (which block) to the API:
// each call becomes a Prompt event and waits for the matching answer.
// Secrets arrive only in an AnswerBody and go straight to the engine.
//
// Each prompt belongs to its tunnel's owner (owner.go): only the owner and
// root are sent it and may answer it.
//
// Prompts do not travel through the tunnel manager's event bus (the
// manager knows nothing of the API): each event stream subscribes here as
// well, and gets the prompts still waiting in the same step, so that none
// is missed or sent twice.
type prompts struct {
	mu      sync.Mutex
	waiting map[string]*pendingPrompt
	subs    map[chan api.Prompt]ipc.Peer // each stream's caller
}

type pendingPrompt struct {
	p     api.Prompt
	owner int // uid that started the tunnel; unknownOwner if none
	reply chan api.AnswerBody
}

// promptBuffer is how many prompts a stream may lag behind; there are at
// most a few tunnels, each with one prompt at a time.
const promptBuffer = 16

// ownedPrompter returns the Prompter for one tunnel, started by uid owner
// (unknownOwner if the caller had none).
func (s *Server) ownedPrompter(prof *profile.Profile, owner int) openvpn.Prompter {
	return s.newPrompter(prof, func(context.Context) int { return owner })
}

// newPrompter returns a Prompter whose prompts belong to ownerOf's uid,
// asked when each prompt is made.
func (s *Server) newPrompter(prof *profile.Profile, ownerOf func(context.Context) int) openvpn.Prompter {
	return openvpn.PrompterFunc(func(ctx context.Context, req *openvpn.Prompt) (*openvpn.Answer, error) {
		p := describe(prof, req)
		reply := s.prompts.add(p, ownerOf(ctx))
		defer s.prompts.remove(p.ID)
		s.logf("%s: waiting for %s credentials (prompt %s)", prof.Name, p.Kind, p.ID)
		wait, timeoutReason := promptTimeout, api.ReasonPromptTimeout
		if p.Kind == api.PromptSAML {
			wait, timeoutReason = samlPromptTimeout, api.ReasonSAMLTimeout
		}
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case a := <-reply:
			if a.Cancel {
				reason := a.Reason
				if reason == "" {
					reason = api.ReasonCanceled
				}
				return nil, &promptError{reason: reason, msg: fmt.Sprintf("sign-in: %v by the user", openvpn.ErrCanceled)}
			}
			return &openvpn.Answer{Username: a.Username, Password: a.Password, Response: a.Response}, nil
		case <-timer.C:
			return nil, &promptError{reason: timeoutReason,
				msg: fmt.Sprintf("sign-in: nobody answered within %v: %v", wait, openvpn.ErrCanceled)}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
}

// describe turns an engine prompt into its API form. The engine asks a
// federated (AWS SAML) profile's CRV1 challenge like any other; for the
// user's side it is a browser sign-in at the challenge's URL, so it is
// told apart here, by the profile (and by the text being a web address:
// a question typed by an administrator stays a question).
func describe(prof *profile.Profile, req *openvpn.Prompt) api.Prompt {
	var id [8]byte
	_, _ = rand.Read(id[:])
	p := api.Prompt{ID: hex.EncodeToString(id[:]), Tunnel: prof.Name, Username: req.Username,
		AskUsername: req.AskUsername, AskPassword: req.AskPassword, Retry: req.Retry}
	switch req.Kind {
	case openvpn.PromptPassphrase:
		p.Kind, p.AskPassword = api.PromptPassphrase, true
	case openvpn.PromptProxyAuth:
		p.Kind, p.Proxy = api.PromptProxy, req.Proxy
	case openvpn.PromptChallenge:
		p.Kind = api.PromptChallenge
		if c := req.Challenge; c != nil {
			p.Challenge, p.Echo = c.Text, c.Echo
			if p.Username == "" {
				p.Username = c.Username
			}
			if prof.Auth.Federated && isWebURL(c.Text) {
				p.Kind, p.URL, p.Challenge, p.Echo = api.PromptSAML, c.Text, "", false
			}
		}
	case openvpn.PromptWebAuth:
		p.Kind, p.URL = api.PromptWebAuth, req.URL
	default:
		p.Kind = api.PromptUserPass
		if sc := req.StaticChallenge; sc != nil {
			p.Challenge, p.Echo = sc.Text, sc.Echo
		}
	}
	return p
}

// DescribePrompt is an engine prompt in its API form, for connect
// --foreground, which answers the engine's prompts itself.
func DescribePrompt(prof *profile.Profile, req *openvpn.Prompt) api.Prompt {
	return describe(prof, req)
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// add makes p wait for an answer from owner (or root), and sends it to
// the streams of those callers.
func (ps *prompts) add(p api.Prompt, owner int) chan api.AnswerBody {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.waiting == nil {
		ps.waiting = make(map[string]*pendingPrompt)
	}
	pp := &pendingPrompt{p: p, owner: owner, reply: make(chan api.AnswerBody, 1)}
	ps.waiting[p.ID] = pp
	for ch, viewer := range ps.subs {
		if !mayActOn(viewer, owner) {
			continue
		}
		select {
		case ch <- p:
		default: // a stream this far behind has lost events anyway
		}
	}
	return pp.reply
}

func (ps *prompts) remove(id string) {
	ps.mu.Lock()
	delete(ps.waiting, id)
	ps.mu.Unlock()
}

// errNoPrompt is take's error when no prompt with the ID waits.
var errNoPrompt = errors.New("no such prompt")

// take claims the prompt a answers for caller by, so that no one else can
// answer it; the caller then delivers a with pp.reply (buffered: it never
// blocks). It fails with errNoPrompt, or an ownerRefusal if the prompt is
// another user's, which leaves it waiting for its owner.
func (ps *prompts) take(a api.AnswerBody, by ipc.Peer) (*pendingPrompt, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	pp, ok := ps.waiting[a.ID]
	if !ok {
		return nil, errNoPrompt
	}
	if !mayActOn(by, pp.owner) {
		return nil, ownerRefusal(by, "answer the prompt of", pp.p.Tunnel, pp.owner)
	}
	delete(ps.waiting, a.ID)
	return pp, nil
}

// subscribe returns the prompts waiting now that viewer may see, by
// tunnel name, and a channel of those asked from now on, until stop.
func (ps *prompts) subscribe(viewer ipc.Peer) (pending []api.Prompt, ch <-chan api.Prompt, stop func()) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	pending = make([]api.Prompt, 0, len(ps.waiting))
	for _, pp := range ps.waiting {
		if mayActOn(viewer, pp.owner) {
			pending = append(pending, pp.p)
		}
	}
	sort.Slice(pending, func(i, j int) bool { return pending[i].Tunnel < pending[j].Tunnel })
	c := make(chan api.Prompt, promptBuffer)
	if ps.subs == nil {
		ps.subs = make(map[chan api.Prompt]ipc.Peer)
	}
	ps.subs[c] = viewer
	return pending, c, func() {
		ps.mu.Lock()
		delete(ps.subs, c)
		ps.mu.Unlock()
	}
}
