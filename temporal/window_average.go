package temporal

import (
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// AlignedAverage is a temporal stage whose output frame i is frame i averaged with its
// neighbours of the same scene motion-compensated onto it, each warped pixel weighted by its
// reliability: moving content stays sharp, and occlusions and bad matches fall back on the
// frame itself instead of ghosting. The window is that of a Window (radius, causal, scene
// cuts). Output i carries frame i's metadata; frames out == frames in.
type AlignedAverage struct {
	w     *Window
	emit  func(*frame.Frame) error
	ready func(*Centre) error // a.average, bound once so Push does not allocate
	wsum  []float32
}

// NewAlignedAverage returns the stage over a window configured by cfg.
func NewAlignedAverage(cfg WindowConfig) (*AlignedAverage, error) {
	w, err := NewWindow(cfg)
	if err != nil {
		return nil, err
	}
	a := &AlignedAverage{w: w}
	a.ready = a.average
	return a, nil
}

// Name is "average": the stage stands in for Average.
func (a *AlignedAverage) Name() string { return "average" }

// Lookahead is the window's radius, or 0 when it is causal.
func (a *AlignedAverage) Lookahead() int { return a.w.Lookahead() }

// Push adds in to the window and emits the outputs that are complete.
func (a *AlignedAverage) Push(in *frame.Frame, emit func(*frame.Frame) error) error {
	a.emit = emit
	defer func() { a.emit = nil }()
	return a.w.Push(in, a.ready)
}

// Flush emits the outputs still owed and empties the window.
func (a *AlignedAverage) Flush(emit func(*frame.Frame) error) error {
	a.emit = emit
	defer func() { a.emit = nil }()
	return a.w.Flush(a.ready)
}

func (a *AlignedAverage) average(c *Centre) error {
	out := like(c.Frame)
	WeightedMean(out, c, &a.wsum)
	return a.emit(out)
}

// WeightedMean writes into dst the mean of c's frame (weight 1) and its aligned neighbours
// (weighted by their reliability), plane by plane; chroma takes the reliability of the luma
// sample at its top-left. dst has c's geometry. scratch is reused between calls when not nil.
func WeightedMean(dst *frame.Frame, c *Centre, scratch *[]float32) {
	var buf []float32
	if scratch != nil {
		buf = *scratch
	}
	if cap(buf) < dst.W {
		buf = make([]float32, dst.W)
	}
	if scratch != nil {
		*scratch = buf
	}
	for k := range c.Neighbours {
		c.Aligned(k)
	}
	for p := range dst.Planes {
		sw, sh := 0, 0
		if dst.Format.Layout == frame.YUV && (p == 1 || p == 2) {
			sw, sh = dst.Format.ChromaShiftW, dst.Format.ChromaShiftH
		}
		dp := &dst.Planes[p]
		ws := buf[:dp.W]
		for y := 0; y < dp.H; y++ {
			d := dp.Row(y)
			copy(d, c.Frame.Planes[p].Row(y))
			for x := range ws {
				ws[x] = 1
			}
			for k := range c.Neighbours {
				al := c.Neighbours[k].aligned
				rel := al.Reliability.Planes[0].Row(y << sh)
				dsp.WarpAccumRow(d, ws, al.Frame.Planes[p].Row(y), rel, sw)
			}
			dsp.WarpDivRow(d, ws)
		}
	}
}
