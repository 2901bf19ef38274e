package tunnel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/profile"
)

// A connect whose caller went away is logged as abandoned, not as refused:
// support reading the log must not look for a cause that never existed.
func TestRecordRefusalWording(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("list logged-in users: %w", context.Canceled), "corp: connect abandoned: the caller went away"},
		{ErrTooMany, "corp: connect refused: "},
		{errors.New("route conflict"), "corp: connect refused: route conflict"},
	}
	for _, tt := range tests {
		var got []string
		m := NewManager(Config{Logf: func(f string, a ...any) { got = append(got, fmt.Sprintf(f, a...)) }})
		m.recordRefusal(&profile.Profile{Name: "corp"}, tt.err)
		if len(got) != 1 || !strings.HasPrefix(got[0], tt.want) {
			t.Errorf("%v logged %q, want a line starting %q", tt.err, got, tt.want)
		}
	}
}
