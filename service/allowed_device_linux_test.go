package service_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/tun"
)

func init() {
	registerRole("connect-devices", roleConnectDevices)
}

// roleConnectDevices asks the socket args[0] args[1] times for a tunnel
// with the profile args[2] on each device named after it, and prints
// "DEVICE<TAB>" and a resultLine per attempt.
func roleConnectDevices(args []string) int {
	c := client.New(args[0])
	n, _ := strconv.Atoi(args[1])
	for range n {
		for _, dev := range args[3:] {
			_, err := c.Connect(context.Background(), api.ConnectBody{Name: "corp", Profile: args[2], Device: dev})
			fmt.Printf("%s\t%s\n", dev, resultLine(err))
		}
	}
	return 0
}

// A device name an allowed user chooses that is invalid, or held by
// another device, is answered 400 with the reason, and costs the root
// service no descriptor however often it is asked.
func TestAllowedUserBadDeviceNames(t *testing.T) {
	const attempts = 50
	as := startAllowed(t, allowedOptions{console: []int{testenv.Nobody}, realTUN: true})
	busy, err := tun.Create("cvpnbusy%d", 1500)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyName, err := busy.Name()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dev  string
		want string // in the message
	}{
		{"bad/name", `contains '/'`},
		{strings.Repeat("x", 40), "40 bytes long"},
		{"lo", "not a TUN device"},
		{busyName, "held by another tunnel or program"},
	}
	args := []string{as.sock, strconv.Itoa(attempts), profileText(t)}
	for _, tt := range tests {
		args = append(args, tt.dev)
	}
	child := testenv.ChildAs(t, testenv.Nobody, testenv.Nobody, "connect-devices", args...)
	// The log file is open, and the descriptors counted, before the first
	// attempt; the child's own (pipes, pidfd) are gone when Output returns.
	as.logs.Logger(false).Logf("before the attempts")
	fdsBefore, tunsBefore := testenv.OpenFDs(t), tunFDs(t)
	out, err := child.Output()
	if err != nil {
		t.Fatalf("connect-devices: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != attempts*len(tests) {
		t.Fatalf("%d answers, want %d:\n%s", len(lines), attempts*len(tests), out)
	}
	wrong := map[string]int{} // answers not as wanted, by device
	for i, l := range lines {
		tt := tests[i%len(tests)]
		dev, got, _ := strings.Cut(l, "\t")
		want := fmt.Sprintf("error 400 %s ", api.CodeBadRequest)
		if dev != tt.dev || !strings.HasPrefix(got, want) || !strings.Contains(got, tt.want) {
			if wrong[tt.dev]++; wrong[tt.dev] == 1 {
				t.Errorf("attempt %d with device %q: %s; want %s… saying %q", i/len(tests), tt.dev, l, want, tt.want)
			}
		}
	}
	for dev, n := range wrong {
		t.Errorf("%d of %d attempts with device %q were not answered as wanted", n, attempts, dev)
	}

	if got := tunFDs(t); got != tunsBefore {
		t.Errorf("the service holds %d descriptors of %s after %d attempts with each bad name, %d before", got, "/dev/net/tun", attempts, tunsBefore)
	}
	// The service closes the child's connections as it sees them end.
	fds := testenv.OpenFDs(t)
	for deadline := time.Now().Add(10 * time.Second); fds > fdsBefore && time.Now().Before(deadline); fds = testenv.OpenFDs(t) {
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("%d attempts with each of %d bad names: %d descriptors open before, %d after", attempts, len(tests), fdsBefore, fds)
	if fds > fdsBefore {
		t.Errorf("the service holds %d more descriptors after %d attempts with each bad name", fds-fdsBefore, attempts)
	}
}

// tunFDs counts this process's descriptors of the TUN clone device.
func tunFDs(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && target == "/dev/net/tun" {
			n++
		}
	}
	return n
}
