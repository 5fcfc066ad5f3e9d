// Package median is the 3×3 median filter of every sample: the classic impulse-noise
// baseline the detect-then-replace filters are measured against, and a building block of
// impulse detection.
package median

import (
	"fmt"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// Filter is a 3×3 median of every sample of every colour plane (an alpha plane passes
// through), borders mirrored. It keeps scratch: one Filter per goroutine.
type Filter struct {
	tmp frame.Plane
}

// New returns a median filter.
func New() *Filter { return &Filter{} }

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
		a, b, c := src.Row(dsp.Mirror(y-1, h)), src.Row(y), src.Row(dsp.Mirror(y+1, h))
		dsp.Median3Row(dst.Row(y), a, b, c)
	}
	return nil
}
