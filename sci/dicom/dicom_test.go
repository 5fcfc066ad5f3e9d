package dicom

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixtures = "../../testdata/sci/dicom"

// val is the sample formula of testdata/sci/dicom/gen.py.
func val(f, s, y, x, bits int, signed bool) int {
	v := (x*37 + y*101 + f*53 + s*17) % (1 << bits)
	if signed {
		v -= 1 << (bits - 1)
	}
	return v
}

func open(t testing.TB, path string) *File {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no %s", path)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func checkFrames(t *testing.T, f *File, fbase int) {
	t.Helper()
	im := &f.Image
	dt := im.DType()
	for fr := 0; fr < im.Frames; fr++ {
		b, err := f.ReadFrame(fr, nil)
		if err != nil {
			t.Fatal(err)
		}
		for y := 0; y < im.Rows; y++ {
			for x := 0; x < im.Columns; x++ {
				for s := 0; s < im.Samples; s++ {
					got := int(dt.Get(b, (y*im.Columns+x)*im.Samples+s))
					if want := val(fr+fbase, s, y, x, im.BitsStored, im.Signed); got != want {
						t.Fatalf("frame %d (%d,%d,%d) = %d, want %d", fr, x, y, s, got, want)
					}
				}
			}
		}
	}
}

func TestFixtures(t *testing.T) {
	cases := []struct {
		name                    string
		implicit                bool
		rows, cols, frames, spp int
		alloc, stored           int
		signed                  bool
		slope, intercept        float64
		planar                  int
	}{
		{"implicit_s12.dcm", true, 5, 6, 1, 1, 16, 12, true, 0.5, -10, 0},
		{"explicit_mf8.dcm", false, 4, 7, 3, 1, 8, 8, false, 0.5, -10, 0},
		{"rgb_planar.dcm", false, 3, 4, 2, 3, 8, 8, false, 1, 0, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := open(t, filepath.Join(fixtures, c.name))
			im := f.Image
			if f.Implicit != c.implicit || im.Rows != c.rows || im.Columns != c.cols || im.Frames != c.frames ||
				im.Samples != c.spp || im.BitsAllocated != c.alloc || im.BitsStored != c.stored || im.Signed != c.signed ||
				im.RescaleSlope != c.slope || im.RescaleIntercept != c.intercept || im.Planar != c.planar {
				t.Fatalf("image %+v implicit %v", im, f.Implicit)
			}
			checkFrames(t, f, 0)
			checkDerived(t, f)
		})
	}
}

