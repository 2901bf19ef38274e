package viewmodel

import (
	"context"
	"errors"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/usersession"
)

// ErrorView is a failure as the app shows it: what happened, and what to
// do about it, chosen by the API's reason code (usersession.Advice) so the
// CLI and the app give the same advice.
type ErrorView struct {
	Profile string // "" when the failure is not one profile's
	Message string
	Advice  string // "" when there is nothing to suggest
	Reason  api.Reason
	// ServiceDown: the service is not running; Advice says how to start it.
	ServiceDown bool
}

// Text is the message and the advice as one sentence, for a
// notification.
func (e *ErrorView) Text() string { return usersession.Explain(e.Message, e.Reason) + e.extra() }

func (e *ErrorView) extra() string {
	if usersession.Advice(e.Reason) == "" && e.Advice != "" {
		return "; " + e.Advice
	}
	return ""
}

// serviceDownMessage is what the app says when the socket does not answer.
const serviceDownMessage = "the cvpn service is not running"

// errCanceledByUser ends a connect the user canceled: no error is shown.
var errCanceledByUser = errors.New("canceled by the user")

// explain turns an error of a Backend call into what the app shows; nil
// when there is nothing to show (the user canceled).
func explain(name string, err error) *ErrorView {
	var ended *usersession.EndedError
	switch {
	case err == nil, errors.Is(err, errCanceledByUser), errors.Is(err, context.Canceled):
		return nil
	case client.IsCode(err, api.CodeAlreadyConnected):
		// What the user asked for is so already (the CLI, another copy
		// of the app, or connect at start raced the event stream); the
		// stream shows the tunnel.
		return nil
	case errors.Is(err, client.ErrNotRunning):
		return serviceDown()
	case errors.As(err, &ended):
		if ended.Reason == api.ReasonCanceled {
			return nil
		}
		return reasoned(name, ended.Error(), ended.Reason)
	case errors.Is(err, usersession.ErrServiceStopped):
		return reasoned(name, err.Error(), api.ReasonServiceStopping)
	case errors.Is(err, profile.ErrReadOnly):
		return &ErrorView{Profile: name, Message: err.Error(), Advice: "managed profiles are set by your administrator; import a copy under another name to change it"}
	}
	for code, reason := range codeReasons {
		if client.IsCode(err, code) {
			return reasoned(name, err.Error(), reason)
		}
	}
	e := &ErrorView{Profile: name, Message: err.Error()}
	if client.IsCode(err, api.CodeInvalidProfile) {
		e.Advice = "check the profile (Check shows each problem with its line), or ask the VPN administrator for a new one"
	}
	return e
}

// codeReasons maps the API's refusals to the reason whose advice fits.
var codeReasons = map[string]api.Reason{
	api.CodeTooManyUsers: api.ReasonTooManyUsers,
	api.CodeConflict:     api.ReasonRouteConflict,
}

func reasoned(name, msg string, r api.Reason) *ErrorView {
	return &ErrorView{Profile: name, Message: msg, Reason: r, Advice: usersession.Advice(r)}
}

// serviceDown is the service-not-running error with this OS's way to
// start it.
func serviceDown() *ErrorView {
	return &ErrorView{Message: serviceDownMessage, Advice: client.StartAdvice, ServiceDown: true}
}
