package dicom

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: Parse, ReadFrame and Derived never panic, and a derived file parses back with
// the same frames.
func FuzzParse(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join(fixtures, "*.dcm"))
	more, _ := filepath.Glob(filepath.Join(fixtures, "series", "*.dcm"))
	for _, n := range append(names, more[:1]...) {
		if b, err := os.ReadFile(n); err == nil {
			f.Add(b)
		}
	}
	f.Add(part10("1.2.840.10008.1.2.4.50", nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		var pix []byte
		for i := 0; i < d.Image.Frames; i++ {
			b, err := d.ReadFrame(i, nil)
			if err != nil {
				t.Fatalf("frame %d of an accepted file: %v", i, err)
			}
			pix = append(pix, b...)
		}
		out, err := d.Derived(pix, "")
		if err != nil {
			t.Fatal(err)
		}
		e, err := Parse(bytes.NewReader(out), int64(len(out)))
		if err != nil {
			t.Fatalf("derived file does not parse: %v", err)
		}
		var pix2 []byte
		for i := 0; i < e.Image.Frames; i++ {
			b, err := e.ReadFrame(i, nil)
			if err != nil {
				t.Fatal(err)
			}
			pix2 = append(pix2, b...)
		}
		if !bytes.Equal(pix, pix2) {
			t.Fatalf("derived pixels differ")
		}
	})
}
