//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/cvpn/cvpn/e2e/lab"
)

// A desktop for the GUI tests: an X server (Xvfb) and a D-Bus session bus
// made for the test, with the test itself as the tray host.
//
//	test ──godbus──▶ session bus ◀──godbus── cvpn-gui (StatusNotifierItem,
//	  │  (StatusNotifierWatcher)                 │      dbusmenu)
//	  └──xdotool, import──▶ Xvfb :N ◀──GLX───────┘
//
// A tray host is a StatusNotifierWatcher: the app registers its item with
// it and exports its menu as com.canonical.dbusmenu, whose Event call is
// what a panel sends when the user clicks a menu item. The test makes
// those calls itself, so the tray is driven through the same protocol a
// desktop uses.

type desktop struct {
	display string // ":N"
	bus     string // the session bus address
	dir     string

	conn    *dbus.Conn
	watcher *trayWatcher
}

// startDesktop starts Xvfb and a session bus for t; both end with t.
func startDesktop(t *testing.T) *desktop {
	t.Helper()
	lab.Require(t, "Xvfb", "xdotool", "import", "dbus-daemon")
	dir := t.TempDir()
	d := &desktop{dir: dir}

	// -displayfd picks a free display and writes its number.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1024x700x24", "-nolisten", "tcp")
	xvfb.ExtraFiles = []*os.File{w}
	var xlog bytes.Buffer
	xvfb.Stderr = &xlog
	if err := xvfb.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() { stopCmd(xvfb) })
	line, err := readLineTimeout(r, 15*time.Second)
	r.Close()
	if err != nil {
		t.Fatalf("Xvfb gave no display: %v\n%s", err, xlog.String())
	}
	d.display = ":" + strings.TrimSpace(line)

	// A bus at a path, not an abstract socket: the app runs in the lab's
	// client namespace, and abstract sockets do not cross namespaces.
	d.bus = "unix:path=" + filepath.Join(dir, "bus")
	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--address="+d.bus, "--print-address")
	out, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() { stopCmd(bus) })
	if _, err := readLineTimeout(out, 15*time.Second); err != nil {
		t.Fatalf("dbus-daemon gave no address: %v", err)
	}

	d.conn, err = dbus.Connect(d.bus)
	if err != nil {
		t.Fatalf("connect to the test's bus: %v", err)
	}
	t.Cleanup(func() { d.conn.Close() })
	d.watcher, err = serveTrayWatcher(d.conn)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func readLineTimeout(r interface{ Read([]byte) (int, error) }, d time.Duration) (string, error) {
	type res struct {
		s   string
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := bufio.NewReader(r).ReadString('\n')
		ch <- res{s, err}
	}()
	select {
	case x := <-ch:
		return x.s, x.err
	case <-time.After(d):
		return "", fmt.Errorf("nothing within %v", d)
	}
}

func stopCmd(c *exec.Cmd) {
	if c.Process == nil {
		return
	}
	_ = c.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = c.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = c.Process.Kill()
		<-done
	}
}

// x runs an X client (xdotool, import) on the test's display.
func (d *desktop) x(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+d.display)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// trayWatcher is the tray host's half of the protocol: apps register their
// StatusNotifierItem with it.
type trayWatcher struct {
	mu    sync.Mutex
	items []string // the bus names that registered
	paths []string // and their items' object paths
}

// RegisterStatusNotifierItem is the StatusNotifierWatcher method an app
// calls with its item's object path (or bus name).
func (w *trayWatcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	w.mu.Lock()
	defer w.mu.Unlock()
	path := service
	if !strings.HasPrefix(path, "/") { // a bus name: the item is at the usual path
		path = "/StatusNotifierItem"
	}
	w.items = append(w.items, string(sender))
	w.paths = append(w.paths, path)
	return nil
}

func serveTrayWatcher(conn *dbus.Conn) (*trayWatcher, error) {
	w := &trayWatcher{}
	if err := conn.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		return nil, fmt.Errorf("export the tray watcher: %w", err)
	}
	reply, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		return nil, fmt.Errorf("own org.kde.StatusNotifierWatcher: reply %v, %v", reply, err)
	}
	return w, nil
}

func (w *trayWatcher) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.items)
}

// registered is the bus name of the latest item registered after n
// earlier ones, or "".
func (w *trayWatcher) registered(n int) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.items) <= n {
		return ""
	}
	return w.items[len(w.items)-1]
}

// trayMenuItem is one entry of an app's dbusmenu layout.
type trayMenuItem struct {
	ID      int32
	Label   string
	Enabled bool
}

