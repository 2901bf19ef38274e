package viewmodel

import (
	"context"
	"io"
)

// LogFile is one of the service's two logs.
type LogFile int

const (
	// LogConnections is the connection log: what each tunnel did, the
	// one a user reads first.
	LogConnections LogFile = iota
	// LogDiagnostic is the service's own log, for support.
	LogDiagnostic
)

// Logs opens one of the service's logs through the Backend; the Logs view
// reads it on its own goroutine and closes it when the view closes.
func (m *Model) Logs(ctx context.Context, file LogFile, lines int, follow bool) (io.ReadCloser, error) {
	return m.b.Logs(ctx, file, lines, follow)
}

// ExportDiagnostics writes the diagnostics bundle to path; Explain says
// what a failure means and what to do.
func (m *Model) ExportDiagnostics(ctx context.Context, path string) error {
	return m.b.ExportDiagnostics(ctx, path)
}

// Explain turns an error of a call made outside the Model's own actions
// (reading the logs, exporting) into what the app shows, with the same
// advice as the banner; nil for nil or a canceled call.
func Explain(err error) *ErrorView { return explain("", err) }
