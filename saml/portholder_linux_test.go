package saml

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A /proc/net/tcp as a little-endian kernel prints it: 127.0.0.1:35001
// listening (inode 4242, uid 1000) after an established socket on the same
// port and a listener on another address.
const procNetTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:88B9 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 1111 1 0000000000000000 20 4 30 10 -1
   1: 0200A8C0:88B9 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2222 1 0000000000000000 100 0 0 10 0
   2: 0100007F:88B9 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0
`

// A /proc/net/tcp6 with a dual-stack [::]:35001 listener.
const procNetTCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:88B9 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   0        0 5353 1 0000000000000000 100 0 0 10 0
`

func TestListeningInode(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the fixtures are as a little-endian kernel prints them")
	}
	tests := []struct {
		name, table string
		port        int
		inode       uint64
		uid         int
	}{
		{"loopback listener", procNetTCP, 35001, 4242, 1000},
		{"other port", procNetTCP, 35002, 0, -1},
		{"dual-stack wildcard", procNetTCP6, 35001, 5353, 0},
		{"garbage", "header\nnot a table line\n", 35001, 0, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inode, uid := listeningInode(strings.NewReader(tt.table), tt.port)
			if inode != tt.inode || uid != tt.uid {
				t.Fatalf("got inode %d uid %d, want %d %d", inode, uid, tt.inode, tt.uid)
			}
		})
	}
}

// TestFindHolder: a fake /proc whose process 77 ("aws-vpn-client") holds
// the socket.
func TestFindHolder(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the fixtures are as a little-endian kernel prints them")
	}
	proc := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(proc, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("net/tcp", procNetTCP)
	write("77/comm", "aws-vpn-client\n")
	write("12/comm", "bash\n")
	for pid, target := range map[string]string{"77/fd/3": "socket:[4242]", "77/fd/0": "/dev/null", "12/fd/3": "socket:[1111]"} {
		if err := os.MkdirAll(filepath.Join(proc, filepath.Dir(pid)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(proc, pid)); err != nil {
			t.Fatal(err)
		}
	}
	h, ok := findHolder(proc, 35001)
	if !ok || h.pid != 77 || h.program != "aws-vpn-client" || h.uid != 1000 {
		t.Fatalf("findHolder = %+v, %v", h, ok)
	}
	e := &PortInUseError{Port: 35001, Program: h.program, PID: h.pid, UID: h.uid}
	const want = `port 35001 on 127.0.0.1 is in use by "aws-vpn-client" (pid 77): the AWS VPN Client or another sign-in is running; close it and try again`
	if e.Error() != want {
		t.Fatalf("message\n%s\nwant\n%s", e, want)
	}
	if _, ok := findHolder(proc, 1); ok {
		t.Fatal("found a holder for a free port")
	}
}
