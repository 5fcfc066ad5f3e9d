package nlm

import "math"

// lutLen is the number of nodes of the weight table; with the (value, slope) pairs it takes
// 32 KiB, which stays in L1 while a band runs.
const lutLen = 4096

// tailT is where the table ends in units of h²: exp(−tailT) is treated as 0.
const tailT = 30

// weightLUT maps a patch SSD to the IPOL weight exp(−max(d²−2σ², 0)/h²), d² = SSD/n, by
// linear interpolation between nodes, so the inner loop has no exp and no branch: v = SSD·scale,
// i = ⌊v⌋ clamped to the last node (whose value and slope are 0), w = val[i] + (v−i)·slope[i].
// The kink at d² = 2σ² falls on a node, so interpolation is exact across it; elsewhere the
// relative error of the interpolation is below 1e-5.
type weightLUT struct {
	scale float32
	tab   [lutLen + 1][2]float32
}

// init sets the table for patches of n samples, σ and h in working units.
func (l *weightLUT) init(n int, sigma, h float64) {
	k := 2 * sigma * sigma / (h * h) // the flat part, in units of h²
	step := (k + tailT) / (lutLen - 2)
	n0 := 0
	if k > 0 {
		n0 = max(1, int(math.Round(k/step)))
		step = k / float64(n0)
	}
	l.scale = float32(1 / (float64(n) * step * h * h))
	for i := 0; i < lutLen; i++ {
		t := float64(i-n0) * step
		l.tab[i][0] = float32(math.Exp(-max(t, 0)))
	}
	l.tab[lutLen] = [2]float32{}
	for i := 0; i < lutLen; i++ {
		l.tab[i][1] = l.tab[i+1][0] - l.tab[i][0]
	}
}

// weight is the scalar form of the inner loop's lookup (for tests and cold paths).
func (l *weightLUT) weight(ssd float32) float32 {
	v := ssd * l.scale
	i := min(uint64(int64(v)), lutLen)
	e := &l.tab[i]
	return e[0] + (v-float32(i))*e[1]
}
