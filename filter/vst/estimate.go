package vst

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// Bin is one level set of the fit: pixels whose local mean falls in one interval.
type Bin struct {
	Mean    float64 // mean of the local means (codes)
	Var     float64 // noise variance measured on the detail coefficients (codes²)
	N       int     // pixels
	Clipped float64 // share of the pixels with a sample at the lowest or highest code in their 3×3 support
	Used    bool    // taken into the final fit
}

// Fit is a parameter estimate with its evidence.
type Fit struct {
	Params
	A, B   float64 // the fitted line Var = A·E + B
	Bins   []Bin
	Pixels int // pixels in the smooth set
}

func (f Fit) String() string {
	used := 0
	for _, b := range f.Bins {
		if b.Used {
			used++
		}
	}
	return fmt.Sprintf("%s (var = %.4g·mean %+.4g; %d of %d level sets, %d smooth pixels)", f.Params, f.A, f.B, used, len(f.Bins), f.Pixels)
}

// ErrNoFit is returned by Estimate when the data has too few smooth regions at
// different levels to fit a line.
var ErrNoFit = errors.New("vst: too few smooth level sets at different levels to fit the noise model")

// Tuning of Estimate.
const (
	minSlopeZ  = 4.0         // a slope under this many standard errors is no evidence of shot noise
	bendSE     = 0.253       // standard error of a local-mean second difference per unit noise σ (√(40/625))
	meanRadius = 2           // local means over (2r+1)² windows
	binPixels  = 1500        // target pixels per level set
	minBins    = 6           // fewer level sets than this: no fit
	maxBins    = 48          // more than this: merged
	maxClipped = 0.005       // level sets with more clipped samples are left out
	outlierZ   = 4.0         // bins further than this many standard errors from the line are dropped
	smoothZ    = 3.0         // local-mean second differences beyond this many standard errors mark an edge
	trimZ      = 4.0         // detail coefficients beyond this many robust σ are texture, not noise
	trimFactor = 0.998932686 // E[ν² | |ν| < 4] for ν ~ N(0,1)
	madToSigma = 1.482602218505602
	detailNorm = 6.0 // ‖M‖₂ of the detail mask
	// detailCorr is Σ ρ² over all lags of the detail coefficients of white noise,
	// ρ(dx,dy) = r(dx)·r(dy)/36 with r = (1, −4, 6, −4, 1): neighbouring coefficients share
	// samples, so a mean of n squares varies as one of n/3.78 independent ones.
	detailCorr  = 70.0 * 70.0 / 1296
	minPixelsFn = 4 * binPixels
	// maxCandidates bounds the pixels the fit keeps (16 bytes each).
	maxCandidates = 2e6
)

