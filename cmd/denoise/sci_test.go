package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/internal/testenv"
	"github.com/denoise-go/denoise/sci"
	"github.com/denoise-go/denoise/sci/sample"
	"github.com/denoise-go/denoise/sci/tiffstack"
)

const sciData = "../../testdata/sci/"

// runQuiet runs realMain with standard error captured.
func runQuiet(t *testing.T, args ...string) (int, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	code := realMain(args)
	os.Stderr = old
	w.Close()
	return code, <-done
}

// writeStack16 writes a little multi-page 16-bit TIFF of random codes (every bit used).
func writeStack16(t *testing.T, path string, w, h, pages int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o := binary.LittleEndian
	tags := []tiffstack.Tag{tiffstack.ASCII(tiffstack.TagImageDescription, "a test stack"),
		tiffstack.Rational(o, tiffstack.TagXResolution, 3, 1), tiffstack.Rational(o, tiffstack.TagYResolution, 3, 1)}
	tw, err := tiffstack.NewWriter(f, tiffstack.WriterConfig{Width: w, Height: h, Samples: 1, DType: sample.Uint16, Pages: pages,
		Tags: func(int) []tiffstack.Tag { return tags }})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for p := range pages {
		data := make([]byte, 2*w*h)
		for i := range w * h {
			o.PutUint16(data[2*i:], uint16(rng.Uint32()))
		}
		o.PutUint16(data, 0)
		o.PutUint16(data[2:], 65535)
		if err := tw.WritePage(p, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

func openStack(t *testing.T, path string) *sci.Stack {
	t.Helper()
	s, err := sci.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// samePages compares the stored samples of every page of two TIFF stacks.
func samePages(t *testing.T, a, b *sci.Stack) {
	t.Helper()
	if len(a.TIFF.Pages) != len(b.TIFF.Pages) {
		t.Fatalf("%d pages, then %d", len(a.TIFF.Pages), len(b.TIFF.Pages))
	}
	for i := range a.TIFF.Pages {
		pa, err := a.TIFF.ReadPage(i, nil)
		if err != nil {
			t.Fatal(err)
		}
		pb, err := b.TIFF.ReadPage(i, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pa, pb) {
			t.Fatalf("page %d differs", i)
		}
	}
}

// A 16-bit stack (generated, and an ImageJ hyperstack of two channels) through --mode copy
// comes back bit-identical, with its metadata.
func TestSciCopyBitIdentical(t *testing.T) {
	dir := t.TempDir()
	gen := filepath.Join(dir, "gen.tif")
	writeStack16(t, gen, 23, 17, 4)
	for _, in := range []string{gen, sciData + "tiff/ij_hyper.tif"} {
		out := filepath.Join(dir, "out_"+filepath.Base(in))
		if code, stderr := runQuiet(t, "-i", in, "-o", out, "--mode", "copy", "--log-level", "warn"); code != 0 {
			t.Fatalf("%s: exit %d: %s", in, code, stderr)
		}
		a, b := openStack(t, in), openStack(t, out)
		samePages(t, a, b)
		for _, k := range []string{"tiff.description", "tiff.x_resolution", "imagej.channels", "imagej.slices", "imagej.frames", "imagej.unit"} {
			if a.Get(k) != b.Get(k) {
				t.Errorf("%s: %s %q became %q", in, k, a.Get(k), b.Get(k))
			}
		}
	}
	// The noise models leave copy alone.
	out := filepath.Join(dir, "pg.tif")
	if code, stderr := runQuiet(t, "-i", gen, "-o", out, "--mode", "copy", "--noise-model", "poisson-gaussian"); code != 0 {
		t.Fatalf("copy with poisson-gaussian: exit %d: %s", code, stderr)
	}
	samePages(t, openStack(t, gen), openStack(t, out))
}

// A DICOM file, a DICOM series and NIfTI volumes through --mode nlm give valid files of the
// same format and geometry, with their metadata.
func TestSciNLMGeometry(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		in, out string
		args    []string
	}{
		{"dicom/explicit_mf8.dcm", "mf8.dcm", nil},
		{"dicom/series", "series", []string{"--noise-model", "rician"}},
		{"nifti/i16_be.nii", "i16.nii", nil},
		{"nifti/u8.nii.gz", "u8.nii.gz", []string{"--preset", "mri"}},
		{"tiff/ij_hyper.tif", "hyper.tif", []string{"--mode", "stnlm"}},
	} {
		in, out := sciData+c.in, filepath.Join(dir, c.out)
		args := append([]string{"-i", in, "-o", out, "--mode", "nlm", "--log-level", "warn"}, c.args...)
		if code, stderr := runQuiet(t, args...); code != 0 {
			t.Fatalf("%s: exit %d: %s", c.in, code, stderr)
		}
		a, b := openStack(t, in), openStack(t, out)
		if a.Format != b.Format || a.Width != b.Width || a.Height != b.Height || a.Len() != b.Len() ||
			a.Channels() != b.Channels() || a.BitDepth() != b.BitDepth() {
			t.Errorf("%s: %v became %v", c.in, a, b)
		}
		for _, k := range []string{"dicom.modality", "dicom.pixel_spacing", "dicom.series_instance_uid", "nifti.pixdim", "nifti.descrip", "imagej.channels"} {
			if a.Get(k) != b.Get(k) {
				t.Errorf("%s: %s %q became %q", c.in, k, a.Get(k), b.Get(k))
			}
		}
	}
}

func TestSciRefusals(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.tif")
	writeStack16(t, in, 8, 8, 2)
	out := filepath.Join(dir, "out.tif")
	if err := os.WriteFile(out, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-i", in, "-o", out}, "already exists"},
		{[]string{"-i", in, "-o", in, "-y"}, "is the input"},
		{[]string{"-i", in, "-o", filepath.Join(dir, "x.mkv")}, "cannot write"},
		{[]string{"-i", in, "-o", filepath.Join(dir, "y.tif"), "--mode", "median", "--noise-model", "rician"}, "rician"},
		{[]string{"-i", in, "-o", filepath.Join(dir, "z.tif"), "--mode", "nlm", "--noise-model", "poisson-gaussian"}, "Poisson-Gaussian"},
	} {
		code, stderr := runQuiet(t, append(c.args, "--log-level", "warn")...)
		if code != exitError || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q (want one line with %q)", c.args, code, stderr, c.want)
		}
	}
	if b, _ := os.ReadFile(out); string(b) != "keep me" {
		t.Error("the existing output was overwritten without -y")
	}
	for _, name := range []string{"y.tif", "z.tif"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s left behind by a failed run", name)
		}
	}
	// With -y it is overwritten.
	if code, stderr := runQuiet(t, "-i", in, "-o", out, "-y", "--mode", "copy", "--log-level", "warn"); code != 0 {
		t.Fatalf("-y: exit %d: %s", code, stderr)
	}
	samePages(t, openStack(t, in), openStack(t, out))
}

func TestSciInputDetection(t *testing.T) {
	for _, c := range []struct {
		in  string
		sci bool
	}{
		{sciData + "tiff/ij_hyper.tif", true},
		{sciData + "tiff/deflate_pred.tif", true}, // two pages
		{sciData + "tiff/lzw16.tif", false},       // one page: FFmpeg reads it
		{sciData + "dicom/series", true},
		{sciData + "dicom/implicit_s12.dcm", true},
		{sciData + "nifti/u8.nii.gz", true},
		{sciData + "nifti/u16.nii", true},
		{"../../testdata/sample_noisy.mkv", false},
		{"img_%04d.png", false},
	} {
		if got := isSciInput(&configs.Config{Input: c.in}); got != c.sci {
			t.Errorf("%s: sci %v, want %v", c.in, got, c.sci)
		}
	}
	if isSciInput(&configs.Config{Input: sciData + "tiff/ij_hyper.tif", InputFormat: "tiff_pipe"}) {
		t.Error("-f kept the input away from FFmpeg")
	}
}

// The 16-bit stacks of the shared data come back bit-identical through --mode copy: a
// time-lapse, and an ImageJ stack of three channels.
func TestSciCopySharedData(t *testing.T) {
	dir := t.TempDir()
	for _, rel := range []string{"fluorescence/membrane_2d_timelapse/membrane_2d_timelapse.tif", "fluorescence/hela_cells/hela-cells.tif"} {
		in := filepath.Join(testenv.SharedDir(), "datasets", rel)
		if _, err := os.Stat(in); err != nil {
			t.Skip("no shared dataset: ", in)
		}
		out := filepath.Join(dir, filepath.Base(in))
		if code, stderr := runQuiet(t, "-i", in, "-o", out, "--mode", "copy", "--log-level", "warn"); code != 0 {
			t.Fatalf("%s: exit %d: %s", rel, code, stderr)
		}
		a, b := openStack(t, in), openStack(t, out)
		if a.BitDepth() != 16 {
			t.Errorf("%s: %d bits", rel, a.BitDepth())
		}
		samePages(t, a, b)
	}
}
