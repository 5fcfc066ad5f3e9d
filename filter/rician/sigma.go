// Package rician denoises MR magnitude images, whose noise is Rician: the magnitude
// x = |A + n₁ + i·n₂| of a complex signal with Gaussian noise n₁, n₂ ~ N(0, σ²). Where the
// signal A is 0 (the background around the body) x is Rayleigh-distributed, E[x] = σ·√(π/2),
// so a denoiser that averages magnitudes leaves a bright veil there. The unbiased way
// (Manjón et al. 2008, Coupé et al.) averages squared magnitudes, E[x²] = A² + 2σ², and
// returns √max(E[x²] − 2σ², 0). σ is estimated from the background.
package rician

import (
	"fmt"
	"math"

	"github.com/denoise-go/denoise/filter/noise"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// Background is a noise estimate from the background of an image.
type Background struct {
	// Sigma is σ on the 0–255 scale (σ in working units × 255).
	Sigma float64
	// Mode is the first estimate, from the mode of the local second moments (0–255 scale).
	Mode float64
	// Pixels is the number of background pixels the final estimate used, Share their share
	// of the image.
	Pixels int
	Share  float64
	// Ratio is E[x]²/E[x²] over those pixels: π/4 ≈ 0.785 for Rayleigh noise, ≈ 1 for a
	// signal well above the noise.
	Ratio float64
	// How is "background", or the fallback used when there is too little background.
	How string
}

func (b Background) String() string {
	if b.How != HowBackground {
		return fmt.Sprintf("sigma %.3g (%s)", b.Sigma, b.How)
	}
	return fmt.Sprintf("sigma %.3g from %d background pixels (%.1f %%; mode estimate %.3g, E[x]²/E[x²] %.3f)",
		b.Sigma, b.Pixels, 100*b.Share, b.Mode, b.Ratio)
}

// Ways the estimate was made.
const (
	HowBackground = "background"
	HowFallback   = "no Rayleigh background: Laplacian MAD of the whole image"
)

// Tuning of EstimateSigma.
const (
	localRadius = 3    // local second moments over 7×7 windows
	histBins    = 1200 // log-histogram bins
	histSmooth  = 4.0  // Gaussian smoothing of the histogram, in bins
	maskFactor  = 2.0  // background: local second moment < maskFactor·2σ₀²
	truncU      = 8.0  // refine over x² < truncU·2σ² (x < 4σ)
	minPixels   = 256
	minShare    = 0.005
	maxRatio    = 0.87 // above this the "background" is not Rayleigh noise
)

// EstimateSigma estimates σ of Rician noise in p (working-format samples) from its background:
//
//  1. Local second moments L = mean of x² over 7×7 windows. Over the background L is 2σ²
//     times a Gamma(49)/49 variable, whose logarithm has its mode exactly at 2σ² (Aja-
//     Fernández et al. 2008 take the mode of local moments likewise). The first mode of the
//     smoothed histogram of log L that stands out (≥ 10 % of the tallest) gives σ₀.
//  2. The background is then the pixels with L < 2·2σ₀² (a window with any tissue in it
//     exceeds that), and σ is refined by maximum likelihood for the Rayleigh law over them,
//     σ² = mean(x²)/2, with x² truncated at 8·2σ² (x < 4σ) and the truncation corrected,
//     iterated three times, so stray tissue pixels do not pull it up.
//
// If fewer than 256 pixels (or 0.5 %) are background, or their E[x]²/E[x²] is far from the
// Rayleigh π/4 (a dark tissue mode rather than noise), it falls back on the Laplacian MAD
// estimator of package noise, which reads σ where the signal is well above the noise.
func EstimateSigma(p *frame.Plane) Background { return EstimateSigmaPlanes([]*frame.Plane{p}) }

// EstimateSigmaPlanes is EstimateSigma over several planes (the first slices of a volume)
// pooled, for a steadier estimate.
func EstimateSigmaPlanes(planes []*frame.Plane) Background {
	fallback := func() Background {
		var s2 float64
		for _, p := range planes {
			s := noise.Estimate(p, noise.LaplacianMAD, nil)
			s2 += s * s
		}
		return Background{Sigma: math.Sqrt(s2 / float64(len(planes))), How: HowFallback}
	}
	r := localRadius
	n := float64((2*r + 1) * (2*r + 1))
	locals := make([][]float64, len(planes))
	var all []float64
	total := 0
	for pi, p := range planes {
		w, h := p.W, p.H
		total += w * h
		if w < 2*r+2 || h < 2*r+2 {
			continue
		}
		// Integral image of x².
		iw := w + 1
		sat := make([]float64, iw*(h+1))
		for y := 0; y < h; y++ {
			dsp.IntegralRow(sat[(y+1)*iw:(y+2)*iw], sat[y*iw:(y+1)*iw], p.Row(y), 1, true)
		}
		local := make([]float64, 0, (w-2*r)*(h-2*r))
		for y := r; y < h-r; y++ {
			for x := r; x < w-r; x++ {
				local = append(local, dsp.BoxSum(sat, iw, x-r, y-r, x+r+1, y+r+1)/n)
			}
		}
		locals[pi] = local
		all = append(all, local...)
	}
	m2 := logMode(all)
	if !(m2 > 0) {
		return fallback()
	}
	s0 := math.Sqrt(m2 / 2)

	// Refine over the background.
	lim := maskFactor * m2
	s2 := s0 * s0
	var cnt int
	var sx, sxx float64
	for iter := 0; iter < 3; iter++ {
		cut := truncU * 2 * s2
		cnt, sx, sxx = 0, 0, 0
		for pi, p := range planes {
			local := locals[pi]
			if local == nil {
				continue
			}
			i := 0
			for y := r; y < p.H-r; y++ {
				row := p.Row(y)
				for x := r; x < p.W-r; x++ {
					l := local[i]
					i++
					if l >= lim {
						continue
					}
					v := float64(row[x])
					if v*v >= cut {
						continue
					}
					cnt++
					sx += v
					sxx += v * v
				}
			}
		}
		if cnt == 0 {
			return fallback()
		}
		// E[Y | Y < u] for Y = x²/(2σ²) ~ Exp(1).
		c := (1 - (1+truncU)*math.Exp(-truncU)) / (1 - math.Exp(-truncU))
		s2 = sxx / float64(cnt) / (2 * c)
	}
	b := Background{Sigma: math.Sqrt(s2) * 255, Mode: s0 * 255, Pixels: cnt, Share: float64(cnt) / float64(total), How: HowBackground}
	b.Ratio = (sx / float64(cnt)) * (sx / float64(cnt)) / (sxx / float64(cnt))
	if cnt < minPixels || b.Share < minShare || b.Ratio > maxRatio {
		fb := fallback()
		fb.Mode, fb.Pixels, fb.Share, fb.Ratio = b.Mode, b.Pixels, b.Share, b.Ratio
		return fb
	}
	return b
}

// logMode returns the first prominent mode of the histogram of log v (v > 0 only).
func logMode(v []float64) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		if x > 0 {
			l := math.Log(x)
			lo, hi = min(lo, l), max(hi, l)
		}
	}
	if !(hi > lo) {
		return 0
	}
	width := (hi - lo) / histBins
	hist := make([]float64, histBins)
	for _, x := range v {
		if x > 0 {
			i := min(int((math.Log(x)-lo)/width), histBins-1)
			hist[i]++
		}
	}
	// Gaussian smoothing.
	k := int(3 * histSmooth)
	kern := make([]float64, 2*k+1)
	for i := range kern {
		d := float64(i - k)
		kern[i] = math.Exp(-d * d / (2 * histSmooth * histSmooth))
	}
	sm := make([]float64, histBins)
	top := 0.0
	for i := range sm {
		var s float64
		for j, kv := range kern {
			if t := i + j - k; t >= 0 && t < histBins {
				s += kv * hist[t]
			}
		}
		sm[i] = s
		top = max(top, s)
	}
	const peakWin = 15 // a mode is the largest value within this many bins either side
	for i := 1; i < histBins-1; i++ {
		if sm[i] >= 0.1*top && isPeak(sm, i, peakWin) {
			// Parabolic interpolation of the peak.
			den := sm[i-1] - 2*sm[i] + sm[i+1]
			off := 0.0
			if den < 0 {
				off = 0.5 * (sm[i-1] - sm[i+1]) / den
			}
			return math.Exp(lo + (float64(i)+0.5+off)*width)
		}
	}
	return 0
}

// isPeak reports whether s[i] is the largest of s[i−k … i+k] (the first of equals).
func isPeak(s []float64, i, k int) bool {
	for j := max(0, i-k); j <= min(len(s)-1, i+k); j++ {
		if s[j] > s[i] || (s[j] == s[i] && j < i) {
			return false
		}
	}
	return true
}