// menuPath asks the item registered by name where its menu is, as a
// panel does (the item's Menu property).
func (d *desktop) menuPath(name string) (dbus.ObjectPath, error) {
	d.watcher.mu.Lock()
	item := dbus.ObjectPath("/StatusNotifierItem")
	for i, n := range d.watcher.items {
		if n == name {
			item = dbus.ObjectPath(d.watcher.paths[i])
		}
	}
	d.watcher.mu.Unlock()
	v, err := d.conn.Object(name, item).GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		return "", fmt.Errorf("the Menu property of %s %s: %w", name, item, err)
	}
	p, ok := v.Value().(dbus.ObjectPath)
	if !ok {
		return "", fmt.Errorf("the Menu property of %s is %v, not an object path", name, v)
	}
	return p, nil
}

// trayMenu reads the layout of the menu the item at name exports.
func (d *desktop) trayMenu(name string) ([]trayMenuItem, error) {
	menu, err := d.menuPath(name)
	if err != nil {
		return nil, err
	}
	var rev uint32
	var layout dbusLayout
	err = d.conn.Object(name, menu).Call("com.canonical.dbusmenu.GetLayout", 0,
		int32(0), int32(-1), []string{}).Store(&rev, &layout)
	if err != nil {
		return nil, fmt.Errorf("GetLayout of %s: %w", name, err)
	}
	var items []trayMenuItem
	var walk func(l dbusLayout)
	walk = func(l dbusLayout) {
		if v, ok := l.Props["label"]; ok {
			label, _ := v.Value().(string)
			enabled := true
			if e, ok := l.Props["enabled"]; ok {
				enabled, _ = e.Value().(bool)
			}
			items = append(items, trayMenuItem{ID: l.ID, Label: strings.ReplaceAll(label, "_", ""), Enabled: enabled})
		}
		for _, c := range l.Children {
			var child dbusLayout
			if err := dbus.Store([]any{c.Value()}, &child); err == nil {
				walk(child)
			}
		}
	}
	walk(layout)
	return items, nil
}

// dbusLayout is dbusmenu's (ia{sv}av) layout node.
type dbusLayout struct {
	ID       int32
	Props    map[string]dbus.Variant
	Children []dbus.Variant
}

// trayClick waits for an enabled menu item labelled label and clicks it
// the way a panel does.
func (d *desktop) trayClick(t *testing.T, name, label string) {
	t.Helper()
	var last []trayMenuItem
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		items, err := d.trayMenu(name)
		if err != nil {
			t.Fatal(err)
		}
		last = items
		for _, it := range items {
			if it.Label == label && it.Enabled {
				menu, err := d.menuPath(name)
				if err != nil {
					t.Fatal(err)
				}
				call := d.conn.Object(name, menu).Call("com.canonical.dbusmenu.Event", 0,
					it.ID, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix()))
				if call.Err != nil {
					t.Fatalf("Event clicked on %q: %v", label, call.Err)
				}
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no enabled tray item %q; the menu has %+v", label, last)
}

// waitTrayItem waits until the app's tray menu has an item labelled label.
func (d *desktop) waitTrayItem(t *testing.T, name, label string, within time.Duration) {
	t.Helper()
	var last []trayMenuItem
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		items, err := d.trayMenu(name)
		if err == nil {
			last = items
			for _, it := range items {
				if it.Label == label {
					return
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the tray menu never showed %q; it has %+v", label, last)
}

// screenshot captures window id to path as PNG and returns the image.
func (d *desktop) screenshot(t *testing.T, id, path string) image.Image {
	t.Helper()
	d.x(t, "import", "-window", id, "png:"+path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	return img
}

// primaryButton finds the window's one strong-blue button (Fyne's primary
// colour, the High importance of Connect/Disconnect) in the upper right,
// where the details pane heads it, and returns its centre.
func primaryButton(img image.Image) (x, y int, ok bool) {
	b := img.Bounds()
	minX, minY, maxX, maxY := b.Max.X, b.Max.Y, -1, -1
	for py := b.Min.Y; py < b.Min.Y+b.Dy()/3; py++ {
		for px := b.Min.X + b.Dx()/2; px < b.Max.X; px++ {
			r, g, bl, _ := img.At(px, py).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if bl >= 200 && r <= 90 && g >= 80 && g <= 150 {
				minX, minY = min(minX, px), min(minY, py)
				maxX, maxY = max(maxX, px), max(maxY, py)
			}
		}
	}
	if maxX-minX < 20 || maxY-minY < 10 {
		return 0, 0, false
	}
	return (minX + maxX) / 2, (minY + maxY) / 2, true
}
