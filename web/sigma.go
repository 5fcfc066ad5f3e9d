package web

import (
	"github.com/denoise-go/denoise/filter/noise"
	"github.com/denoise-go/denoise/frame"
)

// estimateSigma is the noise level of f on the 0–255 scale as filter/noise estimates it:
// of luma for gray and YUV frames, the mean over R, G and B for RGB; unknown for a frame
// too small to measure.
func estimateSigma(f *frame.Frame) metric {
	planes := 1
	if f.Format.Layout == frame.RGB {
		planes = 3
	}
	if f.W < 3 || f.H < 3 {
		return unknown
	}
	e := noise.Estimator{Method: noise.LaplacianMAD}
	var m mean
	for i := range planes {
		m.add(e.Estimate(&f.Planes[i], nil))
	}
	return m.value()
}