// checkDerived writes f with its own pixels and checks the result keeps every element but
// the ones Derived changes, and the pixel data bit for bit.
func checkDerived(t *testing.T, f *File) {
	t.Helper()
	var pix []byte
	for i := 0; i < f.Image.Frames; i++ {
		b, err := f.ReadFrame(i, nil)
		if err != nil {
			t.Fatal(err)
		}
		pix = append(pix, b...)
	}
	out, err := f.Derived(pix, "test derivation")
	if err != nil {
		t.Fatal(err)
	}
	g, err := Parse(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	if g.TransferSyntax != f.TransferSyntax {
		t.Errorf("transfer syntax %s, want %s", g.TransferSyntax, f.TransferSyntax)
	}
	uid := g.Image.SOPInstanceUID
	if uid == f.Image.SOPInstanceUID || !strings.HasPrefix(uid, "2.25.") || len(uid) > 64 || g.Get(TagMediaStorageSOPInstanceUID).String() != uid {
		t.Errorf("new UID %q (media %q)", uid, g.Get(TagMediaStorageSOPInstanceUID).String())
	}
	if g.Get(TagDerivationDescription).String() != "test derivation" {
		t.Errorf("derivation description %q", g.Get(TagDerivationDescription).String())
	}
	if it := g.Get(TagImageType).Strings(); len(it) == 0 || it[0] != "DERIVED" {
		t.Errorf("image type %v", it)
	}
	changed := map[Tag]bool{TagSOPInstanceUID: true, TagImageType: true, TagDerivationDescription: true, TagPixelData: true}
	var kept int
	for _, e := range f.Elements {
		if changed[e.Tag] {
			continue
		}
		h := g.Get(e.Tag)
		if h == nil || !bytes.Equal(h.Raw, e.Raw) {
			t.Errorf("element %v not kept", e.Tag)
		}
		kept++
	}
	var pix2 []byte
	for i := 0; i < g.Image.Frames; i++ {
		b, err := g.ReadFrame(i, nil)
		if err != nil {
			t.Fatal(err)
		}
		pix2 = append(pix2, b...)
	}
	if !bytes.Equal(pix, pix2) {
		t.Errorf("pixel data differs after writing")
	}
	// Raw pixel data bytes too (not only the decoded frames).
	if a, b := rawPixels(t, f), rawPixels(t, g); !bytes.Equal(a[:len(b)], b) {
		t.Errorf("raw pixel data differs")
	}
	again, _ := f.Derived(pix, "test derivation")
	if !bytes.Equal(again, out) {
		t.Errorf("Derived is not deterministic")
	}
	pix[0] ^= 1
	other, _ := f.Derived(pix, "test derivation")
	h, _ := Parse(bytes.NewReader(other), int64(len(other)))
	if h.Image.SOPInstanceUID == uid {
		t.Errorf("different pixel data, same UID")
	}
}

func rawPixels(t *testing.T, f *File) []byte {
	b, err := f.RawPixelData()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSeries(t *testing.T) {
	s, err := OpenSeries(filepath.Join(fixtures, "series"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if strings.Join(s.Names, ",") != "b.dcm,c.dcm,a.dcm" || strings.Join(s.Skipped, ",") != "README.txt" {
		t.Fatalf("names %v skipped %v", s.Names, s.Skipped)
	}
	for i, f := range s.Files {
		if f.Image.InstanceNumber != i+1 {
			t.Errorf("file %d instance %d", i, f.Image.InstanceNumber)
		}
		checkFrames(t, f, i+1)
	}
	if s.Frames() != 3 {
		t.Errorf("%d frames", s.Frames())
	}
}

var shared = map[string]string{
	sharedRoot + "/datasets/mri/pydicom_emri_small/emri_small.dcm": "9719c5d0f62ce971a1039c9cd73a6785427f4f80a1d3b6969cb9ffc425fba054",
	"/usr/lib/python3/dist-packages/nibabel/tests/data/0.dcm":      "e46f81bf31ffda2231c91dbb57a121517342d461c7beaf19ba367e6d71ce7c45",
	"/usr/lib/python3/dist-packages/nibabel/tests/data/1.dcm":      "e46f81bf31ffda2231c91dbb57a121517342d461c7beaf19ba367e6d71ce7c45",
}

func TestSharedDatasets(t *testing.T) {
	for path, sum := range shared {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f := open(t, path)
			var all []byte
			for i := 0; i < f.Image.Frames; i++ {
				b, err := f.ReadFrame(i, nil)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, b...)
			}
			s := sha256.Sum256(all)
			if got := hex.EncodeToString(s[:]); got != sum {
				t.Errorf("sha256 %s, want %s", got, sum)
			}
			checkDerived(t, f)
		})
	}
}

// part10 builds a file with the given transfer syntax and data set bytes.
func part10(ts string, dataset []byte) []byte {
	var b bytes.Buffer
	b.Write(make([]byte, 128))
	b.WriteString("DICM")
	b.Write(encode(TagTransferSyntaxUID, "UI", pad(ts, "UI"), false))
	b.Write(dataset)
	return b.Bytes()
}

func us(t Tag, v uint16, implicit bool) []byte {
	b := make([]byte, 2)
	binary.LittleEndian.PutUint16(b, v)
	return encode(t, "US", b, implicit)
}

func TestRefused(t *testing.T) {
	img := func(bits uint16, photometric string) []byte {
		var b bytes.Buffer
		b.Write(us(TagSamplesPerPixel, 1, false))
		b.Write(encode(TagPhotometricInterpretation, "CS", pad(photometric, "CS"), false))
		b.Write(us(TagRows, 2, false))
		b.Write(us(TagColumns, 2, false))
		b.Write(us(TagBitsAllocated, bits, false))
		b.Write(encode(TagPixelData, "OW", make([]byte, 4*int(bits)/8), false))
		return b.Bytes()
	}
	cases := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"jpeg lossless", part10("1.2.840.10008.1.2.4.70", nil), ErrUnsupported,
			"dicom: unsupported: transfer syntax 1.2.840.10008.1.2.4.70 (JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])): only uncompressed Implicit VR Little Endian and Explicit VR Little Endian are read"},
		{"jpeg 2000", part10("1.2.840.10008.1.2.4.90", nil), ErrUnsupported, ""},
		{"jpeg-ls", part10("1.2.840.10008.1.2.4.80", nil), ErrUnsupported, ""},
		{"rle", part10("1.2.840.10008.1.2.5", nil), ErrUnsupported, ""},
		{"deflate", part10("1.2.840.10008.1.2.1.99", nil), ErrUnsupported,
			"dicom: unsupported: transfer syntax 1.2.840.10008.1.2.1.99 (Deflated Explicit VR Little Endian): only uncompressed Implicit VR Little Endian and Explicit VR Little Endian are read"},
		{"big endian", part10("1.2.840.10008.1.2.2", nil), ErrUnsupported, ""},
		{"no preamble", []byte("DICM"), ErrFormat, ""},
		{"32-bit", part10(ExplicitVRLittleEndian, img(32, "MONOCHROME2")), ErrUnsupported, ""},
		{"ybr", part10(ExplicitVRLittleEndian, img(8, "YBR_FULL")), ErrUnsupported, ""},
		{"no pixels", part10(ExplicitVRLittleEndian, us(TagRows, 2, false)), ErrFormat, ""},
		{"frames overflow", part10(ExplicitVRLittleEndian, func() []byte {
			var b bytes.Buffer
			b.Write(us(TagSamplesPerPixel, 3, false))
			b.Write(encode(TagPhotometricInterpretation, "CS", pad("RGB", "CS"), false))
			b.Write(encode(TagNumberOfFrames, "IS", pad("1073741824", "IS"), false))
			b.Write(us(TagRows, 65535, false))
			b.Write(us(TagColumns, 65535, false))
			b.Write(us(TagBitsAllocated, 16, false))
			b.Write(encode(TagPixelData, "OW", make([]byte, 16), false))
			return b.Bytes()
		}()), ErrFormat, ""},
		{"short pixels", part10(ExplicitVRLittleEndian, append(img(8, "MONOCHROME2")[:len(img(8, "MONOCHROME2"))-4], 0, 0)), ErrFormat, ""},
	}
	for _, c := range cases {
		_, err := Parse(bytes.NewReader(c.data), int64(len(c.data)))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if c.msg != "" && err != nil && err.Error() != c.msg {
			t.Errorf("%s: %q", c.name, err)
		}
		t.Logf("%s: %v", c.name, err)
	}
	ok := part10(ExplicitVRLittleEndian, img(8, "MONOCHROME2"))
	if _, err := Parse(bytes.NewReader(ok), int64(len(ok))); err != nil {
		t.Errorf("minimal file: %v", err)
	}
}
