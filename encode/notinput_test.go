package encode

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNotInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clip := write("noisy.mp4")
	other := write("other.mp4")
	if err := os.Symlink(clip, filepath.Join(dir, "link.mp4")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(clip, filepath.Join(dir, "hard.mp4")); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		write(fmt.Sprintf("seq/img_%04d.png", i))
	}
	write("seq/other_0001.png")
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)

	refused := []struct{ name, out, in string }{
		{"same path", clip, clip},
		{"relative spelling", "../noisy.mp4", clip},
		{"dot segments", filepath.Join(dir, "seq") + "/../noisy.mp4", clip},
		{"symlink", filepath.Join(dir, "link.mp4"), clip},
		{"input through symlink", clip, filepath.Join(dir, "link.mp4")},
		{"hard link", filepath.Join(dir, "hard.mp4"), clip},
		{"same pattern", filepath.Join(dir, "seq/img_%04d.png"), filepath.Join(dir, "seq/img_%04d.png")},
		{"other width", filepath.Join(dir, "seq/img_%d.png"), filepath.Join(dir, "seq/img_%04d.png")},
		{"file of the pattern", filepath.Join(dir, "seq/img_0002.png"), filepath.Join(dir, "seq/img_%04d.png")},
		{"pattern over a file", filepath.Join(dir, "seq/img_%04d.png"), filepath.Join(dir, "seq/img_0003.png")},
		{"glob", filepath.Join(dir, "seq/img_0001.png"), filepath.Join(dir, "seq/*.png")},
		{"folder", filepath.Join(dir, "seq/other_%04d.png"), filepath.Join(dir, "seq")},
		{"the folder itself", filepath.Join(dir, "seq"), filepath.Join(dir, "seq")},
	}
	for _, c := range refused {
		err := NotInput(c.out, c.in)
		if err == nil {
			t.Errorf("%s: NotInput(%q, %q) = nil, want a refusal", c.name, c.out, c.in)
		} else if !strings.Contains(err.Error(), "is the input") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: message %q should be one line saying the output is the input", c.name, err)
		}
		if err := Preflight(Options{Output: c.out, Input: c.in, Overwrite: true}); err == nil {
			t.Errorf("%s: Preflight with Overwrite let the input be overwritten", c.name)
		}
	}
	allowed := []struct{ name, out, in string }{
		{"other file", other, clip},
		{"new file", filepath.Join(dir, "clean.mp4"), clip},
		{"other pattern", filepath.Join(dir, "seq/clean_%04d.png"), filepath.Join(dir, "seq/img_%04d.png")},
		{"other prefix", filepath.Join(dir, "seq/other_%04d.png"), filepath.Join(dir, "seq/img_%04d.png")},
		{"stdout", "-", clip},
		{"stdin", clip, "-"},
		{"url", "udp://127.0.0.1:1234", clip},
	}
	for _, c := range allowed {
		if err := NotInput(c.out, c.in); err != nil {
			t.Errorf("%s: NotInput(%q, %q) = %v, want nil", c.name, c.out, c.in, err)
		}
	}
}
