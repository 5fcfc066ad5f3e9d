package temporal

import (
	"math"

	"github.com/denoise-go/denoise/filter/nlm"
)

// stAnchor is one row of the neighbours' parameter table: the patch radius ft and the
// radius rt of the window around the compensated position in each neighbour, and h/σ.
type stAnchor struct {
	sigma  float64
	ft, rt int
	hkt    float64
}

// stTable was tuned on carphone (QCIF, AWGN added to the 8-bit codes, rounded and clipped,
// σ estimated) for a centred window of radius 2, and checked on park_joy. With motion
// compensated neighbours, large patches and a small h pick the neighbours' pixels that
// really match: at σ=20, 7×7 patches and h=0.45σ scored 33.38 dB against 32.21 with the
// spatial table's 3×3 patches and h=0.9σ.
var stTable = []stAnchor{
	{5, 2, 1, 0.70},
	{10, 3, 1, 0.55},
	{20, 3, 1, 0.45},
	{35, 4, 1, 0.36},
	{50, 4, 1, 0.30},
}

// stSearch is the centre frame's search radius when there are neighbours. At σ=20 with
// radius 2 on carphone, 5×5 candidates besides theirs scored 33.25 dB, 7×7 33.30 and 11×11
// 33.29; 5×5 costs a fifth of 11×11 and half of 7×7.
const stSearch = 2

// spatialWeight is the weight of the centre frame's candidates relative to the neighbours'
// when there are n neighbours: 0.6/√n, tuned at σ=20 for n = 1, 2 and 4 (best 0.5–0.6,
// 0.4 and 0.3). The centre frame's candidates use the spatial NLM's patches and h, and
// fill in where the neighbours do not match (occlusions, uncovered background, failed
// motion); with their full weight they would blur what the neighbours resolve (−0.5 dB
// at n = 4), with the neighbours' small h and large patches they find too few matches
// there (a moving square: 0.1 dB below spatial NLM where it moves, causal r=2; 0.7 dB
// above with this weighting).
func spatialWeight(n int) float64 { return 0.6 / math.Sqrt(float64(n)) }

// STNLMParams returns the tuned parameters for noise of σ (0–255 scale) when a frame has n
// aligned neighbours: with none, the spatial NLM's (nlm.DefaultParams); otherwise those
// with a smaller search window and weighted down by spatialWeight(n), and for the
// neighbours the patch and window radii of the nearest table row and h/σ interpolated
// linearly between rows.
func STNLMParams(sigma float64, n int) STParams {
	sp := nlm.DefaultParams(sigma)
	if n == 0 {
		return STParams{Spatial: sp}
	}
	sp.SearchRadius = min(sp.SearchRadius, stSearch)
	t := stTable
	a, b, u := t[0], t[0], 0.0
	switch {
	case sigma <= t[0].sigma:
	case sigma >= t[len(t)-1].sigma:
		a, b = t[len(t)-1], t[len(t)-1]
	default:
		i := 1
		for t[i].sigma < sigma {
			i++
		}
		a, b = t[i-1], t[i]
		u = (sigma - a.sigma) / (b.sigma - a.sigma)
	}
	near := a
	if u > 0.5 {
		near = b
	}
	hkt := a.hkt + u*(b.hkt-a.hkt)
	p := STParams{
		Spatial: sp,
		Cross: nlm.CrossParams{SearchRadius: near.rt, PatchRadius: near.ft, H: hkt * sigma, Sigma: sigma,
			SpatialWeight: spatialWeight(n)},
	}
	if math.IsNaN(p.Cross.H) {
		p.Cross.H = 0
	}
	return p
}
