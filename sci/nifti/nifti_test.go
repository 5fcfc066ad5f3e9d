package nifti

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/denoise-go/denoise/sci/sample"
)

const fixtures = "../../testdata/sci/nifti"

// val is the voxel formula of testdata/sci/nifti/gen.py.
func val(dt sample.DType, x, y, z, t int, integerFloat bool) float64 {
	v := (x*37 + y*101 + z*53 + t*211) % 997
	switch dt {
	case sample.Float32, sample.Float64:
		f := float64(v)*0.37 - 50.25
		if dt == sample.Float32 {
			f = float64(float32(f))
		}
		if integerFloat {
			f = math.RoundToEven(f * 2)
		}
		return f
	case sample.Int16:
		return float64(v*31 - 15000)
	case sample.Int8:
		return float64(v%256 - 128)
	case sample.Int32:
		return float64(v*100003 - 40000000)
	case sample.Uint8:
		return float64(v % 256)
	}
	return float64(v * 61)
}

func read(t testing.TB, path string) *Image {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no %s", path)
	}
	im, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

func TestFixtures(t *testing.T) {
	cases := []struct {
		name        string
		dt          sample.DType
		dims        [4]int
		be, gz, ext bool
		intFloat    bool
	}{
		{"f32_4d.nii.gz", sample.Float32, [4]int{5, 4, 3, 2}, false, true, true, false},
		{"i16_be.nii", sample.Int16, [4]int{6, 5, 2, 1}, true, false, false, false},
		{"u16.nii", sample.Uint16, [4]int{4, 3, 2, 1}, false, false, false, false},
		{"u8.nii.gz", sample.Uint8, [4]int{7, 3, 2, 1}, false, true, false, false},
		{"i8.nii", sample.Int8, [4]int{3, 3, 2, 1}, false, false, false, false},
		{"i32.nii", sample.Int32, [4]int{4, 2, 2, 1}, false, false, false, false},
		{"f64_int.nii", sample.Float64, [4]int{3, 4, 2, 1}, false, false, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			im := read(t, filepath.Join(fixtures, c.name))
			if im.DType != c.dt || [4]int{im.NX(), im.NY(), im.NZ(), im.NT()} != c.dims || (im.Order == binary.BigEndian) != c.be || im.Gzip != c.gz {
				t.Fatalf("%s %dx%dx%dx%d order %v gzip %v", im.DType, im.NX(), im.NY(), im.NZ(), im.NT(), im.Order, im.Gzip)
			}
			if (len(im.Extra) > 4) != c.ext {
				t.Errorf("%d extension bytes", len(im.Extra))
			}
			if im.Descrip != "sci fixture "+c.name || im.Pixdim[1] != float64(float32(0.9)) || im.SformCode == 0 {
				t.Errorf("descrip %q pixdim %v sform %d", im.Descrip, im.Pixdim, im.SformCode)
			}
			i := 0
			for tt := 0; tt < c.dims[3]; tt++ {
				for z := 0; z < c.dims[2]; z++ {
					for y := 0; y < c.dims[1]; y++ {
						for x := 0; x < c.dims[0]; x++ {
							if got, want := im.DType.Get(im.Data, i), val(c.dt, x, y, z, tt, c.intFloat); got != want {
								t.Fatalf("(%d,%d,%d,%d) = %v, want %v", x, y, z, tt, got, want)
							}
							i++
						}
					}
				}
			}
			roundTrip(t, im, c.name)
		})
	}
}

// roundTrip writes im and checks the file matches: same header bytes, extensions and voxels.
func roundTrip(t *testing.T, im *Image, name string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := WriteFile(path, im); err != nil {
		t.Fatal(err)
	}
	back := read(t, path)
	if back.Raw != im.Raw || !bytes.Equal(back.Extra, im.Extra) || !bytes.Equal(back.Data, im.Data) || back.Gzip != im.Gzip {
		t.Errorf("round trip differs")
	}
}

