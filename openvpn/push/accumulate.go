package push

import (
	"errors"
	"fmt"
	"strings"
)

// Errors an Accumulator reports instead of Options.
var (
	// ErrRejected: the pull filter rejected a pushed option. A stock client
	// then restarts the connection.
	ErrRejected = errors.New("pushed option rejected by pull filter")
	// ErrTooManyParts: the server kept sending push-continuation 2.
	ErrTooManyParts = errors.New("too many PUSH_REPLY parts")
)

// maxParts bounds a continued reply. A 2.6 server packs about 1 KB per part,
// so this allows a reply of about 1 MB (thousands of routes).
const maxParts = 1024

// FilterAction is a pull filter's verdict on one pushed option.
type FilterAction uint8

const (
	FilterAccept FilterAction = iota
	FilterIgnore              // drop the option quietly (recorded in Options.Ignored)
	FilterReject              // abandon the whole reply (ErrRejected)
)

// Accumulator joins the parts of a PUSH_REPLY. A server splits a long reply
// into messages ending ",push-continuation 2", the last with
// ",push-continuation 1" (push.c:send_push_reply); a short reply has neither.
// The zero value is ready to use.
type Accumulator struct {
	// RouteNoPull mirrors the profile's route-nopull: pushed routes,
	// redirect-gateway, dhcp-option and dns are dropped (and listed in
	// Options.Ignored); ifconfig and route-gateway are kept.
	RouteNoPull bool
	// Filter, when set, sees each raw option first, like the profile's
	// pull-filter lines (first match wins, by prefix, in the profile).
	// Options may hold secrets: a filter must not log them.
	Filter func(option string) FilterAction

	p     *parser
	parts int
}

// Add feeds one PUSH_REPLY. While more parts are expected it returns nil, nil.
// When the reply is complete it returns the parsed Options and resets, ready
// for a later reply (2.6 sends "PUSH_REPLY,auth-token …" again after a
// renegotiation; merge such an update using Options.Pushed).
//
// The Options are returned even when err is not nil: err then joins the
// *OptionError of each malformed option (test with
// errors.Is(err, ErrMalformedOption)), which were left out. Only ErrRejected
// and ErrTooManyParts come with nil Options.
func (a *Accumulator) Add(r *PushReply) (*Options, error) {
	if a.p == nil {
		a.p = &parser{routeNoPull: a.RouteNoPull}
	}
	a.parts++
	if a.parts > maxParts {
		a.Reset()
		return nil, fmt.Errorf("accumulate push reply: %w (more than %d)", ErrTooManyParts, maxParts)
	}
	for _, item := range r.Options {
		if a.Filter != nil {
			switch a.Filter(item) {
			case FilterIgnore:
				a.p.o.Ignored = append(a.p.o.Ignored, optionName(item)+" (pull-filter)")
				continue
			case FilterReject:
				name := optionName(item)
				a.Reset()
				return nil, fmt.Errorf("accumulate push reply: %q: %w", name, ErrRejected)
			}
		}
		a.p.option(item)
	}
	// Like push.c, the continuation value persists until the last part
	// sets 1 (or a reply never mentions it).
	if a.p.continuation == 2 {
		return nil, nil
	}
	o, errs := a.p.finish()
	a.Reset()
	return o, errors.Join(errs...)
}

// Pending reports whether a continued reply is incomplete.
func (a *Accumulator) Pending() bool { return a.p != nil }

// Reset drops a partial reply, for example when the session restarts.
func (a *Accumulator) Reset() {
	a.p, a.parts = nil, 0
}

// ParseOptions parses a complete set of pushed options in one go (a
// push-continuation item among them is ignored). See Accumulator.Add for the
// error.
func ParseOptions(items ...string) (*Options, error) {
	p := &parser{}
	for _, it := range items {
		p.option(it)
	}
	o, errs := p.finish()
	return o, errors.Join(errs...)
}

func optionName(item string) string {
	if f := strings.Fields(item); len(f) > 0 {
		return f[0]
	}
	return ""
}
