package vst

import (
	"math"
	"sort"
)

// clipTable tabulates the mean and variance of clip(α·Poisson(λ) + N(g, σ²), 0, hi) over a
// grid of λ, for one parameter set.
type clipTable struct {
	lam, mean, vr []float64
}

const clipGrid = 192

// newClipTable tabulates λ ∈ [0, lamMax] (√-spaced).
func newClipTable(p Params, hi, lamMax float64) *clipTable {
	t := &clipTable{lam: make([]float64, clipGrid), mean: make([]float64, clipGrid), vr: make([]float64, clipGrid)}
	for i := range clipGrid {
		s := float64(i) / (clipGrid - 1)
		l := s * s * lamMax
		m1, m2 := clippedMoments(p, hi, l)
		t.lam[i], t.mean[i], t.vr[i] = l, m1, max(m2-m1*m1, 0)
	}
	return t
}

// variance returns the model's variance at the λ whose clipped mean is m, and false when m is
// outside what the table covers.
func (t *clipTable) variance(m float64) (float64, bool) {
	n := len(t.mean)
	if m <= t.mean[0] {
		return t.vr[0], true
	}
	if m >= t.mean[n-1] {
		return 0, false
	}
	i := sort.SearchFloat64s(t.mean, m)
	if i == 0 || t.mean[i] == t.mean[i-1] {
		return t.vr[i], true
	}
	u := (m - t.mean[i-1]) / (t.mean[i] - t.mean[i-1])
	return t.vr[i-1] + u*(t.vr[i]-t.vr[i-1]), true
}

// clippedMoments returns E[c] and E[c²] for c = clip(α·k + g + σ·ν, 0, hi), k ~ Poisson(λ),
// ν ~ N(0, 1).
func clippedMoments(p Params, hi, lambda float64) (m1, m2 float64) {
	k0, k1 := 0, 0
	if lambda > 0 {
		sd := math.Sqrt(lambda)
		k0 = max(0, int(lambda-9*sd-5))
		k1 = int(lambda + 9*sd + 12)
	}
	var ws float64
	ll := math.Log(lambda)
	for k := k0; k <= k1; k++ {
		w := 1.0
		if lambda > 0 {
			lg, _ := math.Lgamma(float64(k) + 1)
			w = math.Exp(float64(k)*ll - lambda - lg)
		}
		e1, e2 := clippedGauss(p.Alpha*float64(k)+p.Offset, p.Sigma, hi)
		m1 += w * e1
		m2 += w * e2
		ws += w
	}
	return m1 / ws, m2 / ws
}

// clippedGauss returns E[c] and E[c²] for c = clip(X, 0, hi), X ~ N(mu, s²) (s may be 0).
func clippedGauss(mu, s, hi float64) (e1, e2 float64) {
	if s == 0 {
		c := min(max(mu, 0), hi)
		return c, c * c
	}
	// E[max(X−t, 0)] and E[max(X−t, 0)²].
	pos := func(t float64) (float64, float64) {
		d := mu - t
		z := d / s
		phi := math.Exp(-z*z/2) / math.Sqrt(2*math.Pi)
		cdf := 0.5 * math.Erfc(-z/math.Sqrt2)
		return d*cdf + s*phi, (d*d+s*s)*cdf + d*s*phi
	}
	a1, a2 := pos(0)
	b1, b2 := pos(hi)
	return a1 - b1, a2 - b2 - 2*hi*b1
}

