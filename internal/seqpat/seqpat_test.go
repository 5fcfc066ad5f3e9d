package seqpat

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRegexp(t *testing.T) {
	for _, c := range []struct {
		pat, name string
		want      bool
		n         string
	}{
		{"img_%04d.png", "img_0001.png", true, "0001"},
		{"img_%04d.png", "img_12345.png", true, "12345"},
		{"img_%04d.png", "img_.png", false, ""},
		{"img_%d.png", "img_7.png", true, "7"},
		{"a%%b_%03d.tif", "a%b_001.tif", true, "001"},
		{"a.b_%03d.tif", "axb_001.tif", false, ""},
	} {
		re, err := Regexp(c.pat)
		if err != nil {
			t.Fatal(err)
		}
		m := re.FindStringSubmatch(c.name)
		if (m != nil) != c.want || (m != nil && m[1] != c.n) {
			t.Errorf("%s ~ %s = %q, want match %v with number %q", c.pat, c.name, m, c.want, c.n)
		}
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"img_0002.png", "img_0010.png", "img_x.png", "other_0001.png"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "img_0003.png"), 0o755); err != nil {
		t.Fatal(err)
	}
	got := Files(filepath.Join(dir, "img_%04d.png"))
	want := []Match{{filepath.Join(dir, "img_0002.png"), 2}, {filepath.Join(dir, "img_0010.png"), 10}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Files = %v, want %v", got, want)
	}
}
