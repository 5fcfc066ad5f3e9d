package tiffstack

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/denoise-go/denoise/sci/sample"
)

const fixtures = "../../testdata/sci/tiff"

// val is the sample formula of testdata/sci/tiff/gen.py.
func val(dt sample.DType, p, s, y, x int) float64 {
	v := (x*257 + y*4099 + p*131 + s*1009) % 65536
	switch dt {
	case sample.Uint8:
		return float64(v % 256)
	case sample.Int16:
		return float64(v - 32768)
	case sample.Float32:
		return float64(v)*0.25 - 100.5
	}
	return float64(v)
}

func openFile(t testing.TB, path string) *File {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no %s: %v", path, err)
	}
	f, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

func TestFixtures(t *testing.T) {
	cases := []struct {
		name          string
		pages, w, h   int
		samples       int
		dt            sample.DType
		comp, planar  int
		be            bool
		pageOf        func(i int) int // formula page index of page i
		sampleOfPlane bool
	}{
		{name: "ij_hyper.tif", pages: 12, w: 5, h: 6, samples: 1, dt: sample.Uint16, comp: 1, planar: 1},
		{name: "ij_truncated.tif", pages: 4, w: 5, h: 3, samples: 1, dt: sample.Uint16, comp: 1, planar: 1},
		{name: "be_rgb16.tif", pages: 2, w: 7, h: 5, samples: 3, dt: sample.Uint16, comp: 1, planar: 1, be: true},
		{name: "tiled_planar.tif", pages: 1, w: 20, h: 18, samples: 3, dt: sample.Uint8, comp: 1, planar: 2},
		{name: "float32.tif", pages: 3, w: 9, h: 7, samples: 1, dt: sample.Float32, comp: 1, planar: 1},
		{name: "int16.tif", pages: 2, w: 8, h: 4, samples: 1, dt: sample.Int16, comp: 1, planar: 1},
		{name: "deflate_pred.tif", pages: 2, w: 11, h: 9, samples: 1, dt: sample.Uint16, comp: CompressionDeflate, planar: 1},
		{name: "lzw16.tif", pages: 1, w: 33, h: 40, samples: 1, dt: sample.Uint16, comp: CompressionLZW, planar: 1},
		{name: "packbits8.tif", pages: 1, w: 21, h: 13, samples: 1, dt: sample.Uint8, comp: CompressionPackBits, planar: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := openFile(t, filepath.Join(fixtures, c.name))
			if len(f.Pages) != c.pages {
				t.Fatalf("%d pages, want %d", len(f.Pages), c.pages)
			}
			if (f.ByteOrder == binary.BigEndian) != c.be {
				t.Errorf("byte order %v", f.ByteOrder)
			}
			for i, p := range f.Pages {
				if p.Width != c.w || p.Height != c.h || p.Samples != c.samples || p.DType != c.dt || p.Compression != c.comp || p.Planar != c.planar {
					t.Fatalf("page %d: %dx%dx%d %s comp %d planar %d", i, p.Width, p.Height, p.Samples, p.DType, p.Compression, p.Planar)
				}
				b, err := f.ReadPage(i, nil)
				if err != nil {
					t.Fatal(err)
				}
				for y := 0; y < c.h; y++ {
					for x := 0; x < c.w; x++ {
						for s := 0; s < c.samples; s++ {
							got := c.dt.Get(b, (y*c.w+x)*c.samples+s)
							if want := val(c.dt, i, s, y, x); got != want {
								t.Fatalf("page %d (%d,%d) sample %d = %v, want %v", i, x, y, s, got, want)
							}
						}
					}
				}
			}
		})
	}
}

func TestImageJHyperstack(t *testing.T) {
	f := openFile(t, filepath.Join(fixtures, "ij_hyper.tif"))
	ij := f.ImageJ
	if ij == nil {
		t.Fatal("no ImageJ metadata")
	}
	if ij.Images != 12 || ij.Channels != 2 || ij.Slices != 3 || ij.Frames != 2 || !ij.Hyperstack {
		t.Errorf("ImageJ %+v", ij)
	}
	if ij.Get("unit") != "um" || ij.Get("spacing") != "1.5" {
		t.Errorf("unit %q spacing %q", ij.Get("unit"), ij.Get("spacing"))
	}
	if n, d, ok := f.Pages[0].Rational(TagXResolution); !ok || float64(n)/float64(d) != 4 {
		t.Errorf("XResolution %d/%d %v", n, d, ok)
	}
}

func TestLZWNoise(t *testing.T) {
	f := openFile(t, filepath.Join(fixtures, "lzw_noise8.tif"))
	b, err := f.ReadPage(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != "24741fe809f460c1042e9e6019a11425ce83cf3057dc15bc65b4548e5e271cb6" {
		t.Errorf("sha256 %s", got)
	}
}

// Reference SHA-256 of each page's little-endian samples, from tifffile.
var shared = map[string][]string{
	sharedRoot + "/datasets/fluorescence/membrane_2d_timelapse/membrane_2d_timelapse.tif": {
		"efeedf0d0c5128fc545af209e8d2d3b89d5fba7469aad1c18b0293091b8ada52",
		"3ded043a93c9878b69f976f27cf0f45fb0ca4786d709f49508b7be6b9f171fec",
		"7646cf46ad4350753df6f9791852b5e978fd1cff22fc0f57582bbec69cf38b73",
		"831f8524187604136e4be612623cfafafe1f6bb9be6bc07064a976e88e4b31ce",
		"34fb0b0bd7278f969cf8d28c7695039e5c57cbe8d09848408891ffe9758f5b37",
	},
	sharedRoot + "/datasets/fluorescence/hela_cells/hela-cells.tif": {
		"c590ac3b04a972411a8ed5614dd04fc4341540143bc7ebfaa5bb2a58b8ccb36c",
	},
}

func TestSharedDatasets(t *testing.T) {
	for path, sums := range shared {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f := openFile(t, path)
			if len(f.Pages) != len(sums) {
				t.Fatalf("%d pages, want %d", len(f.Pages), len(sums))
			}
			for i := range f.Pages {
				b, err := f.ReadPage(i, nil)
				if err != nil {
					t.Fatal(err)
				}
				s := sha256.Sum256(b)
				if got := hex.EncodeToString(s[:]); got != sums[i] {
					t.Errorf("page %d sha256 %s, want %s", i, got, sums[i])
				}
			}
			if rt := roundTrip(t, f); rt != nil {
				for i := range f.Pages {
					a, _ := f.ReadPage(i, nil)
					b, err := rt.ReadPage(i, nil)
					if err != nil || !bytes.Equal(a, b) {
						t.Fatalf("page %d differs after writing (%v)", i, err)
					}
				}
			}
		})
	}
}

