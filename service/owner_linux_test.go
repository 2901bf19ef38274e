package service_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/service"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/service/userguard"
	"github.com/cvpn/cvpn/tunnel"
	"github.com/cvpn/cvpn/tunnel/tunneltest"
)

// These tests play two console users (uids 65534 and otherUID) against the
// real socket, as real processes with the kernel's peer credentials: what
// one may see, answer and stop of the other's, and how long an open stream
// outlives the right to it.

// otherUID is a second unprivileged uid; it needs no account.
const otherUID = 64999

func init() {
	registerRole("events", roleEvents)
	registerRole("follow-logs", roleFollowLogs)
	registerRole("call", roleCall)
	registerRole("stall", roleStall)
}

// roleStall opens an event stream on the socket args[0], prints "open",
// and then reads nothing until its stdin closes.
func roleStall(args []string) int {
	ev, err := client.New(args[0]).Events(context.Background())
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("open")
	_, _ = io.Copy(io.Discard, os.Stdin)
	ev.Close()
	return 0
}

// roleEvents follows the events of the socket args[0], printing "open",
// then each event as a JSON line, then "ended" when the service ends the
// stream.
func roleEvents(args []string) int {
	ev, err := client.New(args[0]).Events(context.Background())
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("open")
	for {
		e, err := ev.Next()
		if err != nil {
			fmt.Println("ended", err)
			return 0
		}
		line, _ := json.Marshal(e)
		fmt.Println(string(line))
	}
}

// roleFollowLogs follows the diagnostic log of the socket args[0], copying
// it to stdout, then prints "ended" when the service ends the stream.
func roleFollowLogs(args []string) int {
	err := client.New(args[0]).Logs(context.Background(), os.Stdout, client.LogsOptions{Lines: 10, Follow: true})
	fmt.Println("\nended", err)
	return 0
}

// roleCall makes one call to the socket args[0] and prints "ok" with the
// tunnels left (for disconnect), or "error STATUS CODE MESSAGE":
//
//	call SOCK connect NAME PROFILE-TEXT
//	call SOCK answer ID PASSWORD
//	call SOCK disconnect [NAME]
func roleCall(args []string) int {
	c := client.New(args[0])
	ctx := context.Background()
	var err error
	var left []string
	switch args[1] {
	case "connect":
		_, err = c.Connect(ctx, api.ConnectBody{Name: args[2], Profile: args[3]})
	case "answer":
		err = c.Answer(ctx, api.AnswerBody{ID: args[2], Password: args[3]})
	case "disconnect":
		name := ""
		if len(args) > 2 {
			name = args[2]
		}
		var st *api.StatusBody
		st, err = c.Disconnect(ctx, name)
		if err == nil {
			for _, t := range st.Tunnels {
				left = append(left, t.Profile)
			}
		}
	default:
		err = fmt.Errorf("no call %q", args[1])
	}
	var e *client.Error
	switch {
	case errors.As(err, &e):
		fmt.Println("error", e.Status, e.Code, e.Message)
	case err != nil:
		fmt.Println("error 0 transport", err)
	default:
		fmt.Println("ok", strings.Join(left, ","))
	}
	return 0
}

// uidService is a Server on a socket every uid can reach, with the fake
// engine of tunneltest and a session source that says who is at the
// console. It has no one-user guard, so that two users can each own a
// tunnel.
type uidService struct {
	os   *tunneltest.OS
	m    *tunnel.Manager
	logs *logs.Dir
	sock string
	root *client.Client

	mu      sync.Mutex
	console []int
}

