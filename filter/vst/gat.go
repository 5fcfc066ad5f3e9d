// Package vst holds variance-stabilising transforms for photon-limited data: the
// Poisson-Gaussian noise model, its parameters estimated from the data itself (a fit of local
// variance against local mean, after Foi et al. 2008), the generalized Anscombe transform
// (GAT) and its exact unbiased inverse (Mäkitalo & Foi 2013), and the per-sequence Model that
// applies them to frames so that a Gaussian denoiser can run between the two (modes makes
// pipeline stages of it).
//
// The model, in code values of the data's bit depth:
//
//	z = α·p + n,   p ~ Poisson(λ),   n ~ N(g, σ²)
//
// α is the gain (codes per detected photo-electron), σ the read noise and g the offset (dark
// level). The clean signal is y = E[z] = α·λ + g and Var[z] = α·(y − g) + σ² = a·y + b with
// a = α, b = σ² − α·g. The GAT
//
//	f(z) = (2/α)·√max(0, α·z + 3α²/8 + σ² − α·g)
//
// makes the noise approximately N(0, 1) whatever y (writing ẑ = (z−g)/α and σ̂ = σ/α it is
// 2·√max(0, ẑ + 3/8 + σ̂²), the classical Anscombe transform of the count plus read noise).
// After denoising, D ≈ E[f(z) | λ]; the algebraic inverse of f is biased at low counts, so D
// is inverted through E[f(z) | λ] itself, computed exactly (see Inverse).
package vst

import (
	"errors"
	"fmt"
	"math"

	"github.com/denoise-go/denoise/internal/dsp"
)

// Params are the Poisson-Gaussian parameters, in code values.
type Params struct {
	Alpha  float64 // gain α > 0
	Sigma  float64 // read-noise standard deviation σ ≥ 0
	Offset float64 // offset g (mean of the read noise)
}

// A is the slope of Var[z] against E[z] (= α).
func (p Params) A() float64 { return p.Alpha }

// B is the intercept of Var[z] against E[z] (= σ² − α·g).
func (p Params) B() float64 { return p.Sigma*p.Sigma - p.Alpha*p.Offset }

// FromAB returns the parameters of the line Var = a·E + b. Only σ² − α·g is identifiable from
// such a fit, so the offset is taken as 0 and σ² = b; when b < 0 (an offset larger than the
// read noise shows), σ = 0 and g = −b/a. Both give the same forward transform. For reporting,
// Fit.Camera bounds the offset and read noise by the data's darkest level instead.
func FromAB(a, b float64) Params {
	if b >= 0 {
		return Params{Alpha: a, Sigma: math.Sqrt(b)}
	}
	return Params{Alpha: a, Offset: -b / a}
}

// Validate checks α > 0, σ ≥ 0 and finite values.
func (p Params) Validate() error {
	if !(p.Alpha > 0) || math.IsInf(p.Alpha, 0) || !(p.Sigma >= 0) || math.IsInf(p.Sigma, 0) || math.IsNaN(p.Offset) || math.IsInf(p.Offset, 0) {
		return fmt.Errorf("vst: Poisson-Gaussian parameters %s: want gain > 0, sigma ≥ 0, all finite", p)
	}
	return nil
}

func (p Params) String() string {
	return fmt.Sprintf("gain=%.4g sigma=%.4g offset=%.4g", p.Alpha, p.Sigma, p.Offset)
}

// Transform is the GAT for fixed parameters with its exact unbiased inverse. It is immutable
// once made and safe for concurrent use.
type Transform struct {
	p      Params
	c      float64 // 3α²/8 + σ² − α·g
	sh     float64 // σ̂ = σ/α
	lamMax float64 // the exact table covers λ ∈ [0, lamMax]
	// lam and ef tabulate E[f(z) | λ] (strictly increasing) on a grid of λ.
	lam, ef []float64
}

// Table size and extent: λ is sampled at (i/N)²·lamMax, dense near zero where E[f|λ] bends;
// above lamMax the closed-form approximation of the exact inverse is used, whose error there
// is far below the table's.
const (
	tableN      = 4096
	tableLamMax = 400
)

// NewTransform prepares the transform and tabulates its exact unbiased inverse.
func NewTransform(p Params) (*Transform, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	t := &Transform{p: p, c: 3*p.Alpha*p.Alpha/8 + p.B(), sh: p.Sigma / p.Alpha}
	t.lamMax = tableLamMax + 4*t.sh*t.sh
	if err := t.tabulate(); err != nil {
		return nil, err
	}
	return t, nil
}

// Params returns the parameters of the transform.
func (t *Transform) Params() Params { return t.p }

// Forward returns f(z) for a code value z.
func (t *Transform) Forward(z float64) float64 { return dsp.GATForward(z, t.p.Alpha, t.c) }

// ForwardRow replaces each sample v of row with Forward(v·inScale)·outScale.
func (t *Transform) ForwardRow(row []float32, inScale, outScale float64) {
	dsp.GATForwardRow(row, inScale, t.p.Alpha, t.c, outScale)
}

// InverseRow replaces each sample v of row with Inverse(v·inScale)·outScale.
func (t *Transform) InverseRow(row []float32, inScale, outScale float64) {
	dsp.GATInverseRow(row, inScale, t.lam, t.ef, t.sh, t.p.Alpha, t.p.Offset, outScale)
}

