package client_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
)

func TestMain(m *testing.M) {
	testenv.DispatchChild(map[string]func([]string) int{"impostor": impostor})
	os.Exit(m.Run())
}

const secret = "hunter2-do-not-leak"

// impostor listens at args[0] as whoever runs it, takes one connection and
// reports how many bytes the client sent and whether the secret was among
// them. It stops reading at the secret (the client then waits for an
// answer) or at EOF (the client hung up).
func impostor(args []string) int {
	l, err := net.Listen("unix", args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "impostor:", err)
		return 1
	}
	defer l.Close()
	if err := os.Chmod(args[0], 0o666); err != nil {
		fmt.Fprintln(os.Stderr, "impostor:", err)
		return 1
	}
	fmt.Println("listening")
	c, err := l.Accept()
	if err != nil {
		fmt.Fprintln(os.Stderr, "impostor:", err)
		return 1
	}
	defer c.Close()
	// A bound on a broken test, not a wait for anything.
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	var got []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(got, []byte(secret)) {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	fmt.Printf("received %d bytes, secret %v\n", len(got), bytes.Contains(got, []byte(secret)))
	return 0
}

// TestRefusesImpostorService: an unprivileged user who gets a socket to
// the service's address (the service stopped, or CVPN_SOCKET pointed at a
// path they control) must not receive what the CLI sends the service,
// passwords included. The client checks who listens before it writes.
func TestRefusesImpostorService(t *testing.T) {
	testenv.RequireRoot(t)
	// The impostor owns the directory it listens in, as it would own
	// the path CVPN_SOCKET names.
	dir := testenv.WorldDir(t) + "/run"
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, testenv.Nobody, testenv.Nobody); err != nil {
		t.Fatal(err)
	}
	sock := dir + "/cvpn.sock"
	cmd := testenv.ChildAs(t, testenv.Nobody, testenv.Nobody, "impostor", sock)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "listening" {
		t.Fatalf("impostor did not start: %q %v", lines.Text(), lines.Err())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = client.New(sock).Answer(ctx, api.AnswerBody{ID: "1", Username: "alice", Password: secret})
	t.Logf("client: %v", err)
	if !errors.Is(err, client.ErrImpostor) {
		t.Errorf("Answer to an impostor = %v, want ErrImpostor", err)
	}
	if err != nil && !strings.Contains(err.Error(), "uid 65534") {
		t.Errorf("the error does not name the impostor's uid: %v", err)
	}
	if !lines.Scan() {
		t.Fatalf("impostor's report: %v", lines.Err())
	}
	if got := lines.Text(); got != "received 0 bytes, secret false" {
		t.Errorf("impostor %s", got)
	}
	_, _ = io.Copy(io.Discard, out)
}