// roundTrip writes f's pages with its tags and reopens the result.
func roundTrip(t *testing.T, f *File) *File {
	t.Helper()
	p0 := f.Pages[0]
	path := filepath.Join(t.TempDir(), "rt.tif")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w, err := NewWriter(out, WriterConfig{ByteOrder: f.ByteOrder, Width: p0.Width, Height: p0.Height,
		Samples: p0.Samples, DType: p0.DType, Pages: len(f.Pages), Tags: func(i int) []Tag { return f.Pages[i].Tags }})
	if err != nil {
		t.Fatal(err)
	}
	for i := len(f.Pages) - 1; i >= 0; i-- { // out of order on purpose
		b, err := f.ReadPage(i, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WritePage(i, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	g := openFile(t, path)
	if g.ByteOrder != f.ByteOrder || len(g.Pages) != len(f.Pages) {
		t.Fatalf("rewritten: %v, %d pages", g.ByteOrder, len(g.Pages))
	}
	for i, p := range f.Pages {
		q := g.Pages[i]
		if q.Description != p.Description {
			t.Errorf("page %d description %q, want %q", i, q.Description, p.Description)
		}
		for _, code := range []uint16{TagXResolution, TagYResolution, TagResolutionUnit, TagPhotometric, TagSoftware, TagIJMetadata, TagIJMetadataByteCounts} {
			a, okA := p.Tag(code)
			b, okB := q.Tag(code)
			if okA != okB || !bytes.Equal(a.Value, b.Value) || a.Type != b.Type {
				t.Errorf("page %d tag %d not kept", i, code)
			}
		}
	}
	return g
}

func TestRoundTripFixtures(t *testing.T) {
	names, _ := filepath.Glob(filepath.Join(fixtures, "*.tif"))
	for _, name := range names {
		t.Run(filepath.Base(name), func(t *testing.T) {
			f := openFile(t, name)
			g := roundTrip(t, f)
			for i := range f.Pages {
				a, _ := f.ReadPage(i, nil)
				b, err := g.ReadPage(i, nil)
				if err != nil || !bytes.Equal(a, b) {
					t.Fatalf("page %d differs after writing (%v)", i, err)
				}
			}
			if (f.ImageJ == nil) != (g.ImageJ == nil) {
				t.Errorf("ImageJ metadata lost")
			}
		})
	}
}

func TestRefused(t *testing.T) {
	le := binary.LittleEndian
	mk := func(tags ...Tag) []byte {
		var buf bytes.Buffer
		buf.WriteString("II*\x00\x08\x00\x00\x00")
		b := make([]byte, 2+12*len(tags)+4)
		le.PutUint16(b, uint16(len(tags)))
		for i, t := range tags {
			e := b[2+12*i:]
			le.PutUint16(e, t.Code)
			le.PutUint16(e[2:], t.Type)
			le.PutUint32(e[4:], t.Count)
			copy(e[8:12], t.Value)
		}
		buf.Write(b)
		buf.Write(make([]byte, 64))
		return buf.Bytes()
	}
	base := []Tag{Longs(le, TagImageWidth, 4), Longs(le, TagImageLength, 4), Shorts(le, TagBitsPerSample, 8),
		Longs(le, TagStripOffsets, 30), Longs(le, TagStripByteCounts, 16)}
	cases := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"jpeg", mk(append(base, Shorts(le, TagCompression, 7))...), ErrUnsupported, "tiffstack: unsupported TIFF: compression JPEG (only none, PackBits, LZW and Deflate are read), in page 0"},
		{"bigtiff", []byte("II+\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), ErrUnsupported, "tiffstack: unsupported TIFF: BigTIFF (64-bit offsets) is not supported"},
		{"12bit", mk(Longs(le, TagImageWidth, 4), Longs(le, TagImageLength, 4), Shorts(le, TagBitsPerSample, 12)), ErrUnsupported, ""},
		{"ycbcr", mk(append(base, Shorts(le, TagPhotometric, 6))...), ErrUnsupported, ""},
		{"strip outside", mk(Longs(le, TagImageWidth, 4), Longs(le, TagImageLength, 4), Shorts(le, TagBitsPerSample, 8), Longs(le, TagStripOffsets, 1000), Longs(le, TagStripByteCounts, 16)), ErrFormat, ""},
		{"not tiff", []byte("GIF89a.."), ErrFormat, ""},
	}
	for _, c := range cases {
		_, err := Open(bytes.NewReader(c.data), int64(len(c.data)))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if c.msg != "" && err != nil && err.Error() != c.msg {
			t.Errorf("%s: %q", c.name, err)
		}
		t.Logf("%s: %v", c.name, err)
	}
}
