package web

import (
	"testing"
)

func TestHeaderSize(t *testing.T) {
	png := writeTemp(t, "a.png", pngBytes(t, cleanImage(41, 17, true, true)))
	tif := ffmpegFile(t, "b.tif", "-i", png, "-pix_fmt", "rgb48le")
	tifGray := ffmpegFile(t, "c.tif", "-i", png, "-pix_fmt", "gray")
	for _, c := range []struct {
		name string
		path string
		ok   bool
	}{
		{"png", png, true},
		{"tiff", writeTemp(t, "b.tif", tif), true},
		{"tiff gray", writeTemp(t, "c.tif", tifGray), true},
		{"text", writeTemp(t, "d.txt", []byte("II*\x00 not really a tiff")), false},
		{"video", writeTemp(t, "e.mkv", testVideo(t)), false},
	} {
		w, h, ok := headerSize(c.path)
		if ok != c.ok || (ok && (w != 41 || h != 17)) {
			t.Errorf("%s: %d×%d %v", c.name, w, h, ok)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{900: "900 B", 2000: "1.95 KiB", 64 << 20: "64 MiB", 3 << 29: "1.5 GiB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