// Algebraic returns the algebraic inverse f⁻¹(D) (clipped at the offset): the code value
// whose transform is D. It is biased at low counts; Inverse is not.
func (t *Transform) Algebraic(d float64) float64 {
	a := t.p.Alpha
	z := (a*a*d*d/4 - t.c) / a
	return max(z, t.p.Offset)
}

// ClosedForm is the closed-form approximation of the exact unbiased inverse (Mäkitalo & Foi
// 2013, eq. 19, in normalised units): λ ≈ D²/4 + √(3/2)/(4D) − 11/(8D²) + 5√(3/2)/(8D³) −
// 1/8 − σ̂², clipped at 0, returned as the code value α·λ + g.
func (t *Transform) ClosedForm(d float64) float64 {
	return t.p.Alpha*dsp.GATClosedLambda(d, t.sh) + t.p.Offset
}

// Expected returns E[f(z) | λ], the mean of the transformed data for a clean signal of λ
// counts (code value α·λ + g), computed by summing the Poisson-Gaussian expectation.
func (t *Transform) Expected(lambda float64) float64 {
	h := t.hk(int(lambda+12*math.Sqrt(lambda)) + 40)
	return expectedFrom(h, lgammas(len(h)), lambda)
}

// Inverse is the exact unbiased inverse: the code value y = α·λ + g whose E[f(z) | λ] is D.
// D below E[f(z) | 0] gives the offset (λ = 0); within the table λ is interpolated linearly
// between the tabulated points (E is strictly increasing, so this is monotone); beyond it the
// closed-form approximation continues.
func (t *Transform) Inverse(d float64) float64 {
	return t.p.Alpha*t.inverseLambda(d) + t.p.Offset
}

func (t *Transform) inverseLambda(d float64) float64 {
	return dsp.GATInverseLambda(d, t.lam, t.ef, t.sh)
}

// hk returns h[k] = E_n[2·√max(0, k + 3/8 + σ̂² + σ̂·ν)], ν ~ N(0,1), for k = 0..kmax: the mean
// transformed value given k photo-electrons.
func (t *Transform) hk(kmax int) []float64 {
	h := make([]float64, kmax+1)
	for k := range h {
		h[k] = gaussSqrtMean(float64(k)+0.375+t.sh*t.sh, t.sh)
	}
	return h
}

// gaussSqrtMean returns E[2·√max(0, c + s·ν)], ν ~ N(0,1), by composite Simpson integration
// over ν from the kink (or −9) to 9, in the variable u = √(c + s·ν) where the integrand is
// smooth.
func gaussSqrtMean(c, s float64) float64 {
	if s == 0 {
		return 2 * math.Sqrt(max(c, 0))
	}
	lo := max(-9.0, -c/s)
	const hi = 9.0
	if lo >= hi {
		return 0
	}
	// ν = (u² − c)/s, dν = 2u/s du; integrand 2u·φ(ν)·2u/s.
	u0, u1 := math.Sqrt(max(c+s*lo, 0)), math.Sqrt(c+s*hi)
	const n = 512 // even
	du := (u1 - u0) / n
	var sum float64
	for i := 0; i <= n; i++ {
		u := u0 + float64(i)*du
		nu := (u*u - c) / s
		v := 4 * u * u / s * math.Exp(-nu*nu/2)
		switch {
		case i == 0 || i == n:
			sum += v
		case i%2 == 1:
			sum += 4 * v
		default:
			sum += 2 * v
		}
	}
	const invSqrt2Pi = 0.3989422804014327
	return sum * du / 3 * invSqrt2Pi
}

// lgammas returns ln(k!) for k < n.
func lgammas(n int) []float64 {
	lg := make([]float64, n)
	for k := range lg {
		lg[k], _ = math.Lgamma(float64(k) + 1)
	}
	return lg
}

// expectedFrom sums Poisson(k; λ)·h[k] over the k that matter (lg[k] = ln k!).
func expectedFrom(h, lg []float64, lambda float64) float64 {
	if lambda <= 0 {
		return h[0]
	}
	sd := math.Sqrt(lambda)
	k0 := max(0, int(lambda-12*sd-10))
	k1 := min(len(h)-1, int(lambda+12*sd+20))
	ll := math.Log(lambda)
	var sum, wsum float64
	for k := k0; k <= k1; k++ {
		w := math.Exp(float64(k)*ll - lambda - lg[k])
		sum += w * h[k]
		wsum += w
	}
	return sum / wsum
}

func (t *Transform) tabulate() error {
	h := t.hk(int(t.lamMax+12*math.Sqrt(t.lamMax)) + 40)
	lg := lgammas(len(h))
	t.lam = make([]float64, 0, tableN+1)
	t.ef = make([]float64, 0, tableN+1)
	for i := 0; i <= tableN; i++ {
		s := float64(i) / tableN
		l := s * s * t.lamMax
		e := expectedFrom(h, lg, l)
		if n := len(t.ef); n > 0 && !(e > t.ef[n-1]) {
			continue // flat at the resolution of float64: keep the table strictly increasing
		}
		t.lam = append(t.lam, l)
		t.ef = append(t.ef, e)
	}
	if len(t.ef) < 2 {
		return errors.New("vst: the expectation table is degenerate")
	}
	return nil
}
