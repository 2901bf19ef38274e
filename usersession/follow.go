package usersession

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
)

// ConnectOptions are Connect's hooks.
type ConnectOptions struct {
	// Answerer answers the tunnel's prompts; nil declines them all.
	Answerer *Answerer
	// OnEvent sees every event of the tunnel and of the service itself,
	// except prompts, for the UI to print or show. It runs on Connect's
	// goroutine and must not block for long.
	OnEvent func(*api.Event)
	// OnAnswerError sees why a prompt could not be answered or the answer
	// could not be delivered (the tunnel then ends, with its own event).
	OnAnswerError func(error)
}

// EndedError is a tunnel that ended before it connected.
type EndedError struct {
	Tunnel  string
	Reason  api.Reason // may be empty or unknown to this version
	Message string     // the service's words; may be empty
}

func (e *EndedError) Error() string {
	if e.Message == "" {
		return "the tunnel stopped"
	}
	return e.Message
}

// ErrServiceStopped is returned when the service closed the event stream
// (it is stopping) before the tunnel connected.
var ErrServiceStopped = errors.New("the cvpn service stopped")

// disconnectWait bounds the disconnect of a connect that was given up.
const disconnectWait = 20 * time.Second

// Connect asks the service for a tunnel and follows it: it answers its
// prompts and returns the tunnel's status once it is connected, or an
// *EndedError once it ended, or ErrServiceStopped. The tunnel keeps
// running after Connect returns. If ctx ends first, Connect disconnects
// the tunnel and returns context.Cause(ctx) (joined with the disconnect's
// failure, if it failed).
//
// Events are read and prompts answered on a goroutine of their own, so
// that an Asker blocked on input that cannot be interrupted (a terminal)
// does not keep Connect from returning; that goroutine ends once its
// Asker returns.
func Connect(ctx context.Context, c *client.Client, req api.ConnectBody, o ConnectOptions) (*api.Status, error) {
	// Whoever answers prompts here opens web sign-in pages too.
	req.WebAuth = req.WebAuth || o.Answerer != nil
	streamCtx, stopStream := context.WithCancel(ctx)
	// Subscribe before asking, so no prompt or state is missed.
	events, err := c.Events(streamCtx)
	if err != nil {
		stopStream()
		return nil, err
	}
	if _, err := c.Connect(ctx, req); err != nil {
		stopStream()
		events.Close()
		return nil, err
	}
	type result struct {
		st  *api.Status
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer stopStream()
		defer events.Close()
		st, err := follow(streamCtx, c, events, req.Name, o)
		done <- result{st, err}
	}()
	select {
	case r := <-done:
		if r.err != nil && ctx.Err() == nil {
			return nil, r.err
		}
		if r.err == nil {
			return r.st, nil
		}
	case <-ctx.Done():
	}
	stopStream()
	dctx, cancel := context.WithTimeout(context.Background(), disconnectWait)
	defer cancel()
	cause := context.Cause(ctx)
	if _, err := c.Disconnect(dctx, req.Name); err != nil && !client.IsCode(err, api.CodeNotConnected) {
		return nil, errors.Join(cause, fmt.Errorf("disconnect: %w", err))
	}
	return nil, cause
}

// follow reads events until the tunnel is connected or gone.
func follow(ctx context.Context, c *client.Client, events *client.Events, name string, o ConnectOptions) (*api.Status, error) {
	for {
		ev, err := events.Next()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.Is(err, io.EOF) {
				return nil, ErrServiceStopped
			}
			return nil, fmt.Errorf("follow the tunnel: %w", err)
		}
		if ev.Tunnel != name && ev.Tunnel != "" {
			continue
		}
		if ev.Kind == api.EventPrompt {
			if ev.Prompt != nil {
				answer(ctx, c, ev.Prompt, o)
			}
			continue
		}
		if o.OnEvent != nil {
			o.OnEvent(ev)
		}
		if ev.Kind != api.EventState || ev.Tunnel != name {
			continue
		}
		switch ev.State {
		case api.StateConnected:
			if o.Answerer != nil {
				o.Answerer.Connected()
			}
			st := ev.Status
			if st == nil {
				st = &api.Status{Profile: name, State: ev.State}
			}
			return st, nil
		case api.StateDisconnected:
			return nil, &EndedError{Tunnel: name, Reason: ev.Reason, Message: ev.Message}
		}
	}
}

// answer answers one prompt, or declines it with the reason why.
func answer(ctx context.Context, c *client.Client, p *api.Prompt, o ConnectOptions) {
	reply := api.AnswerBody{ID: p.ID}
	var err error
	var got Answer
	if o.Answerer == nil {
		err = fmt.Errorf("%s: %w", p.Kind, ErrNoAsker)
	} else {
		got, err = o.Answerer.Answer(ctx, p)
	}
	if err != nil {
		if o.OnAnswerError != nil {
			o.OnAnswerError(err)
		}
		reply.Cancel, reply.Reason = true, cancelReason(p, err)
	} else {
		reply.Username, reply.Password, reply.Response = got.Username, got.Password, got.Response
	}
	if err := c.Answer(ctx, reply); err != nil && o.OnAnswerError != nil && ctx.Err() == nil {
		o.OnAnswerError(err)
	}
}
