package push

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// The cases follow options.c:parse_line.
func TestTokenize(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr error
	}{
		{"route 10.0.0.0 255.0.0.0", []string{"route", "10.0.0.0", "255.0.0.0"}, nil},
		{"  ping\t10  ", []string{"ping", "10"}, nil},
		{`echo "a b" 'c d' e`, []string{"echo", "a b", "c d", "e"}, nil},
		{`echo a\ b \"q\" \\`, []string{"echo", "a b", `"q"`, `\`}, nil},
		{`echo 'no \escape'`, []string{"echo", `no \escape`}, nil},
		{`echo "x\"y"`, []string{"echo", `x"y`}, nil},
		{"echo hi ;comment", []string{"echo", "hi"}, nil},
		{"# all comment", nil, nil},
		{"echo a#b", []string{"echo", "a#b"}, nil},
		{`echo ""`, []string{"echo", ""}, nil},
		{"", nil, nil},
		{`echo \n`, nil, errBadBackslash},
		{`echo "open`, nil, errOpenQuote},
		{`echo 'open`, nil, errOpenQuote},
		{"echo " + strings.Repeat("x", 256), nil, errLongParam},
		{"a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", []string{"a", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}, nil},
	}
	for _, tt := range tests {
		got, err := tokenize(tt.in)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("tokenize(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
