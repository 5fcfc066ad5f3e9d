package impulse

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/denoise-go/denoise/filter/internal/par"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// TestReplaceMatchesWholePlane: the replacer pads a part's rows at a time and writes the
// means only once all are computed, so its output equals the means over padded copies of the
// whole plane taken before any pixel is replaced: on plane heights that do and do not divide
// into parts, in place and not, on one and three threads; means gives the same values, NaN
// where no candidate has weight.
func TestReplaceMatchesWholePlane(t *testing.T) {
	for _, sz := range [][2]int{{37, 1}, {50, 63}, {71, 64}, {90, 130}, {33, 200}} {
		w, h := sz[0], sz[1]
		rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
		guide, values, fallback := plane(w, h), plane(w, h), plane(w, h)
		keep, mask := make([]bool, w*h), make([]bool, w*h)
		var idx []int32
		for i := range w * h {
			x, y := i%w, i/w
			guide.Pix[i] = float32(rng.Float64())
			values.Pix[i] = guide.Pix[i] + float32(rng.NormFloat64()/20)
			fallback.Pix[i] = -1
			// a block larger than the search window left out of every mean: its middle
			// pixels have no candidate with weight, and take the fallback (NaN from means)
			keep[i] = rng.IntN(10) == 0 || x >= 3 && x < 18 && y >= 20 && y < 35
			mask[i] = keep[i] || rng.IntN(25) == 0
			if mask[i] {
				idx = append(idx, int32(i))
			}
		}
		p := ReplaceParams(20) // search radius 5, patch radius 2
		// the reference: whole padded planes
		pad := p.PatchRadius + p.SearchRadius
		stride := w + 2*pad
		g, v, k := make([]float32, stride*(h+2*pad)), make([]float32, stride*(h+2*pad)), make([]float32, stride*(h+2*pad))
		dsp.PadPlaneEdge(g, stride, pad, guide.Pix, guide.Stride, w, h, 0, h)
		dsp.PadPlaneEdge(v, stride, pad, values.Pix, values.Stride, w, h, 0, h)
		dsp.PadMaskEdge(k, stride, pad, keep, w, h, 0, h)
		var r replacer
		r.setup(guide, values, keep, p)
		want := plane(w, h)
		want.CopyFrom(values)
		var wantMeans []float32
		fallbacks := 0
		for i, m := range mask {
			if !m {
				continue
			}
			x, y := i%w, i/w
			mv, ok := dsp.ImpulseNLM(g, v, k, stride, (y+pad)*stride+x+pad, p.PatchRadius, p.SearchRadius, r.lut, r.lutScale)
			wantMeans = append(wantMeans, mv)
			if !ok {
				mv = fallback.Pix[i]
				wantMeans[len(wantMeans)-1] = float32(math.NaN())
				fallbacks++
			}
			want.Pix[i] = mv
		}
		if h >= 35 && fallbacks == 0 {
			t.Fatalf("%dx%d: no pixel without a candidate: the fallback is not tested", w, h)
		}
		for _, threads := range []int{1, 3, 16} {
			var pool par.Pool
			pool.SetThreads(threads)
			for _, inPlace := range []bool{false, true} {
				in := plane(w, h)
				in.CopyFrom(values)
				dst := plane(w, h)
				dst.CopyFrom(in)
				if inPlace {
					dst = in
				}
				r.setup(guide, in, keep, p)
				r.replace(&pool, dst, fallback, mask)
				for i := range dst.Pix {
					if dst.Pix[i] != want.Pix[i] {
						t.Fatalf("%dx%d threads %d in place %v: pixel %d = %g, want %g", w, h, threads, inPlace, i, dst.Pix[i], want.Pix[i])
					}
				}
			}
			r.setup(guide, values, keep, p)
			got := r.means(&pool, idx)
			for i := range idx {
				if a, b := got[i], wantMeans[i]; a != b && (a == a || b == b) {
					t.Fatalf("%dx%d threads %d: means[%d] = %g, want %g", w, h, threads, i, a, b)
				}
			}
			pool.Close()
		}
	}
}

// plane returns a zero w×h plane.
func plane(w, h int) *frame.Plane {
	p := new(frame.Plane)
	p.Resize(w, h)
	return p
}
