package ipc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// testPipe is a pipe name of this test process alone.
func testPipe(t *testing.T) string {
	return fmt.Sprintf(`\\.\pipe\cvpn-test-%d-%s`, os.Getpid(), t.Name())
}

func requireElevated(t *testing.T) {
	t.Helper()
	if !windows.GetCurrentProcessToken().IsElevated() {
		t.Skip("needs an elevated process: only SYSTEM and Administrators may create pipe instances")
	}
}

func TestPipeListenDialPeer(t *testing.T) {
	requireElevated(t)
	addr := testPipe(t)
	l, err := Listen(addr)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	defer l.Close()

	if _, err := Listen(addr); !errors.Is(err, ErrAlreadyRunning) {
		t.Errorf("second Listen: %v, want ErrAlreadyRunning", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cc, err := Dial(ctx, addr)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer cc.Close()
	sc, err := l.Accept()
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	defer sc.Close()

	got, err := PeerOf(sc)
	if err != nil {
		t.Fatalf("PeerOf: %v", err)
	}
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	want := Peer{UID: -1, PID: os.Getpid(), SID: user.User.Sid.String(), Admin: true}
	if got != want {
		t.Errorf("PeerOf = %+v, want %+v", got, want)
	}
}

func TestPipeDialNotRunning(t *testing.T) {
	_, err := Dial(context.Background(), testPipe(t))
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Dial: %v, want ErrNotRunning", err)
	}
}
