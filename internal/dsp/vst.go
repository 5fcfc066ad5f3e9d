package dsp

import (
	"math"
	"sort"
)

// Kernels of the generalized Anscombe transform (Poisson-Gaussian noise): the forward
// transform and its exact unbiased inverse, per sample and per row.

// GATForward is f(z) = 2/α·√(α·z + c) for a code value z (0 where the root's argument is not
// positive), c = 3α²/8 + σ² − α·g.
func GATForward(z, alpha, c float64) float64 {
	v := alpha*z + c
	if v <= 0 {
		return 0
	}
	return 2 / alpha * math.Sqrt(v)
}

// GATForwardRow replaces each sample v of row with GATForward(v·inScale)·outScale.
func GATForwardRow(row []float32, inScale, alpha, c, outScale float64) {
	for x, v := range row {
		row[x] = float32(GATForward(float64(v*float32(inScale)), alpha, c) * outScale)
	}
}

// GATClosedLambda is the closed-form approximation of the exact unbiased inverse in
// normalised units (λ counts, σ̂ = σ/α): D²/4 + √(3/2)/(4D) − 11/(8D²) + 5√(3/2)/(8D³) − 1/8
// − σ̂², clipped at 0.
func GATClosedLambda(d, sh float64) float64 {
	if d <= 0 {
		return 0
	}
	const s32 = 1.224744871391589 // √(3/2)
	l := d*d/4 + s32/(4*d) - 11/(8*d*d) + 5*s32/(8*d*d*d) - 1.0/8 - sh*sh
	return max(l, 0)
}

// GATInverseLambda is the exact unbiased inverse in counts: the λ whose E[f(z) | λ] is d,
// from the table (lam[i], ef[i]) of that strictly increasing expectation — 0 below ef[0],
// linear between the nodes, and past the last node the closed form (never below lam's last).
func GATInverseLambda(d float64, lam, ef []float64, sh float64) float64 {
	if !(d > ef[0]) {
		return 0
	}
	n := len(ef)
	if d >= ef[n-1] {
		return max(GATClosedLambda(d, sh), lam[n-1])
	}
	i := sort.SearchFloat64s(ef, d) // ef[i-1] < d ≤ ef[i]
	u := (d - ef[i-1]) / (ef[i] - ef[i-1])
	return lam[i-1] + u*(lam[i]-lam[i-1])
}

// GATInverseRow replaces each sample v of row with (α·GATInverseLambda(v·inScale) + offset)·
// outScale: the code value of the exact unbiased inverse, scaled.
func GATInverseRow(row []float32, inScale float64, lam, ef []float64, sh, alpha, offset, outScale float64) {
	for x, v := range row {
		row[x] = float32((alpha*GATInverseLambda(float64(v)*inScale, lam, ef, sh) + offset) * outScale)
	}
}

// IntegralRow writes row y of a summed-area table: dst[0] = 0 and dst[x+1] = above[x+1] +
// Σ_{i≤x} src[i]·scale (squared first when squares is set), dst and above of len(src)+1.
func IntegralRow(dst, above []float64, src []float32, scale float64, squares bool) {
	n := len(src)
	dst, above = dst[:n+1], above[:n+1]
	dst[0] = 0
	var s float64
	for x, v := range src {
		f := float64(v) * scale
		if squares {
			f *= f
		}
		s += f
		dst[x+1] = above[x+1] + s
	}
}

// BoxSum is the sum over [x0, x1) × [y0, y1) from a summed-area table with rows stride apart.
func BoxSum(sat []float64, stride, x0, y0, x1, y1 int) float64 {
	return sat[y1*stride+x1] - sat[y0*stride+x1] - sat[y1*stride+x0] + sat[y0*stride+x0]
}
