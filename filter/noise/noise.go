// Package noise estimates the standard deviation of additive white Gaussian noise in a plane,
// with or without impulses present. Every sigma it returns is on the 0–255 scale whatever the
// bit depth (sigma_8bit = sigma in working units × 255).
package noise

import (
	"math"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// Method selects an estimator.
type Method int

const (
	// LaplacianMAD is the robust variant of Immerkær's method: the median absolute response
	// of his Laplacian-difference mask M divided by 0.6745·6 (6 = ‖M‖₂). Texture and impulses
	// only add to the tail, so it reads close to σ on natural images. The default.
	LaplacianMAD Method = iota
	// Immerkaer is Immerkær (1996): σ = √(π/2)·Σ|I∗M| / (6·count).
	Immerkaer
	// WaveletMAD is Donoho's median(|HH₁|)/0.6745 on the finest Haar diagonal subband.
	WaveletMAD
)

func (m Method) String() string {
	switch m {
	case LaplacianMAD:
		return "laplacian-mad"
	case Immerkaer:
		return "immerkaer"
	case WaveletMAD:
		return "wavelet-mad"
	}
	return "unknown"
}

// Scale255 converts a sigma in working units ([0,1] samples) to the 0–255 scale.
const Scale255 = 255

// Estimator holds the scratch of the median-based methods so that estimating a plane per
// frame does not allocate once it has seen the largest plane. Not safe for concurrent use.
type Estimator struct {
	Method Method
	buf    []float32
	row    []float32 // one row of responses, when some are skipped
	mask   []bool    // which of them are skipped
	sel    dsp.SelectScratch
}

// Estimate returns σ of p on the 0–255 scale. skip, when not nil, flags pixels to ignore
// (index y·W+x), e.g. detected impulses: any mask support touching one is left out.
func (e *Estimator) Estimate(p *frame.Plane, skip []bool) float64 {
	switch e.Method {
	case Immerkaer:
		return e.immerkaer(p, skip)
	case WaveletMAD:
		return e.waveletMAD(p, skip)
	default:
		return e.laplacianMAD(p, skip)
	}
}

// Estimate is a one-shot Estimator.Estimate.
func Estimate(p *frame.Plane, m Method, skip []bool) float64 {
	e := Estimator{Method: m}
	return e.Estimate(p, skip)
}

// dilated3 marks in dst[i] (for columns x = i+1, 1 ≤ x < W−1 of row y) whether the 3×3
// support of (x, y) touches a skipped pixel.
func dilated3(dst []bool, skip []bool, w, y int) {
	a, b, c := skip[(y-1)*w:y*w], skip[y*w:(y+1)*w], skip[(y+1)*w:(y+2)*w]
	for i := range dst {
		dst[i] = a[i] || a[i+1] || a[i+2] || b[i] || b[i+1] || b[i+2] || c[i] || c[i+1] || c[i+2]
	}
}

// responses calls each with the absolute Laplacian responses of p's interior, a row at a
// time in raster order, leaving out those whose support touches a skipped pixel, and
// returns how many there were. The slice is only valid during the call.
func (e *Estimator) responses(p *frame.Plane, skip []bool, each func([]float32)) int {
	w := p.W - 2
	e.row = grow(e.row, w)
	if skip != nil {
		e.mask = grow(e.mask, w)
	}
	n := 0
	for y := 1; y < p.H-1; y++ {
		a, b, c := p.Row(y-1), p.Row(y), p.Row(y+1)
		dsp.LaplaceAbsRow(e.row, a, b, c)
		row := e.row
		if skip != nil {
			dilated3(e.mask, skip, p.W, y)
			m := 0
			for i, v := range e.row {
				if !e.mask[i] {
					row[m] = v
					m++
				}
			}
			row = row[:m]
		}
		each(row)
		n += len(row)
	}
	return n
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// immerkaer sums the responses in runs of W−2 (rows when nothing is skipped), each run in
// float32, the runs in float64.
func (e *Estimator) immerkaer(p *frame.Plane, skip []bool) float64 {
	if p.W < 3 || p.H < 3 {
		return 0
	}
	run := p.W - 2
	var sum float64
	var rs float32
	in := 0 // responses in the current run
	n := e.responses(p, skip, func(row []float32) {
		for _, v := range row {
			rs += v
			if in++; in == run {
				sum += float64(rs)
				rs, in = 0, 0
			}
		}
	})
	if n == 0 {
		return 0
	}
	sum += float64(rs)
	return math.Sqrt(math.Pi/2) * sum / (6 * float64(n)) * Scale255
}

// laplacianMAD takes the median of the responses without storing them: they are computed
// twice, once to find the high bits of the median's key and once for the rest
// (dsp.SelectScratch), so that a 1080p plane needs no 8 MB buffer.
func (e *Estimator) laplacianMAD(p *frame.Plane, skip []bool) float64 {
	if p.W < 3 || p.H < 3 {
		return 0
	}
	e.sel.Begin()
	n := e.responses(p, skip, e.sel.CountHigh)
	if n == 0 {
		return 0
	}
	e.sel.Narrow((n - 1) / 2)
	e.responses(p, skip, e.sel.CountLow)
	return float64(e.sel.Kth()) / (0.6745 * 6) * Scale255
}

// waveletSamples is about how many diagonal coefficients WaveletMAD reads at least: all of a
// plane that has no more (up to 512×512 pixels), else every second, third… pair of rows (a
// 1280×720 luma: every fourth, 57,600 coefficients; 1920×1080: every eighth, its 4:2:0
// chroma every second).
const waveletSamples = 1 << 16

func (e *Estimator) waveletMAD(p *frame.Plane, skip []bool) float64 {
	w2, h2 := p.W/2, p.H/2
	if w2 == 0 || h2 == 0 {
		return 0
	}
	// A median of waveletSamples/2 coefficients is within about 0.5 % of the plane's (its
	// standard error is ≈1.25/√n of σ): a larger plane is read on every step-th pair of
	// rows, spread over the whole picture.
	step := (w2*h2 + waveletSamples - 1) / waveletSamples
	buf := e.scratch(w2 * ((h2 + step - 1) / step))
	n := 0
	for y := 0; y < h2; y += step {
		a, b := p.Row(2*y), p.Row(2*y+1)
		if skip == nil {
			dsp.HaarDiagAbsRow(buf[n:n+w2], a, b)
			n += w2
			continue
		}
		e.row = grow(e.row, w2)
		dsp.HaarDiagAbsRow(e.row, a, b)
		for x, v := range e.row {
			i := 2*y*p.W + 2*x
			if !(skip[i] || skip[i+1] || skip[i+p.W] || skip[i+p.W+1]) {
				buf[n] = v
				n++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(dsp.Select(buf[:n], (n-1)/2, &e.sel)) / 0.6745 * Scale255
}

func (e *Estimator) scratch(n int) []float32 {
	if cap(e.buf) < n {
		e.buf = make([]float32, n)
	}
	return e.buf[:n]
}
