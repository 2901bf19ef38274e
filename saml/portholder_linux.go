package saml

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// portHolder finds the process listening where a bind of 127.0.0.1:port
// conflicts: 127.0.0.1, 0.0.0.0, or a dual-stack [::]. Best effort: the
// socket's inode comes from /proc/net/tcp{,6}, its process from a scan of
// /proc/*/fd, which only reaches other users' processes as root.
func portHolder(port int) (holder, bool) {
	return findHolder("/proc", port)
}

func findHolder(proc string, port int) (holder, bool) {
	var inode uint64
	uid := -1
	for _, name := range []string{"net/tcp", "net/tcp6"} {
		f, err := os.Open(filepath.Join(proc, name))
		if err != nil {
			continue
		}
		inode, uid = listeningInode(f, port)
		f.Close()
		if inode != 0 {
			break
		}
	}
	if inode == 0 {
		return holder{uid: -1}, false
	}
	h := holder{uid: uid}
	if pid := pidWithSocket(proc, inode); pid > 0 {
		h.pid = pid
		if b, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "comm")); err == nil {
			h.program = strings.TrimSpace(string(b))
		}
	}
	return h, true
}

// listeningInode reads a /proc/net/tcp-format table:
//
//	sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//	0: 0100007F:88B9 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 123456 …
//
// and returns the inode and uid of a LISTEN (0A) socket on port whose
// address conflicts with 127.0.0.1.
func listeningInode(r io.Reader, port int) (inode uint64, uid int) {
	sc := bufio.NewScanner(r)
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != "0A" {
			continue
		}
		hexAddr, hexPort, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		p, err := strconv.ParseUint(hexPort, 16, 16)
		if err != nil || int(p) != port {
			continue
		}
		a, ok := procAddr(hexAddr)
		if !ok || !conflictsWithLoopback(a) {
			continue
		}
		n, err := strconv.ParseUint(f[9], 10, 64)
		if err != nil || n == 0 {
			continue
		}
		u, err := strconv.Atoi(f[7])
		if err != nil {
			u = -1
		}
		return n, u
	}
	return 0, -1
}

// procAddr decodes the kernel's address: each 32-bit word printed as a
// host-order number.
func procAddr(s string) (netip.Addr, bool) {
	b, err := hex.DecodeString(s)
	if err != nil || (len(b) != 4 && len(b) != 16) {
		return netip.Addr{}, false
	}
	for i := 0; i < len(b); i += 4 {
		binary.NativeEndian.PutUint32(b[i:], binary.BigEndian.Uint32(b[i:]))
	}
	a, _ := netip.AddrFromSlice(b)
	return a, true
}

func conflictsWithLoopback(a netip.Addr) bool {
	if a.IsUnspecified() {
		return true
	}
	a = a.Unmap()
	return a.Is4() && (a == netip.AddrFrom4([4]byte{127, 0, 0, 1}) || a.IsUnspecified())
}

// pidWithSocket scans /proc/*/fd for a link to socket:[inode].
func pidWithSocket(proc string, inode uint64) int {
	want := "socket:[" + strconv.FormatUint(inode, 10) + "]"
	dirs, err := os.ReadDir(proc)
	if err != nil {
		return 0
	}
	self := os.Getpid()
	// Look at ourselves first: a second cvpn sign-in in this process is
	// the cheapest case to name.
	pids := []int{self}
	for _, d := range dirs {
		if pid, err := strconv.Atoi(d.Name()); err == nil && pid != self {
			pids = append(pids, pid)
		}
	}
	for _, pid := range pids {
		fdDir := filepath.Join(proc, strconv.Itoa(pid), "fd")
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if link, err := os.Readlink(filepath.Join(fdDir, fd.Name())); err == nil && link == want {
				return pid
			}
		}
	}
	return 0
}
