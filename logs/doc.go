// Package logs owns cvpn's log files: lumberjack-based rotating writers, the
// 30-day / 90 MB retention caps, and redaction of secrets before anything is
// written.
package logs
