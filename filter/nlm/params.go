package nlm

import "math"

// anchor is one row of the default parameter table, tuned on Set12 (gray, AWGN added to 8-bit
// codes then rounded and clipped) to maximise the mean PSNR of the filter: a grid of patch
// 3×3/5×5/7×7, search 11×11/15×15/19×19 and h from 0.3σ to 1.4σ at each σ. The IPOL table
// (3×3 or 5×5 patches, 21×21 search, h = 0.4σ) was the start; with the 2σ² offset in the
// weight and the pixel itself at weight 1, a small search window and a larger h measured
// better on these images (σ=25: IPOL's 28.25 dB against 28.75).
type anchor struct {
	sigma float64
	f, r  int
	hk    float64 // h/σ
}

var defaultTable = []anchor{
	{5, 1, 5, 1.0},  // 37.27 dB at σ=5
	{10, 1, 5, 1.0}, // 33.49
	{15, 1, 5, 1.0}, // 31.37
	{25, 2, 5, 0.8}, // 28.75
	{35, 2, 5, 0.7}, // 27.01
	{50, 2, 5, 0.6}, // 24.86
	{75, 2, 5, 0.3}, // 22.19 (heavy clipping at 0 and 255 lowers the noise actually there)
}

// DefaultParams returns the tuned parameters for noise of σ (0–255 scale): patch and search
// radii of the nearest table row, h/σ interpolated linearly between rows.
func DefaultParams(sigma float64) Params {
	t := defaultTable
	p := Params{Sigma: sigma}
	switch {
	case sigma <= t[0].sigma:
		p.PatchRadius, p.SearchRadius, p.H = t[0].f, t[0].r, t[0].hk*sigma
		return p
	case sigma >= t[len(t)-1].sigma:
		a := t[len(t)-1]
		p.PatchRadius, p.SearchRadius, p.H = a.f, a.r, a.hk*sigma
		return p
	}
	i := 1
	for t[i].sigma < sigma {
		i++
	}
	a, b := t[i-1], t[i]
	u := (sigma - a.sigma) / (b.sigma - a.sigma)
	near := a
	if u > 0.5 {
		near = b
	}
	p.PatchRadius, p.SearchRadius = near.f, near.r
	p.H = (a.hk + u*(b.hk-a.hk)) * sigma
	if math.IsNaN(p.H) {
		p.H = 0
	}
	return p
}
