// Package client is the only way into the cvpn service: the CLI and the GUI
// use it, and nothing else speaks the local API. It imports the API's
// contract (service/api) and the transport (service/ipc) only, so that
// linking it never links the engine or netlink (deps_test.go keeps it so).
package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/ipc"
)

// Client talks to one api.
type Client struct {
	addr string
	hc   *http.Client
}

// New returns a client of the service at addr; empty means $CVPN_SOCKET,
// else the OS's default address.
func New(addr string) *Client {
	if addr == "" {
		addr = os.Getenv("CVPN_SOCKET")
	}
	if addr == "" {
		addr = ipc.DefaultAddr
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return ipc.Dial(ctx, addr)
		},
		DisableCompression: true,
	}
	return &Client{addr: addr, hc: &http.Client{Transport: tr}}
}

// Addr is the service's address.
func (c *Client) Addr() string { return c.addr }

// Error is a refusal from the api.
type Error struct {
	Status  int
	Code    string // one of the api.Code… constants
	Message string
}

func (e *Error) Error() string { return e.Message }

// IsCode reports whether err is a service refusal with the given code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// ErrNotRunning is wrapped by every call's error when no service answers.
var ErrNotRunning = ipc.ErrNotRunning

// ErrImpostor is wrapped by every call's error when the process at the
// service's address is not the service; nothing was sent to it.
var ErrImpostor = ipc.ErrImpostor

func (c *Client) do(ctx context.Context, method, path string, in any) (*http.Response, error) {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://cvpn"+path, body)
	if err != nil {
		return nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, ipc.ErrNotRunning) {
			return nil, fmt.Errorf("%w at %s: %s", ipc.ErrNotRunning, c.addr, StartAdvice)
		}
		if errors.Is(err, ipc.ErrImpostor) {
			return nil, err // names the address and the impostor already
		}
		return nil, fmt.Errorf("talk to the cvpn service at %s: %w", c.addr, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		var eb api.ErrorBody
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if json.Unmarshal(data, &eb) != nil || eb.Message == "" {
			eb = api.ErrorBody{Code: api.CodeInternal, Message: fmt.Sprintf("the cvpn service answered %s", resp.Status)}
		}
		return nil, &Error{Status: resp.StatusCode, Code: eb.Code, Message: eb.Message}
	}
	return resp, nil
}

func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	resp, err := c.do(ctx, method, path, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("read the cvpn service's answer: %w", err)
	}
	return nil
}

// Status returns the service's tunnels and its view of the logins.
func (c *Client) Status(ctx context.Context) (*api.StatusBody, error) {
	var out api.StatusBody
	return &out, c.call(ctx, http.MethodGet, api.PathStatus, nil, &out)
}

// Connect asks for a tunnel; progress comes as Events.
func (c *Client) Connect(ctx context.Context, req api.ConnectBody) (*api.Status, error) {
	var out api.Status
	return &out, c.call(ctx, http.MethodPost, api.PathConnect, req, &out)
}

// Disconnect stops the named tunnel, or all of them for "".
func (c *Client) Disconnect(ctx context.Context, name string) (*api.StatusBody, error) {
	var out api.StatusBody
	return &out, c.call(ctx, http.MethodPost, api.PathDisconnect, api.DisconnectBody{Name: name}, &out)
}

// Answer answers a credential prompt.
func (c *Client) Answer(ctx context.Context, a api.AnswerBody) error {
	return c.call(ctx, http.MethodPost, api.PathAnswer, a, nil)
}

// Events is a stream of events; Close ends it.
type Events struct {
	body io.ReadCloser
	sc   *bufio.Scanner
}

// Events subscribes to the service's events. The stream starts with the
// state of every tunnel and every prompt still waiting.
func (c *Client) Events(ctx context.Context) (*Events, error) {
	resp, err := c.do(ctx, http.MethodGet, api.PathEvents, nil)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	return &Events{body: resp.Body, sc: sc}, nil
}

// Next blocks for the next event; io.EOF when the service closed the
// stream (it is stopping).
func (e *Events) Next() (*api.Event, error) {
	if !e.sc.Scan() {
		if err := e.sc.Err(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	var ev api.Event
	if err := json.Unmarshal(e.sc.Bytes(), &ev); err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	return &ev, nil
}

// Close ends the subscription.
func (e *Events) Close() error { return e.body.Close() }

// LogsOptions selects what Logs sends.
type LogsOptions struct {
	Connections bool // the connection log instead of the diagnostic log
	Lines       int  // how many lines of the end first; 0 means the service's default
	Follow      bool // then keep sending until ctx ends
}

// Logs copies the service's log to w.
func (c *Client) Logs(ctx context.Context, w io.Writer, o LogsOptions) error {
	q := url.Values{}
	if o.Connections {
		q.Set("file", "connections")
	}
	if o.Lines > 0 {
		q.Set("lines", strconv.Itoa(o.Lines))
	}
	if o.Follow {
		q.Set("follow", "1")
	}
	resp, err := c.do(ctx, http.MethodGet, api.PathLogs+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil && ctx.Err() == nil {
		return fmt.Errorf("read logs: %w", err)
	}
	return nil
}

// Export returns the service's diagnostics bundle, a zip.
func (c *Client) Export(ctx context.Context) ([]byte, error) {
	resp, err := c.do(ctx, http.MethodGet, api.PathLogsExport, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 512<<20))
	if err != nil {
		return nil, fmt.Errorf("read the diagnostics bundle: %w", err)
	}
	return data, nil
}
