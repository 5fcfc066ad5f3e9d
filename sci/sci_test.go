package sci

import (
	"bytes"
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/sci/nifti"
	"github.com/denoise-go/denoise/sci/sample"
	"github.com/denoise-go/denoise/sci/tiffstack"
)

const td = "../testdata/sci/"

func open(t testing.TB, path string) *Stack {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no %s", path)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// copyStack runs every channel of s through pipeline.Run into a writer of out, as a
// --mode copy run would, and reopens the result.
func copyStack(t *testing.T, s *Stack, out string) *Stack {
	t.Helper()
	w, err := Create(out, s)
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < s.Channels(); c++ {
		st, err := pipeline.Run(context.Background(), pipeline.Config{Source: s.Channel(c), Sink: w.Channel(c)})
		if err != nil {
			t.Fatal(err)
		}
		if st.FramesOut != int64(s.Len()) {
			t.Fatalf("channel %d: %d frames out", c, st.FramesOut)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return open(t, out)
}

// sameStored compares the stored samples of two stacks of the same format.
func sameStored(t *testing.T, a, b *Stack) {
	t.Helper()
	if a.Format != b.Format || a.Channels() != b.Channels() || a.Len() != b.Len() || a.Width != b.Width || a.Height != b.Height {
		t.Fatalf("shape %v %d×%d %dx%d, want %v %d×%d %dx%d", b.Format, b.Channels(), b.Len(), b.Width, b.Height,
			a.Format, a.Channels(), a.Len(), a.Width, a.Height)
	}
	switch a.Format {
	case TIFF:
		for k, i := range a.tiffPages {
			x, err1 := a.TIFF.ReadPage(i, nil)
			y, err2 := b.TIFF.ReadPage(b.tiffPages[k], nil)
			if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
				t.Fatalf("page %d differs (%v, %v)", i, err1, err2)
			}
		}
	case DICOM:
		for k, f := range a.DICOM.Files {
			x, err1 := f.RawPixelData()
			y, err2 := b.DICOM.Files[k].RawPixelData()
			if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
				t.Fatalf("file %s: pixel data differs (%v, %v)", a.DICOM.Names[k], err1, err2)
			}
		}
	case NIfTI:
		if x, y := voxels(t, a), voxels(t, b); len(x) == 0 || !bytes.Equal(x, y) {
			t.Fatalf("voxels differ")
		}
	}
}

// voxels reads a NIfTI stack's voxels whole (the stack reads them slice by slice).
func voxels(t *testing.T, s *Stack) []byte {
	t.Helper()
	im, err := nifti.ReadFile(s.Path)
	if err != nil {
		t.Fatal(err)
	}
	return im.Data
}

// sameMeta checks the metadata each format keeps.
func sameMeta(t *testing.T, a, b *Stack) {
	t.Helper()
	switch a.Format {
	case TIFF:
		for k, i := range a.tiffPages {
			p, q := a.TIFF.Pages[i], b.TIFF.Pages[b.tiffPages[k]]
			for _, tg := range p.Tags {
				switch tg.Code {
				case tiffstack.TagStripOffsets, tiffstack.TagStripByteCounts, tiffstack.TagRowsPerStrip,
					tiffstack.TagCompression, tiffstack.TagPredictor, tiffstack.TagPlanarConfiguration,
					tiffstack.TagTileWidth, tiffstack.TagTileLength, tiffstack.TagTileOffsets, tiffstack.TagTileByteCounts,
					tiffstack.TagImageWidth, tiffstack.TagImageLength, tiffstack.TagBitsPerSample, tiffstack.TagSampleFormat:
					continue
				case tiffstack.TagImageDescription, tiffstack.TagIJMetadata, tiffstack.TagIJMetadataByteCounts:
					if p.Synthetic() { // ImageJ's metadata belongs to the first page only
						continue
					}
				}
				u, ok := q.Tag(tg.Code)
				if !ok || !bytes.Equal(u.Value, tg.Value) || u.Type != tg.Type {
					t.Errorf("page %d: tag %d not kept", i, tg.Code)
				}
			}
		}
		if a.TIFF.ByteOrder != b.TIFF.ByteOrder {
			t.Errorf("byte order changed")
		}
	case DICOM:
		for k, f := range a.DICOM.Files {
			g := b.DICOM.Files[k]
			if g.TransferSyntax != f.TransferSyntax || g.Image.SOPInstanceUID == f.Image.SOPInstanceUID ||
				g.Image.SeriesInstanceUID != f.Image.SeriesInstanceUID || g.Image.RescaleSlope != f.Image.RescaleSlope {
				t.Errorf("file %d: header not kept as expected", k)
			}
		}
	case NIfTI:
		if a.NIfTI.Raw != b.NIfTI.Raw || !bytes.Equal(a.NIfTI.Extra, b.NIfTI.Extra) {
			t.Errorf("header or extensions changed")
		}
	}
	for _, f := range a.Meta {
		if strings.HasPrefix(f.Key, "dicom.series") || f.Key == "tiff.pages" || f.Key == "tiff.compression" || f.Key == "dicom.skipped" {
			continue
		}
		if got := b.Get(f.Key); got != f.Value {
			t.Errorf("meta %s = %q, want %q", f.Key, got, f.Value)
		}
	}
}

func outName(dir, in string) string {
	base := filepath.Base(in)
	if fi, err := os.Stat(in); err == nil && fi.IsDir() {
		return filepath.Join(dir, base+"_out")
	}
	return filepath.Join(dir, "out_"+base)
}

type shape struct {
	format                  Format
	channels, n, w, h, bits int
	slices, frames          int
}

var exactCases = map[string]shape{
	td + "tiff/ij_hyper.tif":      {TIFF, 2, 6, 5, 6, 16, 3, 2},
	td + "tiff/ij_truncated.tif":  {TIFF, 1, 4, 5, 3, 16, 1, 4},
	td + "tiff/be_rgb16.tif":      {TIFF, 3, 2, 7, 5, 16, 1, 2},
	td + "tiff/tiled_planar.tif":  {TIFF, 3, 1, 20, 18, 8, 1, 1},
	td + "tiff/int16.tif":         {TIFF, 1, 2, 8, 4, 16, 1, 2},
	td + "tiff/deflate_pred.tif":  {TIFF, 1, 2, 11, 9, 16, 1, 2},
	td + "tiff/lzw16.tif":         {TIFF, 1, 1, 33, 40, 16, 1, 1},
	td + "tiff/lzw_noise8.tif":    {TIFF, 1, 1, 80, 80, 8, 1, 1},
	td + "tiff/packbits8.tif":     {TIFF, 1, 1, 21, 13, 8, 1, 1},
	td + "dicom/implicit_s12.dcm": {DICOM, 1, 1, 6, 5, 12, 1, 1},
	td + "dicom/explicit_mf8.dcm": {DICOM, 1, 3, 7, 4, 8, 3, 1},
	td + "dicom/rgb_planar.dcm":   {DICOM, 3, 2, 4, 3, 8, 2, 1},
	td + "dicom/series":           {DICOM, 1, 3, 4, 4, 12, 3, 1},
	td + "nifti/i16_be.nii":       {NIfTI, 1, 2, 6, 5, 16, 2, 1},
	td + "nifti/u16.nii":          {NIfTI, 1, 2, 4, 3, 16, 2, 1},
	td + "nifti/u8.nii.gz":        {NIfTI, 1, 2, 7, 3, 8, 2, 1},
	td + "nifti/i8.nii":           {NIfTI, 1, 2, 3, 3, 8, 2, 1},
	td + "nifti/f64_int.nii":      {NIfTI, 1, 2, 3, 4, 16, 2, 1},
	sharedRoot + "/datasets/fluorescence/membrane_2d_timelapse/membrane_2d_timelapse.tif": {TIFF, 1, 5, 256, 256, 16, 1, 5},
	sharedRoot + "/datasets/fluorescence/hela_cells/hela-cells.tif":                       {TIFF, 3, 1, 672, 512, 16, 1, 1},
	sharedRoot + "/datasets/mri/pydicom_emri_small/emri_small.dcm":                        {DICOM, 1, 10, 64, 64, 12, 10, 1},
	sharedRoot + "/datasets/mri/niivue_mr_gd/MR_Gd.nii.gz":                                {NIfTI, 1, 144, 176, 188, 8, 144, 1},
	sharedRoot + "/datasets/mri/niivue_chris_t1/chris_t1.nii.gz":                          {NIfTI, 1, 190, 188, 256, 8, 190, 1},
	"/usr/lib/python3/dist-packages/nibabel/tests/data/example4d.nii.gz":                  {NIfTI, 1, 48, 128, 96, 16, 24, 2},
	"/usr/lib/python3/dist-packages/nibabel/tests/data/anatomical.nii":                    {NIfTI, 1, 25, 33, 41, 16, 25, 1},
}

func TestRoundTripBitIdentical(t *testing.T) {
	for path, want := range exactCases {
		t.Run(filepath.Base(path), func(t *testing.T) {
			s := open(t, path)
			got := shape{s.Format, s.Channels(), s.Len(), s.Width, s.Height, s.BitDepth(), s.Slices, s.Frames}
			if got != want {
				t.Fatalf("shape %+v, want %+v", got, want)
			}
			if !s.Mapping.Exact {
				t.Fatalf("mapping %v is not exact", s.Mapping)
			}
			b := copyStack(t, s, outName(t.TempDir(), path))
			sameStored(t, s, b)
			sameMeta(t, s, b)
		})
	}
}

func TestSeriesFromNibabel(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"0.dcm", "1.dcm"} {
		b, err := os.ReadFile("/usr/lib/python3/dist-packages/nibabel/tests/data/" + n)
		if err != nil {
			t.Skip(err)
		}
		os.WriteFile(filepath.Join(dir, n), b, 0o644)
	}
	s := open(t, dir)
	if s.Len() != 2 || s.BitDepth() != 12 || s.DICOM.Names[0] != "0.dcm" {
		t.Fatalf("%v %v", s, s.DICOM.Names)
	}
	b := copyStack(t, s, filepath.Join(t.TempDir(), "out"))
	sameStored(t, s, b)
	sameMeta(t, s, b)
}