// fitClipped fits (a, b) to the bins with the clipped model, starting from (a0, b0), and
// marks the bins used.
func fitClipped(bins []Bin, a0, b0, hi float64) (a, b float64, err error) {
	for i := range bins {
		bins[i].Used = bins[i].Var > 0
	}
	top := 0.0
	for _, bn := range bins {
		top = max(top, bn.Mean)
	}
	scaleB := max(a0*top/10, 1)
	// resid returns the standardised residual of each used bin under (a, b) (NaN where the
	// model cannot place the bin).
	resid := func(a, b float64, out []float64) {
		p := FromAB(a, b)
		// The table reaches past the brightest clipped bin; unclipped bins use the line.
		lmax := 0.0
		for _, bn := range bins {
			if bn.Used && bn.Clipped > maxClipped {
				lmax = max(lmax, (bn.Mean-p.Offset)/a)
			}
		}
		var t *clipTable
		if lmax > 0 {
			t = newClipTable(p, hi, 1.5*lmax+20)
		}
		for i, bn := range bins {
			out[i] = math.NaN()
			if !bn.Used {
				continue
			}
			v := a*bn.Mean + b
			if bn.Clipped > maxClipped && t != nil {
				var ok bool
				if v, ok = t.variance(bn.Mean); !ok {
					continue
				}
			}
			if v <= 0 {
				continue
			}
			out[i] = (bn.Var - v) / (v * math.Sqrt(2*detailCorr/float64(bn.N)))
		}
	}
	r := make([]float64, len(bins))
	cost := func(x []float64) float64 {
		a, b := math.Exp(x[0]), x[1]*scaleB
		resid(a, b, r)
		var c float64
		for i, bn := range bins {
			if !bn.Used {
				continue
			}
			if math.IsNaN(r[i]) {
				c += 1e6 // a bin the model cannot produce
				continue
			}
			c += r[i] * r[i]
		}
		return c
	}
	x := []float64{math.Log(a0), b0 / scaleB}
	for drops := 0; ; drops++ {
		x = nelderMead(cost, x, []float64{0.2, 0.5}, 300)
		a, b = math.Exp(x[0]), x[1]*scaleB
		resid(a, b, r)
		worst, wi := outlierZ, -1
		used := 0
		for i, bn := range bins {
			if !bn.Used {
				continue
			}
			used++
			z := math.Abs(r[i])
			if math.IsNaN(z) {
				z = math.Inf(1)
			}
			if z > worst {
				worst, wi = z, i
			}
		}
		if used < minBins/2 {
			return 0, 0, ErrNoFit
		}
		if wi < 0 || drops >= len(bins)/2 {
			return a, b, nil
		}
		bins[wi].Used = false
	}
}

// nelderMead minimises f from x0 with initial steps step, for at most iters iterations.
func nelderMead(f func([]float64) float64, x0, step []float64, iters int) []float64 {
	n := len(x0)
	pts := make([][]float64, n+1)
	val := make([]float64, n+1)
	for i := range pts {
		pts[i] = append([]float64(nil), x0...)
		if i > 0 {
			pts[i][i-1] += step[i-1]
		}
		val[i] = f(pts[i])
	}
	point := func(c []float64, t float64, w []float64) []float64 {
		out := make([]float64, n)
		for j := range out {
			out[j] = c[j] + t*(w[j]-c[j])
		}
		return out
	}
	for it := 0; it < iters; it++ {
		// Order.
		idx := make([]int, n+1)
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(i, j int) bool { return val[idx[i]] < val[idx[j]] })
		p2, v2 := make([][]float64, n+1), make([]float64, n+1)
		for i, k := range idx {
			p2[i], v2[i] = pts[k], val[k]
		}
		pts, val = p2, v2
		if math.Abs(val[n]-val[0]) <= 1e-9*(1+math.Abs(val[0])) {
			break
		}
		c := make([]float64, n)
		for _, p := range pts[:n] {
			for j := range c {
				c[j] += p[j] / float64(n)
			}
		}
		xr := point(c, -1, pts[n])
		fr := f(xr)
		switch {
		case fr < val[0]:
			xe := point(c, -2, pts[n])
			if fe := f(xe); fe < fr {
				pts[n], val[n] = xe, fe
			} else {
				pts[n], val[n] = xr, fr
			}
		case fr < val[n-1]:
			pts[n], val[n] = xr, fr
		default:
			xc := point(c, 0.5, pts[n])
			if fc := f(xc); fc < val[n] {
				pts[n], val[n] = xc, fc
			} else {
				for i := 1; i <= n; i++ {
					pts[i] = point(pts[0], 0.5, pts[i])
					val[i] = f(pts[i])
				}
			}
		}
	}
	best := 0
	for i := range val {
		if val[i] < val[best] {
			best = i
		}
	}
	return pts[best]
}