func startUIDService(t *testing.T, console ...int) *uidService {
	t.Helper()
	testenv.RequireRoot(t)
	us := &uidService{os: tunneltest.NewOS(), console: console}
	dir, err := logs.Open(t.TempDir(), logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	us.logs = dir
	src := userguard.SourceFunc(func(context.Context) ([]userguard.Session, error) {
		us.mu.Lock()
		defer us.mu.Unlock()
		var out []userguard.Session
		for _, uid := range us.console {
			out = append(out, userguard.Session{User: fmt.Sprint("user", uid), UID: uid, TTY: "tty1", Kind: userguard.KindConsole})
		}
		return out, nil
	})
	log := dir.Logger(false)
	us.m = tunnel.NewManager(tunnel.Config{Hooks: us.os.Hooks(), Logf: log.Logf, Redact: dir.Redactor().Redact})
	srv := &service.Server{Manager: us.m, Logs: dir, Sessions: src, Version: "test", Logf: log.Logf}
	us.sock = filepath.Join(testenv.WorldDir(t), "cvpn.sock")
	stop := serveAt(t, srv, us.sock)
	t.Cleanup(func() {
		_ = us.m.Close(context.Background())
		stop()
		_ = dir.Close()
	})
	us.root = client.New(us.sock)
	return us
}

func (us *uidService) setConsole(uids ...int) {
	us.mu.Lock()
	us.console = uids
	us.mu.Unlock()
}

// roleProc is a role running as another uid, its stdout as lines.
type roleProc struct {
	lines chan string
}

func startRole(t *testing.T, uid int, role string, args ...string) *roleProc {
	t.Helper()
	cmd := testenv.ChildAs(t, uid, uid, role, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	in, err := cmd.StdinPipe() // open until the test ends (roleStall waits on it)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &roleProc{lines: make(chan string, 1024)}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	t.Cleanup(func() {
		_ = in.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return c
}

// waitLine returns the first line for which match is true, failing the
// test if none comes within d or the child's output ends first.
func (c *roleProc) waitLine(t *testing.T, d time.Duration, what string, match func(string) bool) string {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatalf("the child ended without %s", what)
			}
			if match(l) {
				return l
			}
		case <-timeout:
			t.Fatalf("no %s within %v", what, d)
		}
	}
}

// callAs runs one roleCall as uid and returns its line.
func callAs(t *testing.T, us *uidService, uid int, args ...string) string {
	t.Helper()
	c := startRole(t, uid, "call", append([]string{us.sock}, args...)...)
	return c.waitLine(t, 20*time.Second, "answer to "+args[0], func(string) bool { return true })
}

func linePrefix(p string) func(string) bool {
	return func(l string) bool { return strings.HasPrefix(l, p) }
}

// A stream's right ends with its caller's console session: events and
// followed logs stop reaching a user who has left the console, as new
// requests are refused, within a few seconds.
func TestStreamsEndWhenConsoleAccessEnds(t *testing.T) {
	tests := []struct {
		role   string
		opened func(string) bool
		why    string // in a last line before the end, if any
	}{
		{"events", linePrefix("open"), "event stream closed: the caller is no longer allowed to use the cvpn service: permission denied"},
		{"follow-logs", func(l string) bool { return strings.Contains(l, "before the user left") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			us := startUIDService(t, testenv.Nobody)
			us.logs.Logger(false).Logf("before the user left")
			c := startRole(t, testenv.Nobody, tt.role, us.sock)
			c.waitLine(t, 20*time.Second, "open stream", tt.opened)
			us.setConsole()
			if tt.why != "" {
				c.waitLine(t, 10*time.Second, "a last line that says why", func(l string) bool { return strings.Contains(l, tt.why) })
			}
			c.waitLine(t, 10*time.Second, "end of the stream after the user left the console", linePrefix("ended"))
		})
	}
}

// A stream whose client stopped reading is cut as well when its caller
// loses access, instead of holding a handler (and a descriptor) in a
// blocked write for as long as the client likes.
func TestStalledStreamEndsWhenConsoleAccessEnds(t *testing.T) {
	us := startUIDService(t, testenv.Nobody)
	c := startRole(t, testenv.Nobody, "stall", us.sock)
	c.waitLine(t, 20*time.Second, "open stream", linePrefix("open"))
	blocked := func() bool {
		return handlerStack(func(g string) bool { return strings.Contains(g, "poll.(*FD).Write") })
	}
	msg := strings.Repeat("x", 4<<10)
	for deadline := time.Now().Add(20 * time.Second); !blocked(); {
		if time.Now().After(deadline) {
			t.Fatal("the events handler never blocked writing to a client that does not read")
		}
		for range 64 {
			us.m.Publish(tunnel.Event{Kind: tunnel.EventLog, Message: msg})
		}
	}
	us.setConsole()
	for deadline := time.Now().Add(10 * time.Second); handlerStack(func(string) bool { return true }); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the events handler of a caller no longer allowed is still blocked writing 10 s later")
		}
	}
}

