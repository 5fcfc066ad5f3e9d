package decode

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCompareNames(t *testing.T) {
	got := []string{"img10.png", "img2.png", "img1.png", "img02.png", "img1b.png", "a/img3.png", "img.png"}
	slices.SortFunc(got, compareNames)
	want := []string{"a/img3.png", "img.png", "img1.png", "img1b.png", "img02.png", "img2.png", "img10.png"}
	if !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	padded := []string{"f_0010.png", "f_0002.png", "f_0001.png", "f_0100.png"}
	bytewise := slices.Clone(padded)
	slices.SortFunc(padded, compareNames)
	slices.Sort(bytewise)
	if !slices.Equal(padded, bytewise) {
		t.Fatalf("zero-padded names: %v, byte order %v", padded, bytewise)
	}
}

// TestSequenceFiles: what a folder or a glob names, and what is refused.
func TestSequenceFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(names ...string) {
		for _, n := range names {
			p := filepath.Join(dir, n)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("seq/b10.PNG", "seq/b9.png", "seq/.DS_Store", "seq/sub/x.txt", "mixed/a.png", "mixed/b.jpg", "other/a.png", "other/notes.txt", "film.mkv")
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, c := range []struct {
		in    string
		files []string
		err   string
	}{
		{in: p("seq"), files: []string{p("seq/b9.png"), p("seq/b10.PNG")}},
		{in: p("seq/b*"), files: []string{p("seq/b9.png"), p("seq/b10.PNG")}},
		{in: p("film.mkv")},
		{in: p("img_%04d.png")},
		{in: p("mixed"), err: "more than one kind (1 .png, 1 .jpg)"},
		{in: p("other"), err: "other files (notes.txt)"},
		{in: p("empty"), err: "empty"},
		{in: p("seq/*.jpg"), err: "no file matches"},
		{in: p("mixed/*"), err: "more than one kind"},
		{in: p("seq/[b"), err: "bad glob"},
	} {
		files, err := sequenceFiles(c.in)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want one saying %q", c.in, err, c.err)
		case c.err == "" && (err != nil || !slices.Equal(files, c.files)):
			t.Errorf("%s: %v, %v; want %v", c.in, files, err, c.files)
		}
	}
}
