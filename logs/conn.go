package logs

import (
	"encoding/json"
	"fmt"
	"time"
)

// Result is how a connection attempt ended.
type Result string

// Results a ConnectionRecord can carry.
const (
	ResultConnected Result = "connected"
	ResultFailed    Result = "failed"
	ResultCancelled Result = "cancelled"
)

// ConnectionRecord is one line of the connection log: one connection
// attempt, written when it ends. It deliberately has no field that could
// hold a credential; free text (Error) is redacted anyway.
type ConnectionRecord struct {
	Time         time.Time     `json:"time"`
	Profile      string        `json:"profile"`
	Endpoint     string        `json:"endpoint"`        // host:port actually dialled
	Transport    string        `json:"transport"`       // "udp" or "tcp"
	AuthMode     string        `json:"auth_mode"`       // e.g. "certificate", "saml", "userpass"
	Result       Result        `json:"result"`          // connected, failed, cancelled
	Error        string        `json:"error,omitempty"` // why it failed, redacted
	AssignedAddr string        `json:"assigned_addr,omitempty"`
	Duration     time.Duration `json:"duration_ns"`
	BytesIn      uint64        `json:"bytes_in"`
	BytesOut     uint64        `json:"bytes_out"`
}

// ConnLog writes ConnectionRecords as JSON lines.
type ConnLog struct {
	d *Dir
}

// Write redacts every text field of rec, stamps it with the Dir's clock if
// it has no time, and appends it as one JSON line.
func (c *ConnLog) Write(rec ConnectionRecord) error {
	if rec.Time.IsZero() {
		rec.Time = c.d.now()
	}
	r := c.d.redactor
	for _, f := range []*string{&rec.Profile, &rec.Endpoint, &rec.Transport, &rec.AuthMode, &rec.Error, &rec.AssignedAddr} {
		*f = r.Redact(*f)
	}
	rec.Result = Result(r.Redact(string(rec.Result)))
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode connection record: %w", err)
	}
	return c.d.write(c.d.conn, append(line, '\n'))
}
