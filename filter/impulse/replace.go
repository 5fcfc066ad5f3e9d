package impulse

import (
	"github.com/denoise-go/denoise/filter/internal/par"
	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// replacer gives every pixel of Δ its non-local mean, computed directly per pixel (Δ is
// sparse, so this costs less than a full-plane NLM): for each candidate j of the search
// window outside Δ, d² is the mean squared difference between the guide's patches around
// the pixel and around j, leaving out the centre pair (the guide's value at an impulse is a
// median or an estimate, and would pull the match towards whatever it resembles); the weight
// is exp(−max(d²−2σ², 0)/h²) from a table; the mean is of the values y_j. Taking y_j over
// candidates outside Δ rather than the paper's m(y_j) over all measured better on Set12 after
// NLM (σ=10 + 20 % salt and pepper: 31.44 against 31.26 dB; + 10 % random-valued, first pass
// only: 29.51 against 29.45): medians are biased at edges and corners, while the y_j are
// unbiased and their noise averages out. Leaving the centre pair out is worth +0.08 dB with
// random-valued impulses (30.23 against 30.15).
type replacer struct {
	w, h, pad, stride  int
	guide, value, keep []float32 // padded copies; keep is 1 outside Δ, 0 inside
	lut                []float32
	lutScale           float32
	f, rad             int
	// the current call
	dst      *frame.Plane
	mask     []bool
	fallback *frame.Plane
	parts    int
}

const repLUT = 4096

// maxPatchRadius bounds the replacement's patch radius.
const maxPatchRadius = dsp.ImpulseMaxPatch

// setup pads the guide and the values and builds the weight table for p.
func (r *replacer) setup(guide, values *frame.Plane, mask []bool, p nlm.Params) {
	r.f, r.rad = p.PatchRadius, p.SearchRadius
	r.w, r.h, r.pad = values.W, values.H, r.f+r.rad
	r.stride = r.w + 2*r.pad
	n := r.stride * (r.h + 2*r.pad)
	if cap(r.guide) < n {
		r.guide, r.value, r.keep = make([]float32, n), make([]float32, n), make([]float32, n)
	}
	r.guide, r.value, r.keep = r.guide[:n], r.value[:n], r.keep[:n]
	dsp.PadPlaneEdge(r.guide, r.stride, r.pad, guide.Pix, guide.Stride, r.w, r.h)
	dsp.PadPlaneEdge(r.value, r.stride, r.pad, values.Pix, values.Stride, r.w, r.h)
	dsp.PadMaskEdge(r.keep, r.stride, r.pad, mask, r.w, r.h)
	if r.lut == nil {
		r.lut = make([]float32, repLUT+1)
	}
	s2, h2 := (p.Sigma/255)*(p.Sigma/255), max(p.H/255, 1e-6)*max(p.H/255, 1e-6)
	r.lutScale = dsp.ImpulseWeightTable(r.lut, s2, h2)
}

// replace writes the non-local mean of every pixel of mask into dst (which may be the
// values plane: setup copied them), or the fallback's value where no candidate has weight.
func (r *replacer) replace(pool *par.Pool, dst, fallback *frame.Plane, mask []bool) {
	r.dst, r.fallback, r.mask = dst, fallback, mask
	r.parts = min(r.h, 4*pool.Threads())
	pool.Run(r, r.parts)
	r.dst, r.fallback, r.mask = nil, nil, nil
}

// RunPart replaces the pixels of Δ in the rows of band i.
func (r *replacer) RunPart(i int) {
	for y := r.h * i / r.parts; y < r.h*(i+1)/r.parts; y++ {
		row, m, fb := r.dst.Row(y), r.mask[y*r.w:(y+1)*r.w], r.fallback.Row(y)
		for x := range row {
			if !m[x] {
				continue
			}
			if v, ok := r.pixel(x, y); ok {
				row[x] = v
			} else {
				row[x] = fb[x]
			}
		}
	}
}

// pixel returns the non-local mean at (x, y), false when no candidate got any weight.
func (r *replacer) pixel(x, y int) (float32, bool) {
	c := (y+r.pad)*r.stride + x + r.pad
	return dsp.ImpulseNLM(r.guide, r.value, r.keep, r.stride, c, r.f, r.rad, r.lut, r.lutScale)
}
