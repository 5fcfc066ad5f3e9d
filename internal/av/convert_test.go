package av

import (
	"math/rand/v2"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// The fast row paths (8-bit LUT, 16-bit little-endian words) must equal the generic,
// descriptor-driven path, on odd widths with padded rows; and writing then reading back
// must return every code, for every depth, layout of bytes and endianness.

func randomRows(r *rand.Rand, w, h, ls int) []byte {
	b := make([]byte, ls*h)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

func TestFastReadEqualsGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		depth, step, shift int
	}{{8, 1, 0}, {10, 2, 0}, {12, 2, 0}, {16, 2, 0}} {
		for _, w := range []int{1, 7, 33, 64} {
			h := 5
			ls := w*c.step + 13 // padding past the row, as FFmpeg's linesizes have
			src := randomRows(r, w, h, ls)
			comp := Component{Plane: 0, Step: c.step, Shift: c.shift, Depth: c.depth}
			rd := NewReader(PixFmt{Format: frame.Format{BitDepth: c.depth}})
			fast := frame.Plane{W: w, H: h, Stride: w + 3, Pix: make([]float32, (w+3)*h)}
			ref := frame.Plane{W: w, H: h, Stride: w, Pix: make([]float32, w*h)}
			rd.readPlane(&fast, src, ls, comp)
			rd.readGeneric(&ref, src, ls, comp)
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					if a, b := fast.Row(y)[x], ref.Row(y)[x]; a != b {
						t.Fatalf("depth %d width %d (%d,%d): fast %v, generic %v", c.depth, w, x, y, a, b)
					}
				}
			}
		}
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		name                       string
		depth, step, offset, shift int
		be                         bool
	}{
		{"gray8", 8, 1, 0, 0, false},
		{"rgb24 green", 8, 3, 1, 0, false},
		{"yuv420p10le", 10, 2, 0, 0, false},
		{"p010 (msb-aligned)", 10, 2, 0, 6, false},
		{"gray16be", 16, 2, 0, 0, true},
		{"rgb48le blue", 16, 6, 4, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, h := 37, 3
			ls := w*c.step + 5
			comp := Component{Step: c.step, Offset: c.offset, Shift: c.shift, Depth: c.depth}
			pf := PixFmt{Format: frame.Format{BitDepth: c.depth}, BE: c.be}
			max := 1<<c.depth - 1
			in := frame.Plane{W: w, H: h, Stride: w, Pix: make([]float32, w*h)}
			codes := make([]int, w*h)
			for i := range codes {
				codes[i] = r.IntN(max + 1)
				in.Pix[i] = float32(codes[i]) / float32(max)
			}
			buf := make([]byte, ls*h)
			NewWriter(pf).writePlane(buf, ls, &in, comp)
			out := frame.Plane{W: w, H: h, Stride: w, Pix: make([]float32, w*h)}
			NewReader(pf).readPlane(&out, buf, ls, comp)
			for i, v := range out.Pix {
				if got := int(v*float32(max) + 0.5); got != codes[i] {
					t.Fatalf("sample %d: code %d came back as %d", i, codes[i], got)
				}
			}
		})
	}
}

func TestQuantRoundsAndClips(t *testing.T) {
	for _, c := range []struct {
		v    float32
		want int32
	}{{-0.5, 0}, {0, 0}, {0.5 / 255, 1}, {0.49 / 255, 0}, {1, 255}, {1.7, 255}, {128.0 / 255, 128}} {
		if got := quant(c.v, 255); got != c.want {
			t.Errorf("quant(%v) = %d, want %d", c.v, got, c.want)
		}
	}
}

// BenchmarkConvert1080p converts a 1920×1080 4:2:0 frame into the working format and back,
// 8-bit (yuv420p) and 10-bit (yuv420p10le), through the row paths Read and Write use.
func BenchmarkConvert1080p(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		name        string
		depth, step int
	}{{"yuv420p", 8, 1}, {"yuv420p10le", 10, 2}} {
		comp := Component{Step: c.step, Depth: c.depth}
		pf := PixFmt{Format: frame.Format{BitDepth: c.depth}}
		f := frame.New(frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: c.depth}, 1920, 1080)
		bufs := make([][]byte, len(f.Planes))
		for i := range f.Planes {
			p := &f.Planes[i]
			bufs[i] = randomRows(r, p.W, p.H, p.W*c.step+64)
			if c.depth > 8 {
				for k := 1; k < len(bufs[i]); k += 2 {
					bufs[i][k] &= 3
				}
			}
		}
		rd, wr := NewReader(pf), NewWriter(pf)
		b.Run("read/"+c.name, func(b *testing.B) {
			for b.Loop() {
				for i := range f.Planes {
					p := &f.Planes[i]
					rd.readPlane(p, bufs[i], p.W*c.step+64, comp)
				}
			}
		})
		b.Run("write/"+c.name, func(b *testing.B) {
			for b.Loop() {
				for i := range f.Planes {
					p := &f.Planes[i]
					wr.writePlane(bufs[i], p.W*c.step+64, p, comp)
				}
			}
		})
	}
}
