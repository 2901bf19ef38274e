package viewmodel

import (
	"context"
	"io"
	"testing"
)

// The Model passes the log and the export to the Backend, and Explain
// gives a failure the same advice as the banner: with no service, how to
// start it.
func TestModelLogsAndExport(t *testing.T) {
	f := newFake()
	f.logs = "one\ntwo\n"
	m := New(f, Options{Clock: newClock()})
	defer m.Close()
	rc, err := m.Logs(context.Background(), LogDiagnostic, 10, false)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	if string(data) != "one\ntwo\n" {
		t.Errorf("read %q", data)
	}
	if err := m.ExportDiagnostics(context.Background(), "/tmp/d.zip"); err != nil {
		t.Fatal(err)
	}
	f.setDown(true)
	err = m.ExportDiagnostics(context.Background(), "/tmp/d.zip")
	if e := Explain(err); e == nil || !e.ServiceDown || e.Advice == "" {
		t.Errorf("%v explained as %+v", err, e)
	}
	if Explain(context.Canceled) != nil || Explain(nil) != nil {
		t.Error("a canceled call is explained")
	}
	calls, _, _, _ := f.snapshot()
	if len(calls) != 3 || calls[0] != "logs 1" || calls[1] != "export /tmp/d.zip" {
		t.Errorf("calls %q", calls)
	}
}