// Estimate fits the Poisson-Gaussian model to planes (working-format samples of the given bit
// depth), in the manner of Foi et al. (2008), "Practical Poissonian-Gaussian noise modeling
// and fitting for single-image raw-data":
//
//  1. Detail coefficients d = (z ∗ M)/6 with Immerkær's mask M = [[1,−2,1],[−2,4,−2],[1,−2,1]]
//     (‖M‖₂ = 6, so Var d = Var z where the variance is locally constant; M cancels any signal
//     linear along a row or a column), and local means m over 5×5 windows.
//  2. Smooth set: pixels whose local-mean second differences (m two pixels either side, along
//     both axes: ramps pass) stay within 3 standard errors of the noise a first fit predicts,
//     so edges and texture, which inflate d, are left out.
//  3. Level sets: the smooth pixels sorted by m and cut into equal-count bins; in each, the
//     variance of d after dropping coefficients beyond 4 robust σ (MAD), corrected for the
//     trim. A bin is clipped when more than 0.5 % of its pixels have a sample at the lowest
//     or highest code in their 3×3 support; its variance is the plain mean square of d.
//  4. Without clipped bins: a weighted least-squares line Var = a·mean + b (weights n/Var²,
//     the inverse variance of a sample variance, with n shrunk by the correlation of
//     neighbouring coefficients), iterated with the weights from the line and dropping bins
//     more than 4 standard errors off it.
//  5. With clipped bins (dark data clipped at 0, as photon-limited data with no offset
//     always is), the model of Foi et al. for clipped data instead: each bin's observed mean
//     gives, through the exact mean of clip(α·Poisson(λ) + N(g, σ²)), its λ, and the
//     model's variance of the clipped data at that λ is compared with the observed one; a
//     and b minimise the weighted squared residuals (Nelder–Mead), with the same outlier rule.
//
// a is the gain α; b = σ² − α·g (see FromAB for how σ and g are split). The first pass of
// 2–4 uses the MAD of d alone, without the smooth set, and all bins when too few are
// unclipped; it gives the start of 4 or 5.
func Estimate(planes []*frame.Plane, bitDepth int) (Fit, error) {
	if bitDepth < 1 || bitDepth > 16 {
		return Fit{}, fmt.Errorf("vst: bit depth %d", bitDepth)
	}
	maxCode := float64(int(1)<<bitDepth - 1)
	// Large inputs are sampled on a grid so that at most about maxCandidates pixels are kept.
	total := 0
	for _, p := range planes {
		total += p.W * p.H
	}
	step := max(1, int(math.Ceil(math.Sqrt(float64(total)/maxCandidates))))
	var px []pixel
	for _, p := range planes {
		px = appendPixels(px, p, maxCode, step)
	}
	if len(px) < minPixelsFn {
		return Fit{}, fmt.Errorf("%w (%d pixels)", ErrNoFit, len(px))
	}
	sort.Slice(px, func(i, j int) bool { return px[i].m < px[j].m })

	// First pass: every pixel, robust scale per bin; a line through the unclipped level sets,
	// or through all of them (biased low where clipped, but a start).
	bins := levelSets(px, func(pixel) bool { return true }, madVariance)
	a, b, err := fitLine(bins, false)
	if err != nil {
		if a, b, err = fitLine(bins, true); err != nil {
			return Fit{Bins: bins, Pixels: len(px)}, err
		}
	}
	b = max(b, 0)
	// Second pass: the smooth set, trimmed variance.
	smooth := func(q pixel) bool {
		v := a*float64(q.m) + b
		if v <= 0 {
			return false
		}
		return float64(q.bend) <= smoothZ*bendSE*math.Sqrt(v)
	}
	n := 0
	for _, q := range px {
		if smooth(q) {
			n++
		}
	}
	if n < minPixelsFn {
		return Fit{Params: FromAB(a, b), A: a, B: b, Bins: bins, Pixels: len(px)}, nil // too little is smooth
	}
	bins2 := levelSets(px, smooth, trimmedVariance)
	clipped := 0
	for _, bn := range bins2 {
		if bn.Clipped > maxClipped {
			clipped++
		}
	}
	var a2, b2 float64
	var err2 error
	if clipped == 0 {
		a2, b2, err2 = fitLine(bins2, false)
	} else {
		a2, b2, err2 = fitClipped(bins2, a, b, maxCode)
	}
	if err2 != nil {
		return Fit{Params: FromAB(a, b), A: a, B: b, Bins: bins, Pixels: len(px)}, nil
	}
	return Fit{Params: FromAB(a2, b2), A: a2, B: b2, Bins: bins2, Pixels: n}, nil
}

// pixel is one candidate: its local mean, the largest second difference of local means
// (along a row or a column, r pixels apart), its detail coefficient and whether its detail
// support holds a clipped sample.
type pixel struct {
	m, bend, d float32
	clipped    bool
}

// appendPixels adds the candidates of one plane: the pixels far enough from the border, every
// step-th of each row and column.
func appendPixels(px []pixel, p *frame.Plane, maxCode float64, step int) []pixel {
	w, h := p.W, p.H
	r := meanRadius
	if w < 2*r+5 || h < 2*r+5 {
		return px
	}
	// Integral image of the codes, for the box means.
	iw := w + 1
	sat := make([]float64, iw*(h+1))
	for y := 0; y < h; y++ {
		dsp.IntegralRow(sat[(y+1)*iw:(y+2)*iw], sat[y*iw:(y+1)*iw], p.Row(y), maxCode, false)
	}
	box := func(x, y int) float64 { // mean over the window centred at (x,y)
		return dsp.BoxSum(sat, iw, x-r, y-r, x+r+1, y+r+1) / float64((2*r+1)*(2*r+1))
	}
	code := func(v float32) float64 { return float64(v) * maxCode }
	lo, hi := float32(0.5/maxCode), float32(1-0.5/maxCode)
	// Slopes look r pixels to either side, so candidates keep 2r from the border.
	for y := 2 * r; y < h-2*r; y += step {
		a, b, c := p.Row(y-1), p.Row(y), p.Row(y+1)
		for x := 2 * r; x < w-2*r; x += step {
			d := (code(a[x-1]) - 2*code(a[x]) + code(a[x+1]) - 2*code(b[x-1]) + 4*code(b[x]) - 2*code(b[x+1]) +
				code(c[x-1]) - 2*code(c[x]) + code(c[x+1])) / detailNorm
			clipped := false
			for _, row := range [3][]float32{a, b, c} {
				for _, v := range row[x-1 : x+2] {
					if v < lo || v > hi {
						clipped = true
					}
				}
			}
			m := box(x, y)
			bend := max(math.Abs(box(x+r, y)-2*m+box(x-r, y)), math.Abs(box(x, y+r)-2*m+box(x, y-r)))
			px = append(px, pixel{m: float32(m), bend: float32(bend), d: float32(d), clipped: clipped})
		}
	}
	return px
}

