package logs

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// naiveTail is the obvious whole-file answer TailOffset must agree with.
func naiveTail(data []byte, n int) []byte {
	if n == 0 {
		return nil
	}
	end := len(data)
	if end > 0 && data[end-1] == '\n' {
		end--
	}
	i := end
	for count := 0; i > 0; i-- {
		if data[i-1] == '\n' {
			count++
			if count == n {
				break
			}
		}
	}
	return data[i:]
}

func TestTailOffset(t *testing.T) {
	long := strings.Repeat("x", tailChunk+100)
	tests := []struct {
		name string
		data string
		n    int
		want string
	}{
		{"empty", "", 3, ""},
		{"none asked", "a\nb\n", 0, ""},
		{"last line", "a\nb\nc\n", 1, "c\n"},
		{"two lines", "a\nb\nc\n", 2, "b\nc\n"},
		{"more than there are", "a\nb\n", 10, "a\nb\n"},
		{"no final newline", "a\nb\nc", 1, "c"},
		{"no newline at all", "abc", 2, "abc"},
		{"only a newline", "\n", 1, "\n"},
		{"empty lines", "a\n\n\n", 2, "\n\n"},
		{"a line longer than a chunk", "a\n" + long + "\n", 1, long + "\n"},
		{"lines either side of a chunk edge", "a\n" + long + "\nb\n", 2, long + "\nb\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			off, err := TailOffset(strings.NewReader(tt.data), int64(len(tt.data)), tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.data[off:]; got != tt.want {
				t.Errorf("tail %d of %.40q = %.40q, want %.40q", tt.n, tt.data, got, tt.want)
			}
		})
	}
}

// Random files of short and chunk-crossing lines agree with the naive tail.
func TestTailOffsetMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		var b bytes.Buffer
		for range rng.IntN(50) {
			l := rng.IntN(20)
			if rng.IntN(10) == 0 {
				l = rng.IntN(3 * tailChunk)
			}
			b.WriteString(strings.Repeat("y", l))
			b.WriteByte('\n')
		}
		if rng.IntN(2) == 0 {
			b.WriteString("partial")
		}
		data := b.Bytes()
		n := rng.IntN(60)
		off, err := TailOffset(bytes.NewReader(data), int64(len(data)), n)
		if err != nil {
			t.Fatal(err)
		}
		if want := naiveTail(data, n); !bytes.Equal(data[off:], want) {
			t.Fatalf("case %d: tail %d differs: got %d bytes, want %d", i, n, len(data)-int(off), len(want))
		}
	}
}

// countingReader is a large file of short lines that records how much of
// it was read.
type countingReader struct {
	size, read int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	for i := range p {
		if (off+int64(i))%100 == 99 {
			p[i] = '\n'
		} else {
			p[i] = 'z'
		}
	}
	c.read += int64(len(p))
	return len(p), nil
}

// Finding the last line of a 64 MB log reads one chunk, not the file.
func TestTailOffsetReadsOnlyTheEnd(t *testing.T) {
	r := &countingReader{size: 64_000_000}
	off, err := TailOffset(r, r.size, 1)
	if err != nil {
		t.Fatal(err)
	}
	if off != r.size-100 {
		t.Errorf("offset %d, want %d", off, r.size-100)
	}
	if r.read > tailChunk+1 {
		t.Errorf("read %d bytes of a %d-byte file for one line; want at most %d", r.read, r.size, tailChunk+1)
	}
}