// Lossy mappings (float data, int32 beyond 16 bits) come back within half a code step.
func TestRoundTripLossy(t *testing.T) {
	for _, path := range []string{td + "tiff/float32.tif", td + "nifti/f32_4d.nii.gz", td + "nifti/i32.nii"} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			s := open(t, path)
			if s.Mapping.Exact || s.BitDepth() != 16 {
				t.Fatalf("mapping %v", s.Mapping)
			}
			b := copyStack(t, s, outName(t.TempDir(), path))
			sameMeta(t, s, b)
			var x, y []byte
			var dt sample.DType
			switch s.Format {
			case TIFF:
				dt = s.TIFF.Pages[0].DType
				for i := range s.TIFF.Pages {
					p, _ := s.TIFF.ReadPage(i, nil)
					q, _ := b.TIFF.ReadPage(i, nil)
					x, y = append(x, p...), append(y, q...)
				}
			case NIfTI:
				dt, x, y = s.NIfTI.DType, voxels(t, s), voxels(t, b)
				if b.NIfTI.DType != dt {
					t.Fatalf("datatype %v, want %v", b.NIfTI.DType, dt)
				}
			}
			tol := s.Mapping.Scale/2 + 1e-6*math.Abs(s.Mapping.Offset)
			if dt.IsFloat() {
				tol += 1e-3
			} else {
				tol += 0.5
			}
			for i := 0; i < len(x)/dt.Size(); i++ {
				if d := math.Abs(dt.Get(x, i) - dt.Get(y, i)); d > tol {
					t.Fatalf("sample %d: %v → %v (tolerance %v)", i, dt.Get(x, i), dt.Get(y, i), tol)
				}
			}
		})
	}
}

