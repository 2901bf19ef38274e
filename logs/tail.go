package logs

import (
	"bytes"
	"fmt"
	"io"
)

// tailChunk is how much TailOffset reads at a time. The log files reach
// tens of megabytes and `cvpn logs -n 20` wants a few hundred bytes of
// them, so the tail is found by reading backwards, and memory stays at one
// chunk whatever the file's size or the number of lines asked for.
const tailChunk = 32 << 10

// TailOffset returns where the last n lines of the first size bytes of r
// begin; a final line without its newline counts as a line. n = 0 gives
// size (nothing), and a file with fewer than n lines gives 0. Copy from
// the offset to size to send the tail without holding it in memory.
func TailOffset(r io.ReaderAt, size int64, n int) (int64, error) {
	if n <= 0 || size <= 0 {
		return max(size, 0), nil
	}
	buf := make([]byte, tailChunk)
	end := size
	// A newline that ends the file ends the last line; it does not start
	// an empty one after it.
	last := make([]byte, 1)
	if _, err := r.ReadAt(last, size-1); err != nil {
		return 0, fmt.Errorf("read log tail: %w", err)
	}
	if last[0] == '\n' {
		end--
	}
	count := 0
	for end > 0 {
		start := max(end-tailChunk, 0)
		chunk := buf[:end-start]
		if _, err := r.ReadAt(chunk, start); err != nil && err != io.EOF {
			return 0, fmt.Errorf("read log tail: %w", err)
		}
		for i := len(chunk); i > 0; {
			j := bytes.LastIndexByte(chunk[:i], '\n')
			if j < 0 {
				break
			}
			count++
			if count == n {
				return start + int64(j) + 1, nil
			}
			i = j
		}
		end = start
	}
	return 0, nil
}
