package web

import (
	"github.com/denoise-go/denoise/filter/noise"
	"github.com/denoise-go/denoise/frame"
)

// frameSigma is the noise level of f on the 0–255 scale from its planes' (ch, what
// estimateChannelSigmas gave): luma's for gray and YUV frames, the mean over R, G and B for
// RGB; unknown for a frame too small to measure.
func frameSigma(f *frame.Frame, ch []channelSigma) metric {
	planes := 1
	if f.Format.Layout == frame.RGB {
		planes = 3
	}
	if f.W < 3 || f.H < 3 || len(ch) < planes {
		return unknown
	}
	var m mean
	for _, c := range ch[:planes] {
		m.add(float64(c.Sigma))
	}
	return m.value()
}

// channelSigma is one colour plane's noise level in the job status.
type channelSigma struct {
	Channel string `json:"channel"` // y, u, v; r, g, b; gray
	Sigma   metric `json:"sigma"`   // 0–255 scale; null for a plane too small to measure
}

// channelNames are the names of the colour planes of each layout, in plane order.
var channelNames = map[frame.Layout][]string{
	frame.Gray: {"gray"},
	frame.YUV:  {"y", "u", "v"},
	frame.RGB:  {"r", "g", "b"},
}

// estimateChannelSigmas is the noise level of every colour plane of f (an alpha plane left
// out) on the 0–255 scale with filter/noise's Laplacian MAD; nil for a layout without names.
func estimateChannelSigmas(f *frame.Frame) []channelSigma {
	names := channelNames[f.Format.Layout]
	if len(names) == 0 {
		return nil
	}
	e := noise.Estimator{Method: noise.LaplacianMAD}
	out := make([]channelSigma, 0, len(names))
	for i, name := range names {
		s := unknown
		if p := &f.Planes[i]; p.W >= 3 && p.H >= 3 {
			s = metric(e.Estimate(p, nil))
		}
		out = append(out, channelSigma{Channel: name, Sigma: s})
	}
	return out
}
