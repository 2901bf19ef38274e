package desktop

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// The Logs window shows one of the service's logs, followed live. Lines
// arrive on a reader goroutine and wait in a buffer; a timer hands them to
// Fyne at most once a second, so a chatty log costs one redraw a second,
// never one per line, and an idle one costs nothing.

// DefaultLogLines is how many lines the view keeps: enough to read back
// through a connect, few enough that a log followed for days stays small.
const DefaultLogLines = 5000

// LogsOptions tune the Logs window; the zero value is what the app uses.
type LogsOptions struct {
	// Do runs f on Fyne's goroutine without waiting; nil is fyne.Do.
	Do func(f func())
	// Clock times the batches; nil is the real one.
	Clock viewmodel.Clock
	// ChooseSave asks where to save the diagnostics and calls done with
	// the path, not at all when the user cancels; nil is Fyne's dialog.
	ChooseSave func(parent fyne.Window, done func(path string))
	// MaxLines bounds the lines kept (0: DefaultLogLines).
	MaxLines int
}

// Logs is the Logs window.
type Logs struct {
	win  fyne.Window
	m    *viewmodel.Model
	opts LogsOptions

	ctx    context.Context // ends with Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the readers and exports

	mu      sync.Mutex
	gen     int      // the stream whose lines are wanted; bumped on a switch
	pending []string // read, not yet drawn
	readErr error    // why the stream ended, not yet drawn
	timer   viewmodel.Timer
	last    time.Time // when a batch was last drawn
	stop    func()    // ends the current stream

	// Touched on Fyne's goroutine only.
	lines  []string // the last MaxLines, oldest first
	shown  []string // lines that pass the filter
	file   *widget.Select
	filter *widget.Entry
	follow *widget.Check
	list   *widget.List
	empty  *widget.Label
	banner *banner
	export *widget.Button
}

// NewLogs makes the Logs window over m, showing the connection log; Show
// opens it and starts following. Closing the window stops the stream.
func NewLogs(app fyne.App, m *viewmodel.Model, o LogsOptions) *Logs {
	if o.Do == nil {
		o.Do = fyne.Do
	}
	if o.Clock == nil {
		o.Clock = logClock{}
	}
	if o.MaxLines <= 0 {
		o.MaxLines = DefaultLogLines
	}
	l := &Logs{win: app.NewWindow(i18n.T("logs.title")), m: m, opts: o}
	l.ctx, l.cancel = context.WithCancel(context.Background())

	l.file = widget.NewSelect([]string{i18n.T("logs.file.connections"), i18n.T("logs.file.diagnostic")}, nil)
	l.file.SetSelectedIndex(0)
	l.file.OnChanged = func(string) { l.open() }
	l.filter = widget.NewEntry()
	l.filter.SetPlaceHolder(i18n.T("logs.filter.placeholder"))
	l.filter.OnChanged = func(string) { l.refilter() }
	l.list = widget.NewList(func() int { return len(l.shown) },
		func() fyne.CanvasObject {
			t := widget.NewLabel("")
			t.TextStyle = fyne.TextStyle{Monospace: true}
			t.Truncation = fyne.TextTruncateEllipsis
			return t
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(l.shown[i]) })
	l.follow = widget.NewCheck(i18n.T("logs.follow"), nil)
	l.follow.Checked = true // before OnChanged: the list is not drawn yet
	l.follow.OnChanged = func(on bool) {
		if on {
			l.list.ScrollToBottom()
		}
	}
	l.empty = widget.NewLabel(i18n.T("logs.empty"))
	l.banner = newBanner(func() { l.banner.show(nil) })
	l.export = widget.NewButton(i18n.T("logs.export"), l.chooseExport)

	top := container.NewVBox(l.banner.root,
		container.NewBorder(nil, nil, l.file, l.export,
			container.NewBorder(nil, nil, widget.NewLabel(i18n.T("logs.filter")), l.follow, l.filter)))
	l.win.SetContent(container.NewBorder(top, nil, nil, nil, container.NewStack(l.list, container.NewCenter(l.empty))))
	l.win.Resize(fyne.NewSize(860, 520))
	l.win.SetOnClosed(l.Close)
	return l
}

// Show opens the window and starts following the chosen log.
func (l *Logs) Show() {
	l.win.Show() // first: following scrolls the list, which must be drawn
	l.open()
}

// Close stops the stream and any export waiting to be drawn, and waits
// for their goroutines.
func (l *Logs) Close() {
	l.cancel()
	l.mu.Lock()
	if l.stop != nil {
		l.stop()
	}
	if l.timer != nil {
		l.timer.Stop()
	}
	l.mu.Unlock()
	l.wg.Wait()
}

// open starts following the chosen log, dropping the other's lines.
func (l *Logs) open() {
	file := viewmodel.LogConnections
	if l.file.SelectedIndex() == 1 {
		file = viewmodel.LogDiagnostic
	}
	ctx, stop := context.WithCancel(l.ctx)
	l.mu.Lock()
	if l.stop != nil {
		l.stop()
	}
	l.gen++
	gen := l.gen
	l.stop = stop
	l.pending, l.readErr = nil, nil
	l.mu.Unlock()
	l.lines = nil
	l.banner.show(nil)
	l.refilter()

	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer stop()
		l.read(ctx, gen, file)
	}()
}

// read copies the stream's lines into pending until it ends. What one
// Read returns is queued at once, so a burst takes the lock once.
func (l *Logs) read(ctx context.Context, gen int, file viewmodel.LogFile) {
	rc, err := l.m.Logs(ctx, file, l.opts.MaxLines, true)
	if err == nil {
		l.wg.Add(1)
		go func() { // unblocks the Read when the stream is dropped
			defer l.wg.Done()
			<-ctx.Done()
			rc.Close()
		}()
		buf := make([]byte, 64<<10)
		var rest string // a line not ended yet
		for {
			var n int
			n, err = rc.Read(buf)
			lines := strings.Split(rest+string(buf[:n]), "\n")
			rest = lines[len(lines)-1]
			lines = lines[:len(lines)-1]
			if err != nil || len(rest) > maxLineBytes {
				if rest != "" {
					lines = append(lines, rest)
				}
				rest = ""
			}
			for i := range lines {
				lines[i] = strings.TrimRight(lines[i], "\r")
			}
			if len(lines) > 0 {
				l.add(gen, lines, nil)
			}
			if err != nil {
				break
			}
		}
	}
	if errors.Is(err, io.EOF) || ctx.Err() != nil {
		err = nil
	}
	if err != nil {
		l.add(gen, nil, err)
	}
}

// maxLineBytes splits a line longer than this, so a log without line
// ends cannot grow the buffer without bound.
const maxLineBytes = 64 << 10
