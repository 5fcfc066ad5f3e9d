// Package median is the 3×3 median filter of every sample: the classic impulse-noise
// baseline the detect-then-replace filters are measured against, and a building block of
// impulse detection.
package median

import (
	"fmt"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
)

// Filter is the pipeline filter of mode "median": a 3×3 median of every sample of every
// colour plane (an alpha plane passes through), borders mirrored.
type Filter struct {
	tmp frame.Plane
}

// NewFilterFactory returns a factory of median filters for pipeline stages.
func NewFilterFactory() pipeline.FilterFactory {
	return func() (pipeline.Filter, error) { return &Filter{}, nil }
}

// Name is the mode name.
func (*Filter) Name() string { return "median" }

// Process filters in place and returns in.
func (f *Filter) Process(in *frame.Frame) (*frame.Frame, error) {
	n := in.Format.NumPlanes()
	if in.Format.Alpha {
		n--
	}
	for i := 0; i < n; i++ {
		p := &in.Planes[i]
		f.tmp.Resize(p.W, p.H)
		if err := Median3(&f.tmp, p); err != nil {
			return nil, err
		}
		p.CopyFrom(&f.tmp)
	}
	return in, nil
}

// Median3 writes the 3×3 median of src into dst (same size, distinct planes). Samples
// beyond the border are mirrored (…2 1 | 0 1 2…).
func Median3(dst, src *frame.Plane) error {
	if dst.W != src.W || dst.H != src.H {
		return fmt.Errorf("median: plane sizes differ: %dx%d and %dx%d", dst.W, dst.H, src.W, src.H)
	}
	w, h := src.W, src.H
	if w == 0 || h == 0 {
		return nil
	}
	if w < 2 || h < 2 {
		// too small to mirror: every neighbour repeats the sample
		for y := 0; y < h; y++ {
			copy(dst.Row(y), src.Row(y))
		}
		return nil
	}
	for y := 0; y < h; y++ {
		a, b, c := src.Row(mirror(y-1, h)), src.Row(y), src.Row(mirror(y+1, h))
		row3(dst.Row(y), a, b, c)
	}
	return nil
}

func mirror(i, n int) int {
	if i < 0 {
		return -i
	}
	if i >= n {
		return 2*(n-1) - i
	}
	return i
}

// row3 writes into out the 3×3 medians of the middle row b, given the rows above (a) and
// below (c), all len(out) ≥ 2 long; columns beyond the ends are mirrored.
func row3(out, a, b, c []float32) {
	n := len(out)
	a, b, c = a[:n], b[:n], c[:n]
	// Each column is sorted once (lo ≤ mid ≤ hi); the median of 3×3 is
	// med3(max of the lows, med of the mids, min of the highs).
	sort3 := func(x, y, z float32) (float32, float32, float32) {
		if x > y {
			x, y = y, x
		}
		if y > z {
			y, z = z, y
		}
		if x > y {
			x, y = y, x
		}
		return x, y, z
	}
	l0, m0, h0 := sort3(a[1], b[1], c[1]) // column −1 mirrors column 1
	l1, m1, h1 := sort3(a[0], b[0], c[0])
	for x := 0; x < n; x++ {
		nx := x + 1
		if nx == n {
			nx = n - 2
		}
		l2, m2, h2 := sort3(a[nx], b[nx], c[nx])
		out[x] = med3(max(l0, l1, l2), med3(m0, m1, m2), min(h0, h1, h2))
		l0, m0, h0 = l1, m1, h1
		l1, m1, h1 = l2, m2, h2
	}
}

func med3(x, y, z float32) float32 {
	return max(min(x, y), min(max(x, y), z))
}