// handlerStack reports whether a goroutine runs the events handler and
// matches.
func handlerStack(match func(stack string) bool) bool {
	buf := make([]byte, 1<<20)
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "service.(*Server).events") && match(g) {
			return true
		}
	}
	return false
}

// A tunnel belongs to whoever started it: only they (and root) see its
// prompts, answer them and stop it. Another console user gets 403 with
// the reason, and "disconnect all" stops only the caller's own tunnels.
func TestTunnelsBelongToTheirOwner(t *testing.T) {
	owner, other := testenv.Nobody, otherUID
	us := startUIDService(t, owner, other)
	prof, err := os.ReadFile("../profile/testdata/aws-ad-mfa.ovpn")
	if err != nil {
		t.Fatal(err)
	}
	if got := callAs(t, us, owner, "connect", "corp", string(prof)); !strings.HasPrefix(got, "ok") {
		t.Fatalf("the owner's connect: %s", got)
	}
	othersLive := startRole(t, other, "events", us.sock)
	othersLive.waitLine(t, 20*time.Second, "open stream", linePrefix("open"))
	ownersLive := startRole(t, owner, "events", us.sock)
	ownersLive.waitLine(t, 20*time.Second, "open stream", linePrefix("open"))

	sess := us.os.Session(t, "corp")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	answered := make(chan *openvpn.Answer, 1)
	go func() {
		a, _ := sess.Opts.Prompter.Prompt(ctx, &openvpn.Prompt{Kind: openvpn.PromptUserPass, Profile: "corp", AskPassword: true})
		answered <- a
	}()
	isPrompt := func(l string) bool { return strings.Contains(l, `"kind":"prompt"`) }
	var ev api.Event
	if err := json.Unmarshal([]byte(ownersLive.waitLine(t, 10*time.Second, "prompt for the owner", isPrompt)), &ev); err != nil || ev.Prompt == nil {
		t.Fatalf("prompt event: %v", err)
	}
	id := ev.Prompt.ID

	// The other user sees no prompt, neither live nor as one waiting when
	// its stream starts; a marker event published after the prompt
	// bounds the wait.
	othersLate := startRole(t, other, "events", us.sock)
	othersLate.waitLine(t, 20*time.Second, "open stream", linePrefix("open"))
	for i, c := range []*roleProc{othersLive, othersLate} {
		marker := fmt.Sprintf("marker-%d", i)
		us.m.Publish(tunnel.Event{Kind: tunnel.EventNotice, Message: marker})
		if l := c.waitLine(t, 10*time.Second, marker, func(l string) bool { return isPrompt(l) || strings.Contains(l, marker) }); isPrompt(l) {
			t.Errorf("uid %d was sent the prompt of uid %d's tunnel: %s", other, owner, l)
		}
	}

	steps := []struct {
		name string
		uid  int
		args []string
		want string // prefix of the call's line
	}{
		{"another user answers", other, []string{"answer", id, "not-the-owner"}, fmt.Sprintf("error 403 %s", api.CodePermission)},
		{"another user stops it", other, []string{"disconnect", "corp"}, fmt.Sprintf("error 403 %s", api.CodePermission)},
		{"another user stops all", other, []string{"disconnect"}, "ok corp"},
		{"the owner answers", owner, []string{"answer", id, "the-owners-password"}, "ok"},
	}
	for _, st := range steps {
		if got := callAs(t, us, st.uid, st.args...); !strings.HasPrefix(got, st.want) {
			t.Errorf("%s: %s; want %s…", st.name, got, st.want)
		}
	}
	if a := <-answered; a == nil || a.Password != "the-owners-password" {
		t.Errorf("the engine got %+v, want the owner's answer", a)
	}
	if got := us.logs.Redactor().Redact("typed not-the-owner"); got != "typed not-the-owner" {
		t.Errorf("a refused answer was registered as a secret: %q", got)
	}

	// The owner stops their own; root stops anyone's.
	if got := callAs(t, us, owner, "disconnect", "corp"); got != "ok " {
		t.Errorf("the owner's disconnect: %q", got)
	}
	if got := callAs(t, us, owner, "connect", "corp", string(prof)); !strings.HasPrefix(got, "ok") {
		t.Fatalf("the owner's second connect: %s", got)
	}
	if st, err := us.root.Disconnect(context.Background(), ""); err != nil || len(st.Tunnels) != 0 {
		t.Errorf("root's disconnect all: %+v %v", st, err)
	}
}
