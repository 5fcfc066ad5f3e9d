// Package noise estimates the standard deviation of additive white Gaussian noise in a plane,
// with or without impulses present. Every sigma it returns is on the 0–255 scale whatever the
// bit depth (sigma_8bit = sigma in working units × 255).
package noise

import (
	"math"

	"github.com/denoise-go/denoise/frame"
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
}

// Estimate returns σ of p on the 0–255 scale. skip, when not nil, flags pixels to ignore
// (index y·W+x), e.g. detected impulses: any mask support touching one is left out.
func (e *Estimator) Estimate(p *frame.Plane, skip []bool) float64 {
	switch e.Method {
	case Immerkaer:
		return immerkaer(p, skip)
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

// laplace returns I∗M at (x,y) for 1 ≤ x < W−1, 1 ≤ y < H−1,
// M = [[1,−2,1],[−2,4,−2],[1,−2,1]].
func laplace(a, b, c []float32, x int) float32 {
	return a[x-1] - 2*a[x] + a[x+1] - 2*(b[x-1]+b[x+1]) + 4*b[x] + c[x-1] - 2*c[x] + c[x+1]
}

func skipped3(skip []bool, w, x, y int) bool {
	for j := y - 1; j <= y+1; j++ {
		r := skip[j*w+x-1 : j*w+x+2]
		if r[0] || r[1] || r[2] {
			return true
		}
	}
	return false
}

func immerkaer(p *frame.Plane, skip []bool) float64 {
	if p.W < 3 || p.H < 3 {
		return 0
	}
	var sum float64
	n := 0
	for y := 1; y < p.H-1; y++ {
		a, b, c := p.Row(y-1), p.Row(y), p.Row(y+1)
		var rs float32
		for x := 1; x < p.W-1; x++ {
			if skip != nil && skipped3(skip, p.W, x, y) {
				continue
			}
			v := laplace(a, b, c, x)
			if v < 0 {
				v = -v
			}
			rs += v
			n++
		}
		sum += float64(rs)
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(math.Pi/2) * sum / (6 * float64(n)) * Scale255
}

func (e *Estimator) laplacianMAD(p *frame.Plane, skip []bool) float64 {
	if p.W < 3 || p.H < 3 {
		return 0
	}
	buf := e.scratch((p.W - 2) * (p.H - 2))
	n := 0
	for y := 1; y < p.H-1; y++ {
		a, b, c := p.Row(y-1), p.Row(y), p.Row(y+1)
		for x := 1; x < p.W-1; x++ {
			if skip != nil && skipped3(skip, p.W, x, y) {
				continue
			}
			v := laplace(a, b, c, x)
			if v < 0 {
				v = -v
			}
			buf[n] = v
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(Median(buf[:n])) / (0.6745 * 6) * Scale255
}

func (e *Estimator) waveletMAD(p *frame.Plane, skip []bool) float64 {
	w2, h2 := p.W/2, p.H/2
	if w2 == 0 || h2 == 0 {
		return 0
	}
	buf := e.scratch(w2 * h2)
	n := 0
	for y := 0; y < h2; y++ {
		a, b := p.Row(2*y), p.Row(2*y+1)
		for x := 0; x < w2; x++ {
			if skip != nil {
				i := 2*y*p.W + 2*x
				if skip[i] || skip[i+1] || skip[i+p.W] || skip[i+p.W+1] {
					continue
				}
			}
			v := (a[2*x] - a[2*x+1] - b[2*x] + b[2*x+1]) / 2
			if v < 0 {
				v = -v
			}
			buf[n] = v
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(Median(buf[:n])) / 0.6745 * Scale255
}

func (e *Estimator) scratch(n int) []float32 {
	if cap(e.buf) < n {
		e.buf = make([]float32, n)
	}
	return e.buf[:n]
}

// Median returns the median (the lower middle for even lengths) of v, reordering v.
func Median(v []float32) float32 {
	return Select(v, (len(v)-1)/2)
}

// Select returns the k-th smallest element of v (0-based), partially reordering v.
func Select(v []float32, k int) float32 {
	lo, hi := 0, len(v)-1
	for hi > lo {
		// median of three pivot
		m := lo + (hi-lo)/2
		if v[m] < v[lo] {
			v[m], v[lo] = v[lo], v[m]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[m] {
			v[hi], v[m] = v[m], v[hi]
		}
		pivot := v[m]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}
