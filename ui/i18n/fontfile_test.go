package i18n

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// sfnt builds a font: its table directory, and its tables, which follow
// the directory.
func sfnt(tables map[string][]byte, order []string) (dir []byte, body []byte) {
	n := len(order)
	dir = make([]byte, sfntHeaderLen+n*tableRecordLen)
	binary.BigEndian.PutUint32(dir, 0x00010000)
	binary.BigEndian.PutUint16(dir[4:], uint16(n))
	off := len(dir)
	for i, tag := range order {
		rec := dir[sfntHeaderLen+i*tableRecordLen:]
		copy(rec, tag)
		binary.BigEndian.PutUint32(rec[4:], uint32(0xC0FFEE+i))
		binary.BigEndian.PutUint32(rec[8:], uint32(off))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(tables[tag])))
		t := append([]byte(nil), tables[tag]...)
		for len(t)%4 != 0 {
			t = append(t, 0)
		}
		body = append(body, t...)
		off += len(t)
	}
	return dir, body
}

// tablesOf reads a single font's tables by tag, checking every record
// points inside the file.
func tablesOf(t *testing.T, font []byte) map[string][]byte {
	t.Helper()
	n := int(binary.BigEndian.Uint16(font[4:]))
	out := map[string][]byte{}
	for i := 0; i < n; i++ {
		rec := font[sfntHeaderLen+i*tableRecordLen:]
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if int(off+length) > len(font) || off%4 != 0 {
			t.Fatalf("table %q at %d+%d in a file of %d", rec[:4], off, length, len(font))
		}
		out[string(rec[:4])] = font[off : off+length]
	}
	return out
}

func TestFirstFontTakesTheFirstFontOfACollection(t *testing.T) {
	first := map[string][]byte{"cmap": []byte("first cmap"), "glyf": bytes.Repeat([]byte{1, 2, 3}, 101), "head": []byte("head1")}
	second := map[string][]byte{"cmap": []byte("second"), "name": []byte("Second Font")}
	// A collection: header, both directories, then both fonts' tables.
	const headerLen = 12 + 2*4
	dir1Len := sfntHeaderLen + 3*tableRecordLen
	dir2Len := sfntHeaderLen + 2*tableRecordLen
	d1, b1 := sfnt(first, []string{"cmap", "glyf", "head"})
	d2, b2 := sfnt(second, []string{"cmap", "name"})
	ttc := make([]byte, headerLen)
	copy(ttc, "ttcf")
	binary.BigEndian.PutUint32(ttc[4:], 0x00010000)
	binary.BigEndian.PutUint32(ttc[8:], 2)
	binary.BigEndian.PutUint32(ttc[12:], headerLen)
	binary.BigEndian.PutUint32(ttc[16:], uint32(headerLen+dir1Len))
	// Rebase both directories' offsets onto where their tables land.
	rebase := func(dir []byte, ownLen, delta int) {
		n := int(binary.BigEndian.Uint16(dir[4:]))
		for i := 0; i < n; i++ {
			rec := dir[sfntHeaderLen+i*tableRecordLen:]
			binary.BigEndian.PutUint32(rec[8:], binary.BigEndian.Uint32(rec[8:])-uint32(ownLen)+uint32(delta))
		}
	}
	tablesAt := headerLen + dir1Len + dir2Len
	rebase(d1, dir1Len, tablesAt)
	rebase(d2, dir2Len, tablesAt+len(b1))
	ttc = append(append(append(append(ttc, d1...), d2...), b1...), b2...)

	got, err := FirstFont(ttc)
	if err != nil {
		t.Fatal(err)
	}
	if binary.BigEndian.Uint32(got) != 0x00010000 {
		t.Errorf("not an sfnt: % x", got[:4])
	}
	tables := tablesOf(t, got)
	if len(tables) != len(first) {
		t.Errorf("got tables %v", tables)
	}
	for tag, want := range first {
		if !bytes.Equal(tables[tag], want) {
			t.Errorf("table %q = %q, want %q", tag, tables[tag], want)
		}
	}
}

func TestFirstFontKeepsASingleFont(t *testing.T) {
	d, b := sfnt(map[string][]byte{"cmap": []byte("x")}, []string{"cmap"})
	font := append(d, b...)
	got, err := FirstFont(font)
	if err != nil || !bytes.Equal(got, font) {
		t.Errorf("FirstFont changed a single font: %v", err)
	}
}

func TestFirstFontRefusesBrokenCollections(t *testing.T) {
	header := func(fonts, at uint32) []byte {
		b := make([]byte, 16)
		copy(b, "ttcf")
		binary.BigEndian.PutUint32(b[8:], fonts)
		binary.BigEndian.PutUint32(b[12:], at)
		return b
	}
	pastEnd := header(1, 16)
	pastEnd = append(pastEnd, make([]byte, sfntHeaderLen+tableRecordLen)...)
	binary.BigEndian.PutUint16(pastEnd[16+4:], 1)
	binary.BigEndian.PutUint32(pastEnd[16+sfntHeaderLen+8:], 0xFFFFFF00)
	binary.BigEndian.PutUint32(pastEnd[16+sfntHeaderLen+12:], 0x1000)
	for name, data := range map[string][]byte{
		"short":                 []byte("ttcf"),
		"no fonts":              header(0, 16),
		"font offset past end":  header(1, 1<<30),
		"no tables":             append(header(1, 16), make([]byte, sfntHeaderLen)...),
		"table offset past end": pastEnd,
	} {
		if _, err := FirstFont(data); !errors.Is(err, ErrBadFont) {
			t.Errorf("%s: err = %v, want ErrBadFont", name, err)
		}
	}
}

func TestLoadFont(t *testing.T) {
	d, b := sfnt(map[string][]byte{"cmap": []byte("x")}, []string{"cmap"})
	path := filepath.Join(t.TempDir(), "Font.otf")
	if err := os.WriteFile(path, append(d, b...), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := LoadFont(path)
	if err != nil {
		t.Fatal(err)
	}
	if res.Name() != "Font.ttf" || len(res.Content()) != len(d)+len(b) {
		t.Errorf("got %s, %d bytes", res.Name(), len(res.Content()))
	}
	if _, err := LoadFont(filepath.Join(t.TempDir(), "none.ttf")); err == nil {
		t.Error("LoadFont of a missing file succeeded")
	}
}

// The font CJKFont finds here, if any, loads as a single font.
func TestLoadFontOnThisMachine(t *testing.T) {
	path := CJKFont()
	if path == "" {
		testenv.Unavailable(t, "no Japanese font on this machine (apt-get install fontconfig fonts-ipaexfont-gothic)")
		return
	}
	res, err := LoadFont(path)
	if err != nil {
		t.Fatal(err)
	}
	content := res.Content()
	if string(content[:4]) == "ttcf" {
		t.Fatalf("%s is still a collection", path)
	}
	if tables := tablesOf(t, content); tables["cmap"] == nil {
		t.Errorf("%s: no cmap table among %d", path, len(tables))
	}
}
