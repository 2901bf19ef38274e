package desktop

import (
	"fmt"
	"os"
	"testing"

	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel/viewmodeltest"
)

// errNotRunning is what service/client returns with no service.
var errNotRunning = fmt.Errorf("%w at /run/cvpn/cvpn.sock: start it with 'sudo systemctl start cvpn'", client.ErrNotRunning)

// Export writes the bundle where the user chose, for the user alone, and
// says where.
func TestLogsExport(t *testing.T) {
	h := startLogs(t, LogsOptions{}, nil)
	h.tapExport()
	want := i18n.TD("logs.export.done", map[string]any{"Path": h.saveTo})
	h.waitFor("the path", func() bool { return h.l.banner.cause.Text == want })
	if !contains(h.b.Calls(), "export "+h.saveTo) {
		t.Errorf("calls %q", h.b.Calls())
	}
	fi, err := os.Stat(h.saveTo)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the bundle's mode is %v", fi.Mode().Perm())
	}
	if h.l.export.Disabled() {
		t.Error("the export button stays disabled")
	}
}

// A failed export says why and what to do: with no service, how to
// start it.
func TestLogsExportFailure(t *testing.T) {
	h := startLogs(t, LogsOptions{}, func(b *viewmodeltest.Backend) { b.SetExportError(errNotRunning) })
	h.tapExport()
	want := i18n.TD("logs.export.failed", map[string]any{"Message": i18n.T("error.service_not_running")})
	h.waitFor("the failure", func() bool { return h.l.banner.cause.Text == want })
	if h.l.banner.fix.Text != i18n.ServiceStartFix() || !h.l.banner.fix.Visible() {
		t.Errorf("the fix reads %q", h.l.banner.fix.Text)
	}
}

// A log that cannot be read says why, with the fix.
func TestLogsReadFailure(t *testing.T) {
	h := startLogs(t, LogsOptions{}, func(b *viewmodeltest.Backend) { b.SetLogsError(errNotRunning) })
	h.waitFor("the failure", func() bool { return h.l.banner.cause.Text == i18n.T("error.service_not_running") })
	if h.l.banner.fix.Text != i18n.ServiceStartFix() {
		t.Errorf("the fix reads %q", h.l.banner.fix.Text)
	}
}

// The window's words come from ja.json in Japanese.
func TestLogsJapanese(t *testing.T) {
	if err := i18n.SetLanguage(i18n.Japanese); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = i18n.SetLanguage("") })
	h := startLogs(t, LogsOptions{}, nil)
	got := []string{h.l.win.Title(), h.l.export.Text, h.l.follow.Text, h.l.filter.PlaceHolder, h.l.file.Options[0], h.l.file.Options[1], h.l.empty.Text}
	want := []string{"ログ", "診断情報をエクスポート…", "新しい行に自動スクロール", "含まれる文字で絞り込み…", "接続ログ", "診断ログ", "ログはまだありません。"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("labels %q, want %q", got, want)
	}
}

func (h *logsHarness) tapExport() {
	h.t.Helper()
	h.tapButtonIn(h.l.export.Text)
}

func (h *logsHarness) tapButtonIn(text string) {
	h.t.Helper()
	(&harness{t: h.t}).tapButton(h.l.win.Canvas().Content(), text)
}
