package service_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/service/client"
)

// These tests play an unprivileged local user (uid 65534) attacking the
// root service through the real socket, with the kernel's own peer
// credentials: the only caller the service must survive without trusting.

func init() {
	registerRole("hog", roleHog)
	registerRole("spam", roleSpam)
	registerRole("status", roleStatus)
}

// roleHog opens args[1] connections to the socket args[0] and holds them
// until its stdin closes. With args[2] "refused" each first sends a request
// and reads the refusal, as a client that keeps its connection alive would;
// with "silent" it sends nothing.
func roleHog(args []string) int {
	n, _ := strconv.Atoi(args[1])
	var held []net.Conn
	// One deadline for all, so a service that stopped accepting cannot
	// keep the hog from reporting.
	deadline := time.Now().Add(10 * time.Second)
	for range n {
		c, err := net.Dial("unix", args[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, "hog: dial:", err)
			break
		}
		held = append(held, c)
		if args[2] == "refused" {
			_ = c.SetDeadline(deadline)
			fmt.Fprint(c, "GET /v1/status HTTP/1.1\r\nHost: cvpn\r\n\r\n")
			if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range held {
		c.Close()
	}
	return 0
}

// roleSpam sends args[1] refused requests to the socket args[0], each on
// its own connection, with a path that tries to start a log line of its
// own and then pads to args[2] bytes.
func roleSpam(args []string) int {
	n, _ := strconv.Atoi(args[1])
	size, _ := strconv.Atoi(args[2])
	path := "/v1/x%0AINJECTED-LINE%0A"
	// Words, not one long token: the redactor would hide a token.
	path += strings.Repeat("hello%20world%20", max(0, size-len(path))/16)
	for range n {
		c, err := net.Dial("unix", args[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, "spam: dial:", err)
			return 1
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: cvpn\r\n\r\n", path)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, "spam: read:", err)
			c.Close()
			return 1
		}
		resp.Body.Close()
		c.Close()
		if resp.StatusCode != http.StatusForbidden {
			fmt.Fprintln(os.Stderr, "spam: answered", resp.Status)
			return 1
		}
	}
	return 0
}

// roleStatus asks the socket args[0] for status and fails if it cannot.
func roleStatus(args []string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := client.New(args[0]).Status(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "status:", err)
		return 1
	}
	return 0
}

// An unprivileged uid that opens thousands of connections, silent or kept
// alive after a refusal, must neither run the service out of descriptors
// nor keep root or the console user from asking for status.
func TestHostileConnectionFlood(t *testing.T) {
	const conns = 2000
	lowerFDLimit(t, 1024)
	for _, mode := range []string{"silent", "refused"} {
		t.Run(mode, func(t *testing.T) {
			ts := startServiceWith(t, serviceOptions{worldSocket: true})
			before := testenv.OpenFDs(t)
			hog := testenv.ChildAs(t, testenv.Nobody, testenv.Nobody, "hog", ts.sock, strconv.Itoa(conns), mode)
			stdin, err := hog.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := hog.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := hog.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				stdin.Close()
				_ = hog.Wait()
			}()
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil || line != "ready\n" {
				t.Fatalf("hog: %q %v", line, err)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := ts.c.Status(ctx); err != nil {
				t.Errorf("root's status while uid %d holds %d connections: %v", testenv.Nobody, conns, err)
			}
			console := testenv.ChildAs(t, 1000, 1000, "status", ts.sock)
			if err := console.Run(); err != nil {
				t.Errorf("the console user's status while uid %d holds %d connections: %v", testenv.Nobody, conns, err)
			}
			// The per-uid quota, plus the few descriptors the status calls
			// and the runtime may hold.
			grew := testenv.OpenFDs(t) - before
			t.Logf("uid %d holding %d connections (%s) cost the service %d descriptors", testenv.Nobody, conns, mode, grew)
			if grew > 32+16 {
				t.Errorf("the service holds %d more descriptors while uid %d holds %d connections; want at most its quota", grew, testenv.Nobody, conns)
			}
		})
	}
}

// Refused requests cost a bounded amount of log however many there are and
// however long their paths, and a path cannot start a log line.
func TestHostileRefusalLog(t *testing.T) {
	ts := startServiceWith(t, serviceOptions{worldSocket: true})
	before := dirBytes(t, ts.logs.Path())
	spam := testenv.ChildAs(t, testenv.Nobody, testenv.Nobody, "spam", ts.sock, "80", strconv.Itoa(48<<10))
	if err := spam.Run(); err != nil {
		t.Fatalf("spam: %v", err)
	}
	grew := dirBytes(t, ts.logs.Path()) - before
	t.Logf("80 refusals with 48 KB paths grew the logs by %d bytes", grew)
	if grew > 4<<10 {
		t.Errorf("80 refused requests grew the logs by %d bytes; want at most 4 KiB", grew)
	}
	data, err := os.ReadFile(filepath.Join(ts.logs.Path(), "diagnostic.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "uid 65534") {
		t.Errorf("no refusal of uid 65534 was logged:\n%.2000s", data)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, "\t "), "INJECTED-LINE") {
			t.Fatalf("a refused caller wrote a line of its own: %.200q", l)
		}
	}
}

// lowerFDLimit sets the soft descriptor limit to n while t runs, as the
// service meets it under systemd, so exhaustion shows as the refusals it
// causes rather than only as a count.
func lowerFDLimit(t *testing.T, n uint64) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	if old.Cur <= n {
		return
	}
	lim := old
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

// dirBytes sums the sizes of the files in dir.
func dirBytes(t *testing.T, dir string) int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
	}
	return n
}
