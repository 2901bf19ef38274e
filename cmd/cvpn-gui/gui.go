package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"fyne.io/fyne/v2"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/ui/desktop"
	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
	"github.com/cvpn/cvpn/usersession"
)

// config is what the command line chose.
type config struct {
	// tray starts the app in the tray without showing the window, as the
	// start-at-login entry does.
	tray bool
	// socket is the service's address; "" is $CVPN_SOCKET or the OS's.
	socket string
	// instance is the single-instance socket; "" is instancePath().
	instance string
}

var errHelpShown = errors.New("help shown")

func parseFlags(args []string, out io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("cvpn-gui", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.BoolVar(&c.tray, "tray", false, "start in the tray without opening the window (the start-at-login entry uses it)")
	fs.StringVar(&c.socket, "socket", "", "the cvpn service's `address` (default $CVPN_SOCKET, else the system's)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: cvpn-gui [--tray] [--socket PATH] [--version]\n\n"+
			"The cvpn desktop app. It drives the cvpn service, which must be running\n"+
			"(on Linux: systemctl start cvpn). The same powers are in the cvpn command line.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelpShown
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q: see cvpn-gui --help", fs.Arg(0))
	}
	if *showVersion {
		fmt.Fprintf(out, "cvpn-gui %s%s\n", version, buildSuffix())
		return c, errHelpShown
	}
	return c, nil
}

func buildSuffix() string {
	if build == "" {
		return ""
	}
	return " (" + build + ")"
}

// run is the app's life: one instance per user, the views over the
// service, then Fyne's event loop until Quit or a signal.
func run(c config, stderr io.Writer) int {
	logger := log.New(stderr, "cvpn-gui: ", log.LstdFlags)
	if err := i18n.Load(); err != nil {
		logger.Printf("load the translations: %v", err)
		return 1
	}
	inst, err := claimInstance(c.instance)
	switch {
	case errors.Is(err, errRunning):
		logger.Print("cvpn is already running: its window was brought forward")
		return 0
	case err != nil:
		// Not fatal: a second copy would only mean a second tray icon.
		logger.Printf("%v; going on without the single-instance check", err)
	}
	defer inst.Close()

	a, err := newFyneApp()
	if err != nil {
		logger.Print(err)
		return 1
	}
	g, err := start(a, c, logger.Printf)
	if err != nil {
		logger.Print(err)
		return 1
	}
	defer g.Close()
	inst.Serve(func() { fyne.Do(g.app.Window.Show) })

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		if _, ok := <-sig; ok {
			fyne.Do(a.Quit)
		}
	}()
	defer signal.Stop(sig)

	a.Run()
	return 0
}

// gui is a started app: its views and the Model under them.
type gui struct {
	app *desktop.App
	m   *viewmodel.Model
}

// start builds the app's views over the user's profiles, settings and the
// service at c.socket, starts following the service, and shows the window
// unless c.tray. Call it on Fyne's goroutine (before Run, main's).
func start(a fyne.App, c config, logf func(string, ...any)) (*gui, error) {
	store, err := profile.DefaultStore()
	if err != nil {
		return nil, fmt.Errorf("open the profile store: %w", err)
	}
	path, err := usersession.SettingsPath()
	if err != nil {
		return nil, fmt.Errorf("open the settings: %w", err)
	}
	settings := viewmodel.LoadSettings(path)
	if err := settings.LoadError(); err != nil {
		logf("the settings file is unusable, using the defaults until saved: %v", err)
	}
	if err := settings.PolicyError(); err != nil {
		logf("%v", err) // the settings dialog shows it too
	}
	// The login entry follows the settings (an administrator's policy may
	// have turned it on or off since the last start).
	if err := settings.SyncAutostart(); err != nil {
		logf("start at login: %v", err)
	}
	if err := i18n.SetLanguage(settings.Language()); err != nil {
		logf("language %q: %v; following the system's", settings.Language(), err)
	}
	a.Settings().SetTheme(desktop.NewTheme(logf))

	backend := &viewmodel.Service{
		Client:   client.New(c.socket),
		Store:    store,
		Settings: settings,
		Logf:     logf,
		Version:  version,
	}
	m := viewmodel.New(backend, viewmodel.Options{})
	x := desktop.NewApp(a, m, settings, desktop.AppOptions{
		Version: version,
		Build:   build,
		// Without a tray to come back from, a closed window would leave
		// an app no one can reach: then closing it quits.
		Window: desktop.Options{QuitOnClose: !hasTrayHost()},
	})
	m.Start()
	if c.tray {
		x.Window.Hide() // drawn, not shown: no redraw timers until opened
	} else {
		x.Window.Show()
	}
	x.StartUp()
	return &gui{app: x, m: m}, nil
}

// Close ends the Model's goroutines once Fyne's loop has ended (the
// windows went with it); tunnels stay up in the service.
func (g *gui) Close() { g.m.Close() }
