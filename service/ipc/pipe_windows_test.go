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

// TestPipeOwnerTrusted: only pipes SYSTEM, Administrators or the caller
// itself own are the service's.
func TestPipeOwnerTrusted(t *testing.T) {
	sid := func(s string) *windows.SID {
		t.Helper()
		v, err := windows.StringToSid(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	self := sid("S-1-5-21-1-2-3-1001")
	for _, tt := range []struct {
		owner string
		want  bool
	}{
		{"S-1-5-18", true},            // LocalSystem
		{"S-1-5-32-544", true},        // BUILTIN\Administrators
		{"S-1-5-21-1-2-3-1001", true}, // the caller
		{"S-1-5-21-1-2-3-1002", false},
		{"S-1-5-19", false}, // LocalService
		{"S-1-5-20", false}, // NetworkService
		{"S-1-5-4", false},  // Interactive
		{"S-1-1-0", false},  // Everyone
	} {
		if got := pipeOwnerTrusted(sid(tt.owner), self); got != tt.want {
			t.Errorf("owner %s: trusted %v, want %v", tt.owner, got, tt.want)
		}
	}
}