// Frames carry the stored codes scaled by 2^bits−1, channel by channel.
func TestFrameValues(t *testing.T) {
	s := open(t, td+"tiff/ij_hyper.tif")
	for c := 0; c < 2; c++ {
		q := s.Channel(c)
		for i := 0; ; i++ {
			f, err := q.Next(context.Background())
			if err == io.EOF {
				if i != 6 {
					t.Fatalf("channel %d: %d frames", c, i)
				}
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Format.BitDepth != 16 || f.Format.Layout != frame.Gray || f.Format.PixFmt != "gray16le" {
				t.Fatalf("format %+v", f.Format)
			}
			page := i*2 + c
			for _, xy := range [][2]int{{0, 0}, {4, 5}, {2, 3}} {
				x, y := xy[0], xy[1]
				want := (x*257 + y*4099 + page*131) % 65536
				if got := f.Planes[0].Row(y)[x] * 65535; math.Round(float64(got)) != float64(want) {
					t.Fatalf("channel %d image %d (%d,%d): %v, want %d", c, i, x, y, got, want)
				}
			}
			f.Release()
		}
	}
	// Signed DICOM: code = value + 2048 (12 bits stored).
	d := open(t, td+"dicom/implicit_s12.dcm")
	f, err := d.Channel(0).Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := math.Round(float64(f.Planes[0].Pix[0] * 4095)); got != 0 || d.Mapping.Offset != -2048 || d.Get("dicom.rescale_slope") != "0.5" {
		t.Fatalf("first code %v, mapping %v, slope %q", got, d.Mapping, d.Get("dicom.rescale_slope"))
	}
}

// A DICOM or NIfTI stack written to .tif is an ImageJ stack of the codes.
func TestToTIFF(t *testing.T) {
	for _, path := range []string{td + "dicom/rgb_planar.dcm", td + "nifti/f32_4d.nii.gz", td + "dicom/implicit_s12.dcm"} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			s := open(t, path)
			out := filepath.Join(t.TempDir(), "x.tif")
			w, err := Create(out, s)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := pipeline.Run(context.Background(), pipeline.Config{Source: s.All(), Sink: w}); err != nil {
				t.Fatal(err)
			}
			b := open(t, out)
			if b.Channels() != s.Channels() || b.Len() != s.Len() || b.Slices != s.Slices || b.Frames != s.Frames {
				t.Fatalf("%v from %v", b, s)
			}
			qa, qb := s.All(), b.All()
			for {
				fa, err := qa.Next(context.Background())
				if err == io.EOF {
					break
				}
				fb, _ := qb.Next(context.Background())
				for k, v := range fa.Planes[0].Pix {
					ca := math.Round(float64(v) * s.Mapping.MaxCode())
					cb := math.Round(float64(fb.Planes[0].Pix[k]) * b.Mapping.MaxCode())
					if ca != cb {
						t.Fatalf("frame %d sample %d: code %v, want %v", fa.Index, k, cb, ca)
					}
				}
			}
		})
	}
}

func TestIncompleteWrite(t *testing.T) {
	s := open(t, td+"tiff/ij_hyper.tif")
	out := filepath.Join(t.TempDir(), "short.tif")
	w, err := Create(out, s)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := s.All().Next(context.Background())
	if err := w.Write(f); err != nil {
		t.Fatal(err)
	}
	err = w.Close()
	if err == nil || !strings.Contains(err.Error(), "channel 0 got 1 of 6 images") {
		t.Fatalf("Close: %v", err)
	}
	b := open(t, out) // still a valid file
	if b.Len() != 6 || b.Channels() != 2 {
		t.Fatalf("%v", b)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "x.png")
	os.WriteFile(junk, []byte("\x89PNG\r\n\x1a\n...."), 0o644)
	if _, err := Open(junk); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("png: %v", err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "no DICOM images") {
		t.Errorf("empty folder: %v", err)
	}
	s := open(t, td+"nifti/u16.nii")
	if _, err := Create(filepath.Join(dir, "x.dcm"), s); err == nil {
		t.Errorf("NIfTI to DICOM accepted")
	}
}
