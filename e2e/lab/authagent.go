//go:build linux

package lab

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// AuthAgent plays the company's authentication backend for a stock
// openvpn server through its management interface (management-client-auth),
// the way OpenVPN's own SSO and MFA integrations do. The server asks it
// about every client key state; Decide answers.
//
//	openvpn ─ >CLIENT:CONNECT / REAUTH / CR_RESPONSE + ENV ─▶ agent ─▶ Decide
//	openvpn ◀─ client-auth-nt | client-deny | client-pending-auth ─────┘
//
// Use ManagementLines in the server's Extra to make the server wait for it.
type AuthAgent struct {
	sock string
	conn net.Conn
	w    *bufio.Writer
	mu   sync.Mutex // guards w and log
	log  []string
	done chan struct{}
}

// AuthRequest is what the server tells the agent about one attempt.
type AuthRequest struct {
	// Event is CONNECT, REAUTH or CR_RESPONSE.
	Event    string
	CID, KID string
	// Env holds the client's environment (username, password,
	// IV_SSO, …).
	Env map[string]string
	// CRResponse is the decoded answer of a CR_RESPONSE event.
	CRResponse string
}

// Decision is the agent's answer: exactly one of Accept, Deny (with the
// reason the client sees), or Pending (an INFO_PRE payload such as
// "CR_TEXT:E,R:question" or "WEB_AUTH::url", with its timeout).
type Decision struct {
	Accept         bool
	Deny           string
	Pending        string
	PendingTimeout time.Duration
}

// ManagementLines are the server lines that hand client authentication
// to an agent on the unix socket sock.
func ManagementLines(sock string) []string {
	return []string{"management " + sock + " unix", "management-client-auth"}
}

// StartAuthAgent connects to the server's management socket (waiting
// for it to appear) and answers every request with decide until ctx ends
// or Close. decide runs on the agent's goroutine, one request at a time.
func StartAuthAgent(ctx context.Context, sock string, decide func(*AuthRequest) Decision) (*AuthAgent, error) {
	var conn net.Conn
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("unix", sock)
		if err == nil {
			conn = c
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("auth agent: connect to %s: %w", sock, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	a := &AuthAgent{sock: sock, conn: conn, w: bufio.NewWriter(conn), done: make(chan struct{})}
	go func() {
		<-ctx.Done()
		a.Close()
	}()
	go a.serve(decide)
	return a, nil
}

// Close disconnects from the server.
func (a *AuthAgent) Close() { _ = a.conn.Close() }

// Log is every line exchanged, for a failing test's output.
func (a *AuthAgent) Log() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return strings.Join(a.log, "\n")
}

func (a *AuthAgent) note(s string) {
	a.mu.Lock()
	a.log = append(a.log, s)
	a.mu.Unlock()
}

func (a *AuthAgent) send(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	a.note("> " + line)
	a.mu.Lock()
	defer a.mu.Unlock()
	_, _ = a.w.WriteString(line + "\n")
	_ = a.w.Flush()
}

// serve reads the management stream. A request is its header line
// followed by ENV lines up to ">CLIENT:ENV,END".
func (a *AuthAgent) serve(decide func(*AuthRequest) Decision) {
	defer close(a.done)
	sc := bufio.NewScanner(a.conn)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var req *AuthRequest
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(line, ">CLIENT:ENV,password=") {
			a.note("< >CLIENT:ENV,password=<hidden>")
		} else {
			a.note("< " + line)
		}
		rest, ok := strings.CutPrefix(line, ">CLIENT:")
		if !ok {
			continue // >INFO, SUCCESS:, ERROR:
		}
		if env, ok := strings.CutPrefix(rest, "ENV,"); ok {
			if req == nil {
				continue
			}
			if env == "END" {
				a.answer(req, decide(req))
				req = nil
				continue
			}
			k, v, _ := strings.Cut(env, "=")
			req.Env[k] = v
			continue
		}
		f := strings.Split(rest, ",")
		switch f[0] {
		case "CONNECT", "REAUTH":
			if len(f) >= 3 {
				req = &AuthRequest{Event: f[0], CID: f[1], KID: f[2], Env: map[string]string{}}
			}
		case "CR_RESPONSE":
			if len(f) >= 4 {
				resp, _ := base64.StdEncoding.DecodeString(f[3])
				req = &AuthRequest{Event: f[0], CID: f[1], KID: f[2], Env: map[string]string{}, CRResponse: string(resp)}
			}
		default: // ESTABLISHED, DISCONNECT, ADDRESS: nothing to answer
			req = nil
		}
	}
}

// Resolve answers a request later, outside Decide: a web sign-in page
// that the user finished, for one that Decide left Pending.
func (a *AuthAgent) Resolve(cid, kid string, d Decision) {
	a.answer(&AuthRequest{CID: cid, KID: kid}, d)
}

func (a *AuthAgent) answer(r *AuthRequest, d Decision) {
	switch {
	case d.Accept:
		a.send("client-auth-nt %s %s", r.CID, r.KID)
	case d.Pending != "":
		t := d.PendingTimeout
		if t == 0 {
			t = 60 * time.Second
		}
		a.send("client-pending-auth %s %s %q %d", r.CID, r.KID, d.Pending, int(t.Seconds()))
	default:
		reason := d.Deny
		if reason == "" {
			reason = "denied"
		}
		a.send("client-deny %s %s %q %q", r.CID, r.KID, "agent: "+reason, reason)
	}
}