func TestSharedDatasets(t *testing.T) {
	// SHA-256 of the unscaled voxels (x fastest, little-endian), from nibabel.
	for path, sum := range map[string]string{
		sharedRoot + "/datasets/mri/niivue_mr_gd/MR_Gd.nii.gz":               "67c86a5785f62c204164bb9b68978edb8de931045d16ab517a1ad02b9fbd604f",
		sharedRoot + "/datasets/mri/niivue_chris_t1/chris_t1.nii.gz":         "3cbd43bedee296279873520fe6a5edbebacbb8a7aa3ad00bb92454af18b10742",
		"/usr/lib/python3/dist-packages/nibabel/tests/data/example4d.nii.gz": "acbd2cecdb03a60e0a5dca49abcdfda4ee85ec329d2bdffbfc5b8283e49cb73d",
		"/usr/lib/python3/dist-packages/nibabel/tests/data/anatomical.nii":   "9fd5b46df2ca061797370be9c0ee9776042ccfb83333593e6058faf0709f39e4",
	} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			im := read(t, path)
			// The decompressed file is header, extensions and voxels, nothing else.
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if im.Gzip {
				zr, _ := gzip.NewReader(bytes.NewReader(raw))
				raw, _ = io.ReadAll(zr)
			}
			var enc bytes.Buffer
			if err := im.Encode(&enc); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc.Bytes(), raw) {
				t.Errorf("re-encoded file differs from the original (%d vs %d bytes)", enc.Len(), len(raw))
			}
			s := sha256.Sum256(im.Data)
			if got := hex.EncodeToString(s[:]); got != sum {
				t.Errorf("voxels sha256 %s, want %s", got, sum)
			}
			t.Logf("%s %dx%dx%dx%d slope %v: data sha256 %s", im.DType, im.NX(), im.NY(), im.NZ(), im.NT(), im.SclSlope, hex.EncodeToString(s[:]))
		})
	}
}

func TestRefused(t *testing.T) {
	hdr := func(edit func(b []byte)) []byte {
		b := make([]byte, 352+8)
		le := binary.LittleEndian
		le.PutUint32(b, 348)
		le.PutUint16(b[40:], 2)
		le.PutUint16(b[42:], 2)
		le.PutUint16(b[44:], 2)
		le.PutUint16(b[70:], DTUint8)
		le.PutUint16(b[72:], 8)
		le.PutUint32(b[108:], math.Float32bits(352))
		copy(b[344:], "n+1\x00")
		if edit != nil {
			edit(b)
		}
		return b
	}
	le := binary.LittleEndian
	cases := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"ok", hdr(nil), nil, ""},
		{"rgb", hdr(func(b []byte) { le.PutUint16(b[70:], 128); le.PutUint16(b[72:], 24) }), ErrUnsupported,
			"nifti: unsupported: datatype 128 (RGB24); uint8, int8, int16, uint16, int32, uint32, float32 and float64 are read"},
		{"complex", hdr(func(b []byte) { le.PutUint16(b[70:], 32) }), ErrUnsupported, ""},
		{"pair", hdr(func(b []byte) { copy(b[344:], "ni1\x00") }), ErrUnsupported, ""},
		{"nifti2", hdr(func(b []byte) { le.PutUint32(b, 540) }), ErrUnsupported, ""},
		{"5d", hdr(func(b []byte) {
			le.PutUint16(b[40:], 5)
			le.PutUint16(b[46:], 1)
			le.PutUint16(b[48:], 1)
			le.PutUint16(b[50:], 3)
		}), ErrUnsupported, ""},
		{"truncated", hdr(func(b []byte) { le.PutUint16(b[42:], 300) }), ErrFormat, ""},
		{"huge", hdr(func(b []byte) {
			for i := 1; i <= 4; i++ {
				le.PutUint16(b[40+2*i:], 32767)
			}
			le.PutUint16(b[40:], 4)
		}), ErrUnsupported, ""},
		{"bitpix", hdr(func(b []byte) { le.PutUint16(b[72:], 16) }), ErrFormat, ""},
		{"vox_offset", hdr(func(b []byte) { le.PutUint32(b[108:], math.Float32bits(-1)) }), ErrFormat, ""},
	}
	for _, c := range cases {
		_, err := Decode(bytes.NewReader(c.data))
		if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if c.msg != "" && err != nil && err.Error() != c.msg {
			t.Errorf("%s: %q", c.name, err)
		}
		t.Logf("%s: %v", c.name, err)
	}
}
