package usersession

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/service/ipc"
)

// fakeService speaks the local API on a real socket: what a connect
// makes the tunnel do is a script of events, and answers and disconnects
// are recorded.
type fakeService struct {
	script      func(f *fakeService)
	events      chan api.Event
	answers     chan api.AnswerBody
	disconnects chan string
}

func startFake(t *testing.T, script func(f *fakeService)) (*fakeService, *client.Client) {
	t.Helper()
	f := &fakeService{script: script, events: make(chan api.Event, 16), answers: make(chan api.AnswerBody, 16), disconnects: make(chan string, 4)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+api.PathEvents, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		enc := json.NewEncoder(w)
		for {
			select {
			case <-r.Context().Done():
				return
			case ev, ok := <-f.events:
				if !ok {
					return
				}
				_ = enc.Encode(ev)
				w.(http.Flusher).Flush()
			}
		}
	})
	mux.HandleFunc("POST "+api.PathConnect, func(w http.ResponseWriter, r *http.Request) {
		var body api.ConnectBody
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(api.Status{Profile: body.Name, State: api.StateIdle})
		go f.script(f)
	})
	mux.HandleFunc("POST "+api.PathAnswer, func(w http.ResponseWriter, r *http.Request) {
		var body api.AnswerBody
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.answers <- body
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST "+api.PathDisconnect, func(w http.ResponseWriter, r *http.Request) {
		var body api.DisconnectBody
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.disconnects <- body.Name
		_ = json.NewEncoder(w).Encode(api.StatusBody{Tunnels: []api.Status{}})
	})
	sock := filepath.Join(t.TempDir(), "cvpn.sock")
	l, err := ipc.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(l) }()
	t.Cleanup(func() { _ = hs.Close() })
	return f, client.New(sock)
}

func (f *fakeService) send(ev api.Event) { f.events <- ev }

func (f *fakeService) answer(t *testing.T) api.AnswerBody {
	select {
	case a := <-f.answers:
		return a
	case <-time.After(10 * time.Second):
		t.Error("no answer")
		return api.AnswerBody{}
	}
}

// Connect answers the tunnel's prompts, passes the other events on,
// ignores other tunnels', saves what worked and returns the connected
// status.
func TestConnectFollows(t *testing.T) {
	keyring.MockInit()
	connected := &api.Status{Profile: "corp", State: api.StateConnected, IPv4: "10.8.0.2"}
	answers := make(chan api.AnswerBody, 1)
	_, c := startFake(t, func(f *fakeService) {
		f.send(api.Event{Kind: api.EventState, Tunnel: "other", State: api.StateDisconnected})
		f.send(api.Event{Kind: api.EventState, Tunnel: "corp", State: api.StateConnecting, Message: "connecting"})
		f.send(api.Event{Kind: api.EventPrompt, Tunnel: "corp", Prompt: &api.Prompt{ID: "p1", Tunnel: "corp", Kind: api.PromptUserPass,
			AskUsername: true, AskPassword: true}})
		answers <- f.answer(t)
		f.send(api.Event{Kind: api.EventState, Tunnel: "corp", State: api.StateConnected, Status: connected})
	})
	var seen []api.State
	x := &Answerer{Profile: "corp", Remember: true, Ask: &fakeAsker{answers: []Answer{{Username: "alice", Password: "pw"}}}}
	st, err := Connect(context.Background(), c, api.ConnectBody{Name: "corp", Profile: "client\n"}, ConnectOptions{
		Answerer: x, OnEvent: func(ev *api.Event) { seen = append(seen, ev.State) }})
	if err != nil {
		t.Fatal(err)
	}
	if st.IPv4 != "10.8.0.2" {
		t.Errorf("status %+v", st)
	}
	if answered := <-answers; answered.ID != "p1" || answered.Username != "alice" || answered.Password != "pw" || answered.Cancel {
		t.Errorf("answered %+v", answered)
	}
	if len(seen) != 2 || seen[0] != api.StateConnecting || seen[1] != api.StateConnected {
		t.Errorf("events passed on: %v", seen)
	}
	if _, err := x.savedForTest(); err != nil {
		t.Errorf("not saved once connected: %v", err)
	}
}

// A prompt nobody can answer is declined with its reason, and the
// tunnel's end comes back as an EndedError with the service's reason.
func TestConnectEnds(t *testing.T) {
	old := signIn
	t.Cleanup(func() { signIn = old })
	signIn = func(context.Context, string, signInOptions) (string, error) {
		return "", ErrSignInTimeout
	}
	answers := make(chan api.AnswerBody, 1)
	_, c := startFake(t, func(f *fakeService) {
		f.send(api.Event{Kind: api.EventPrompt, Tunnel: "aws", Prompt: &api.Prompt{ID: "s1", Tunnel: "aws", Kind: api.PromptSAML,
			URL: "https://idp.example.com/"}})
		answers <- f.answer(t)
		f.send(api.Event{Kind: api.EventState, Tunnel: "aws", State: api.StateDisconnected, Reason: api.ReasonSAMLTimeout,
			Message: "sign-in: canceled by the user"})
	})
	var answerErr error
	_, err := Connect(context.Background(), c, api.ConnectBody{Name: "aws", Profile: "client\n"}, ConnectOptions{
		Answerer: &Answerer{Profile: "aws", Ask: &fakeAsker{}}, OnAnswerError: func(err error) { answerErr = err }})
	var ended *EndedError
	if !errors.As(err, &ended) || ended.Reason != api.ReasonSAMLTimeout {
		t.Fatalf("err %v, want an EndedError with saml_timeout", err)
	}
	if declined := <-answers; !declined.Cancel || declined.Reason != api.ReasonSAMLTimeout || declined.ID != "s1" {
		t.Errorf("declined %+v", declined)
	}
	if !errors.Is(answerErr, ErrSignInTimeout) {
		t.Errorf("answer error %v", answerErr)
	}
}

// Giving up (Ctrl-C, a timeout) disconnects the tunnel and returns the
// cause.
func TestConnectGivesUp(t *testing.T) {
	f, c := startFake(t, func(f *fakeService) {
		f.send(api.Event{Kind: api.EventState, Tunnel: "corp", State: api.StateConnecting})
	})
	errGaveUp := errors.New("not connected after 1s")
	ctx, cancel := context.WithCancelCause(context.Background())
	_, err := Connect(ctx, c, api.ConnectBody{Name: "corp", Profile: "client\n"}, ConnectOptions{
		OnEvent: func(ev *api.Event) { cancel(errGaveUp) }})
	if !errors.Is(err, errGaveUp) {
		t.Errorf("err %v, want the cause", err)
	}
	select {
	case name := <-f.disconnects:
		if name != "corp" {
			t.Errorf("disconnected %q", name)
		}
	default:
		t.Error("gave up without disconnecting")
	}
}
