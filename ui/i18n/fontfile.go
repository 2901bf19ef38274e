package i18n

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
)

// maxFontFile bounds what LoadFont reads: Noto Sans CJK's collection is
// about 20 MB, the largest font it is meant for.
const maxFontFile = 64 << 20

// LoadFont reads the font at path as a resource Fyne's theme can use. A
// TrueType collection (.ttc, as most Japanese system fonts are) becomes
// its first font alone, which Fyne can read: Fyne's theme fonts are read
// as one font (go-text's font.ParseTTF), which refuses collections. The
// first font of the collections CJKFont finds is the Japanese design
// (Noto Sans CJK JP, Yu Gothic, Meiryo, MS Gothic, Hiragino Sans).
func LoadFont(path string) (fyne.Resource, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load font: %w", err)
	}
	if fi.Size() > maxFontFile {
		return nil, fmt.Errorf("load font: %s is larger than %d MiB", path, maxFontFile>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load font: %w", err)
	}
	font, err := FirstFont(data)
	if err != nil {
		return nil, fmt.Errorf("load font %s: %w", path, err)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + ".ttf"
	return fyne.NewStaticResource(name, font), nil
}

// ErrBadFont is returned for data that is not an OpenType font or
// collection this package can read.
var ErrBadFont = errors.New("not an OpenType font or collection")

// FirstFont returns data when it is a single font, and the first font of
// a TrueType collection as a font file of its own: its table directory
// and tables, copied with the offsets made relative to the new file.
func FirstFont(data []byte) ([]byte, error) {
	if len(data) < 12 {
		return nil, ErrBadFont
	}
	if string(data[:4]) != "ttcf" {
		return data, nil
	}
	if binary.BigEndian.Uint32(data[8:]) == 0 || len(data) < 16 {
		return nil, ErrBadFont
	}
	return extractFont(data, int64(binary.BigEndian.Uint32(data[12:])))
}

const (
	sfntHeaderLen  = 12
	tableRecordLen = 16
	maxTables      = 512 // real fonts have a few dozen
)

func extractFont(data []byte, at int64) ([]byte, error) {
	size := int64(len(data))
	if at < 0 || at+sfntHeaderLen > size {
		return nil, ErrBadFont
	}
	n := int64(binary.BigEndian.Uint16(data[at+4:]))
	dirLen := sfntHeaderLen + n*tableRecordLen
	if n == 0 || n > maxTables || at+dirLen > size {
		return nil, ErrBadFont
	}
	out := make([]byte, dirLen, size)
	copy(out, data[at:at+dirLen])
	for i := int64(0); i < n; i++ {
		rec := out[sfntHeaderLen+i*tableRecordLen:]
		off, length := int64(binary.BigEndian.Uint32(rec[8:])), int64(binary.BigEndian.Uint32(rec[12:]))
		if off+length > size {
			return nil, fmt.Errorf("%w: table %q runs past the end", ErrBadFont, rec[:4])
		}
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		out = append(out, data[off:off+length]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out, nil
}
