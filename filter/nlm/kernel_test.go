package nlm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// referenceNLM is the textbook pixel-wise NLM with IPOL's weight, computed directly: for every
// pixel and every candidate in the search window, the mean squared patch difference and
// exp(−max(d²−2σ², 0)/h²) (0 beyond exp(−dsp.NLMTail)); the pixel itself with weight 1 (or 0 with
// LeaveOut). Samples outside
// the plane are mirrored (…2 1 0 1 2…), as the fast kernel pads them.
func referenceNLM(src *frame.Plane, p Params) []float64 {
	w, h := src.W, src.H
	at := func(x, y int) float64 { return float64(src.Pix[dsp.Mirror(y, h)*src.Stride+dsp.Mirror(x, w)]) }
	r, f := p.SearchRadius, p.PatchRadius
	sigma, hh := p.Sigma/255, p.H/255
	n := float64((2*f + 1) * (2*f + 1))
	weight := func(x, y, dx, dy int) float64 {
		var ssd float64
		for j := -f; j <= f; j++ {
			for i := -f; i <= f; i++ {
				d := at(x+i, y+j) - at(x+dx+i, y+dy+j)
				ssd += d * d
			}
		}
		t := max(ssd/n-2*sigma*sigma, 0) / (hh * hh)
		if t >= dsp.NLMTail { // the documented cut-off of the weight table
			return 0
		}
		return math.Exp(-t)
	}
	out := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var sw, sv float64
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					if dx == 0 && dy == 0 {
						continue
					}
					wt := weight(x, y, dx, dy)
					sw += wt
					sv += wt * at(x+dx, y+dy)
				}
			}
			switch {
			case !p.LeaveOut:
				out[y*w+x] = (sv + at(x, y)) / (sw + 1)
			case sw == 0:
				out[y*w+x] = at(x, y)
			default:
				out[y*w+x] = sv / sw
			}
		}
	}
	return out
}

func randomPlane(w, h, stride int, seed uint64) *frame.Plane {
	rng := rand.New(rand.NewPCG(seed, 2))
	p := &frame.Plane{W: w, H: h, Stride: stride, Pix: make([]float32, stride*h)}
	for y := 0; y < h; y++ {
		row := p.Row(y)
		for x := range row {
			row[x] = float32(min(1, max(0, 0.5+0.3*math.Sin(float64(x*y)/40)+0.1*rng.NormFloat64())))
		}
	}
	return p
}

func TestKernelMatchesReference(t *testing.T) {
	cases := []struct {
		w, h, stride int
		p            Params
		threads      int
	}{
		{1, 1, 1, Params{PatchRadius: 1, SearchRadius: 2, H: 10, Sigma: 10}, 1},
		{7, 5, 9, Params{PatchRadius: 1, SearchRadius: 3, H: 10, Sigma: 10}, 1},
		{2, 9, 2, Params{PatchRadius: 2, SearchRadius: 4, H: 12, Sigma: 5}, 1},
		{33, 17, 35, Params{PatchRadius: 1, SearchRadius: 5, H: 10, Sigma: 25}, 1},
		{31, 29, 31, Params{PatchRadius: 2, SearchRadius: 3, H: 8, Sigma: 20}, 3},
		{61, 113, 64, Params{PatchRadius: 3, SearchRadius: 4, H: 17, Sigma: 40}, 2},
		{40, 100, 40, Params{PatchRadius: 0, SearchRadius: 2, H: 10}, 2},
		{37, 150, 37, Params{PatchRadius: 2, SearchRadius: 7, H: 12, Sigma: 30}, 3},
		{29, 101, 30, Params{PatchRadius: 1, SearchRadius: 3, H: 9, Sigma: 12, LeaveOut: true}, 2},
		// search radius 1: its row of three offsets in one pass, two samples of margin
		{1, 1, 1, Params{PatchRadius: 1, SearchRadius: 1, H: 10, Sigma: 10}, 1},
		{3, 4, 5, Params{PatchRadius: 2, SearchRadius: 1, H: 10, Sigma: 10}, 1},
		{50, 70, 52, Params{PatchRadius: 3, SearchRadius: 1, H: 14, Sigma: 20}, 2},
		{17, 40, 17, Params{PatchRadius: 1, SearchRadius: 1, H: 9, Sigma: 12, LeaveOut: true}, 2},
	}
	var overall float64
	defer func() { t.Logf("largest |fast − reference| over all cases: %.2e", overall) }()
	for _, c := range cases {
		src := randomPlane(c.w, c.h, c.stride, uint64(c.w*c.h))
		want := referenceNLM(src, c.p)
		dst := &frame.Plane{W: c.w, H: c.h, Stride: c.w + 1, Pix: make([]float32, (c.w+1)*c.h)}
		d := PlaneDenoiser{Threads: c.threads}
		if err := d.Denoise(dst, src, c.p); err != nil {
			t.Fatal(err)
		}
		var worst float64
		for y := 0; y < c.h; y++ {
			for x, v := range dst.Row(y) {
				worst = max(worst, math.Abs(float64(v)-want[y*c.w+x]))
			}
		}
		overall = max(overall, worst)
		if worst > 1e-4 {
			t.Errorf("%dx%d %v threads %d: max |fast − reference| = %.2e", c.w, c.h, c.p, c.threads, worst)
		}
	}
}
