package main

// What a first-time user runs into: the input is never overwritten, the default settings
// denoise, presets do not get in the way of explicit choices, and the command line behaves
// the way ffmpeg users expect.

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInputNeverOverwritten: -y replaces an existing output, never the input, whatever
// path reaches it.
func TestInputNeverOverwritten(t *testing.T) {
	need(t, "ffmpeg")
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=1", "-c:v", "libx264", p("noisy.mp4"))
	if err := os.Symlink(p("noisy.mp4"), p("link.mp4")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(p("noisy.mp4"), p("hard.mp4")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(p("seq"), 0o755); err != nil {
		t.Fatal(err)
	}
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-frames:v", "3", p("seq/img_%04d.png"))
	before := map[string][]byte{}
	for _, f := range []string{"noisy.mp4", "seq/img_0001.png", "seq/img_0002.png", "seq/img_0003.png"} {
		b, err := os.ReadFile(p(f))
		if err != nil {
			t.Fatal(err)
		}
		before[f] = b
	}
	for _, c := range []struct{ name, in, out string }{
		{"same name", p("noisy.mp4"), p("noisy.mp4")},
		{"other spelling", p("noisy.mp4"), dir + "/seq/../noisy.mp4"},
		{"symlink", p("noisy.mp4"), p("link.mp4")},
		{"hard link", p("noisy.mp4"), p("hard.mp4")},
		{"same pattern", p("seq/img_%04d.png"), p("seq/img_%04d.png")},
		{"one file of the pattern", p("seq/img_%04d.png"), p("seq/img_0002.png")},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runDenoise(t, nil, "-i", c.in, "-o", c.out, "-y", "--mode", "nlm")
			if r.code == 0 {
				t.Fatalf("exit 0: the input was written over")
			}
			line := strings.TrimSpace(r.stderr)
			if strings.Contains(line, "\n") || !strings.Contains(line, "is the input") {
				t.Fatalf("want one line saying the output is the input, got:\n%s", r.stderr)
			}
		})
	}
	for f, b := range before {
		if got, _ := os.ReadFile(p(f)); !bytes.Equal(got, b) {
			t.Errorf("%s changed (%d bytes, was %d)", f, len(got), len(b))
		}
	}
}