// levelSets cuts the pixels that pass keep (px sorted by m) into equal-count bins.
func levelSets(px []pixel, keep func(pixel) bool, variance func(ds []float64, clipped bool) float64) []Bin {
	n := 0
	for _, q := range px {
		if keep(q) {
			n++
		}
	}
	k := min(maxBins, n/binPixels)
	if k < 1 {
		return nil
	}
	per := (n + k - 1) / k
	var bins []Bin
	var ds []float64
	var sumM float64
	var clipped int
	flush := func() {
		if len(ds) == 0 {
			return
		}
		share := float64(clipped) / float64(len(ds))
		bins = append(bins, Bin{Mean: sumM / float64(len(ds)), Var: variance(ds, share > maxClipped), N: len(ds),
			Clipped: share})
		ds, sumM, clipped = ds[:0], 0, 0
	}
	for _, q := range px {
		if !keep(q) {
			continue
		}
		ds = append(ds, float64(q.d))
		sumM += float64(q.m)
		if q.clipped {
			clipped++
		}
		if len(ds) == per {
			flush()
		}
	}
	if len(ds) >= per/2 {
		flush()
	}
	return bins
}

// madVariance is the square of the MAD estimate of the scale of zero-mean ds.
func madVariance(ds []float64, _ bool) float64 {
	a := make([]float64, len(ds))
	for i, d := range ds {
		a[i] = math.Abs(d)
	}
	s := madToSigma * median(a)
	return s * s
}

// trimmedVariance is the mean square of ds within trimZ robust σ, corrected for the trim; of
// clipped data (far from Gaussian) it is the plain mean square.
func trimmedVariance(ds []float64, clipped bool) float64 {
	if clipped {
		var sum float64
		for _, d := range ds {
			sum += d * d
		}
		return sum / float64(len(ds))
	}
	s := math.Sqrt(madVariance(ds, false))
	lim := trimZ * s
	var sum float64
	n := 0
	for _, d := range ds {
		if math.Abs(d) <= lim {
			sum += d * d
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n) / trimFactor
}

func median(a []float64) float64 {
	if len(a) == 0 {
		return 0
	}
	slices.Sort(a)
	n := len(a)
	if n%2 == 1 {
		return a[n/2]
	}
	return (a[n/2-1] + a[n/2]) / 2
}

// fitLine fits Var = a·mean + b by weighted least squares over the unclipped bins (all bins
// with withClipped), with weights n/Var² (from the line once there is one), dropping outliers
// one at a time; it marks the bins used.
func fitLine(bins []Bin, withClipped bool) (a, b float64, err error) {
	for i := range bins {
		bins[i].Used = (withClipped || bins[i].Clipped <= maxClipped) && bins[i].Var > 0
	}
	for drops := 0; ; drops++ {
		if a, b, err = wls(bins); err != nil {
			return 0, 0, err
		}
		if drops == len(bins) {
			return a, b, nil
		}
		worst, wi := outlierZ, -1
		for i, bn := range bins {
			if !bn.Used {
				continue
			}
			v := a*bn.Mean + b
			if v <= 0 {
				worst, wi = math.Inf(1), i
				continue
			}
			z := math.Abs(bn.Var-v) / (v * math.Sqrt(2*detailCorr/float64(bn.N)))
			if z > worst {
				worst, wi = z, i
			}
		}
		if wi < 0 {
			return a, b, nil
		}
		bins[wi].Used = false
	}
}

// wls is the iteratively reweighted fit over the bins marked used.
func wls(bins []Bin) (a, b float64, err error) {
	have := false
	for iter := 0; iter < 4; iter++ {
		var sw, sx, sy, sxx, sxy float64
		used := 0
		for _, bn := range bins {
			if !bn.Used {
				continue
			}
			v := bn.Var
			if have {
				v = max(a*bn.Mean+b, 0.05*bn.Var)
			}
			w := float64(bn.N) / (detailCorr * v * v)
			sw += w
			sx += w * bn.Mean
			sy += w * bn.Var
			sxx += w * bn.Mean * bn.Mean
			sxy += w * bn.Mean * bn.Var
			used++
		}
		det := sw*sxx - sx*sx
		if used < minBins/2 || det <= 0 {
			return 0, 0, ErrNoFit
		}
		a = (sw*sxy - sx*sy) / det
		b = (sy - a*sx) / sw
		have = true
		if se := math.Sqrt(sw / det); !(a > minSlopeZ*se) {
			return 0, 0, fmt.Errorf("%w: the variance does not grow with the signal (slope %.3g ± %.2g)", ErrNoFit, a, se)
		}
	}
	return a, b, nil
}
