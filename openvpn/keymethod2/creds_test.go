package keymethod2

import (
	"errors"
	"testing"
)

// The examples of doc/management-notes.txt.
func TestStaticChallengePassword(t *testing.T) {
	tests := []struct{ password, response, want string }{
		{"bar", "8675309", "SCRV1:YmFy:ODY3NTMwOQ=="},
		{"", "", "SCRV1::"},
		{"pässwörd", "1", "SCRV1:cMOkc3N3w7ZyZA==:MQ=="},
	}
	for _, tt := range tests {
		if got := StaticChallengePassword(tt.password, tt.response); got != tt.want {
			t.Errorf("StaticChallengePassword(%q, %q) = %q, want %q", tt.password, tt.response, got, tt.want)
		}
	}
}

func TestDynamicChallengePassword(t *testing.T) {
	tests := []struct {
		state, response, want string
		wantErr               bool
	}{
		{"Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l", "8675309", "CRV1::Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l::8675309", false},
		{"instance-1/abc", "", "CRV1::instance-1/abc::", false},
		{"instance-1/abc", "PHNhbWxwOlJlc3BvbnNlIC8+", "CRV1::instance-1/abc::PHNhbWxwOlJlc3BvbnNlIC8+", false},
		{"a:b", "x", "", true},
		{"", "x", "", true},
		{"s", "a\x00b", "", true},
	}
	for _, tt := range tests {
		got, err := DynamicChallengePassword(tt.state, tt.response)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("DynamicChallengePassword(%q, …) = %q, %v; want %q", tt.state, got, err, tt.want)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("error %v is not ErrInvalid", err)
		}
	}
}
