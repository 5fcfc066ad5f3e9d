package tiffstack

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen: Open and ReadPage never panic, and what they accept reads back consistently.
func FuzzOpen(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join(fixtures, "*.tif"))
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil && len(b) < 8<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte("MM\x00*\x00\x00\x00\x08\x00\x00"))
	f.Add([]byte("II*\x00\x08\x00\x00\x00\x01\x00\x00\x01\x04\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tf, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		var buf []byte
		for i, p := range tf.Pages {
			if i == 16 {
				break
			}
			if buf, err = tf.ReadPage(i, buf); err != nil {
				continue
			}
			if len(buf) != p.PageBytes() {
				t.Fatalf("page %d: %d bytes, want %d", i, len(buf), p.PageBytes())
			}
		}
	})
}

func FuzzParseImageJ(f *testing.F) {
	f.Add("ImageJ=1.53t\nimages=24\nchannels=2\nslices=3\nframes=4\nhyperstack=true\n")
	f.Add("ImageJ=\nchannels=-1\nimages=99999999999\n")
	f.Fuzz(func(t *testing.T, s string) {
		ij := ParseImageJ(s)
		if ij == nil {
			return
		}
		if ij.Channels < 1 || ij.Slices < 1 || ij.Frames < 1 || ij.Images < 1 {
			t.Fatalf("%+v", ij)
		}
	})
}

// FuzzDecompress feeds arbitrary strips to the decoders.
func FuzzDecompress(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join(fixtures, "lzw16.tif")); err == nil {
		f.Add(uint16(CompressionLZW), uint16(2640), b[8:])
	}
	f.Add(uint16(CompressionPackBits), uint16(64), []byte{0xfe, 7, 2, 1, 2, 3, 0x80, 0x81, 9})
	f.Add(uint16(CompressionDeflate), uint16(16), []byte{0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01})
	f.Fuzz(func(t *testing.T, comp, want uint16, raw []byte) {
		got, err := decompress(int(comp), raw, int(want), nil)
		if err == nil && len(got) != int(want) {
			t.Fatalf("%d bytes, want %d", len(got), want)
		}
	})
}
