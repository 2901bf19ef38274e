package service_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
)

func init() {
	registerRole("tail", roleTail)
	registerRole("export", roleExport)
}

// roleTail copies the last args[1] lines of the diagnostic log of the
// socket args[0] to stdout.
func roleTail(args []string) int {
	n, _ := strconv.Atoi(args[1])
	if err := client.New(args[0]).Logs(context.Background(), os.Stdout, client.LogsOptions{Lines: n}); err != nil {
		fmt.Fprintln(os.Stderr, "tail:", resultLine(err))
		return 1
	}
	return 0
}

// roleExport asks the socket args[0] for a diagnostics export. With
// args[1] "read" it reads the bundle and prints a resultLine and its
// size; with "stall" it prints "status CODE" once the answer starts, and
// then reads nothing until its stdin closes.
func roleExport(args []string) int {
	if args[1] == "read" {
		data, err := client.New(args[0]).Export(context.Background())
		fmt.Println(resultLine(err), len(data))
		return 0
	}
	c, err := net.Dial("unix", args[0])
	if err != nil {
		fmt.Println("error 0 transport", err)
		return 1
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: cvpn\r\n\r\n", api.PathLogsExport)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		fmt.Println("error 0 transport", err)
		return 1
	}
	fmt.Println("status", resp.StatusCode)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// fillAllowedLog is fillLog for an allowedService.
func fillAllowedLog(t *testing.T, as *allowedService, size int, random bool) string {
	t.Helper()
	return fillLog(t, &testService{logs: as.logs}, size, random)
}

// The last line of a 30 MB log costs the service a small read when an
// allowed user asks for it, not the file.
func TestAllowedUserLogTail(t *testing.T) {
	as := startAllowed(t, allowedOptions{console: []int{testenv.Nobody}})
	last := fillAllowedLog(t, as, 30<<20, false)
	child := testenv.ChildAs(t, testenv.Nobody, testenv.Nobody, "tail", as.sock, "1")
	var out []byte
	var err error
	n := allocated(func() { out, err = child.Output() })
	if err != nil {
		t.Fatalf("tail: %v", err)
	}
	if string(out) != last {
		t.Errorf("logs -n 1 = %.200q, want %q", out, last)
	}
	t.Logf("uid %d's logs -n 1 of a 30 MB log allocated %d bytes in the service", testenv.Nobody, n)
	if n > 4<<20 {
		t.Errorf("uid %d's logs -n 1 of a 30 MB log allocated %d bytes in the service; want at most 4 MiB", testenv.Nobody, n)
	}
}

// An allowed user's export streams (the service never holds the 8 MB
// log), and only two run at once: a third is answered busy until one of
// them ends.
func TestAllowedUserExports(t *testing.T) {
	user := testenv.Nobody
	as := startAllowed(t, allowedOptions{console: []int{user}})
	// Incompressible, so the zip fills the socket and the exports block
	// on clients that do not read.
	fillAllowedLog(t, as, 8<<20, true)
	export := func() string {
		t.Helper()
		out, err := testenv.ChildAs(t, user, user, "export", as.sock, "read").Output()
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		return strings.TrimSpace(string(out))
	}

	child := testenv.ChildAs(t, user, user, "export", as.sock, "read")
	var out []byte
	var err error
	n := allocated(func() { out, err = child.Output() })
	if err != nil || !strings.HasPrefix(string(out), "ok ") {
		t.Fatalf("export: %s %v", out, err)
	}
	t.Logf("uid %d's export of a 8 MB log (%s bytes zipped) allocated %d bytes in the service", user, strings.TrimSpace(string(out[3:])), n)
	if n > 4<<20 {
		t.Errorf("uid %d's export of a 8 MB log allocated %d bytes in the service; want at most 4 MiB", user, n)
	}

	var stalled []func()
	for range 2 {
		status, stop := stalledExport(t, as, user)
		stalled = append(stalled, stop)
		if status != "status 200" {
			t.Fatalf("an export while fewer than two run: %s", status)
		}
	}
	want := fmt.Sprintf("error 503 %s ", api.CodeBusy)
	if got := export(); !strings.HasPrefix(got, want) {
		t.Fatalf("a third export at once: %.300s; want %s…", got, want)
	}
	for _, stop := range stalled {
		stop()
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		got := export()
		if strings.HasPrefix(got, "ok ") {
			break
		}
		if !strings.HasPrefix(got, want) || time.Now().After(deadline) {
			t.Fatalf("an export after the others ended: %.300s", got)
		}
	}
}

// stalledExport starts an export as uid that reads nothing of the bundle,
// and returns the line saying how the service answered and a function
// that ends it (called when the test ends too).
func stalledExport(t *testing.T, as *allowedService, uid int) (string, func()) {
	t.Helper()
	cmd := testenv.ChildAs(t, uid, uid, "export", as.sock, "stall")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			in.Close()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(stop)
	line, _ := bufio.NewReader(out).ReadString('\n')
	return strings.TrimSpace(line), stop
}
