package impulse

import (
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// localRadius is the radius of the window whose median residual sets the local scale.
const localRadius = 2

// residualTest flags Δ = salt and pepper ∪ {|y − ref| > max(t, k·s)}, s = 1.4826·median of
// |y − ref| over the (2·localRadius+1)² window: ref is a leave-one-out estimate, and where
// it blurs detail the residuals around are large too, so the threshold rises with them.
type residualTest struct {
	res   []float32 // |y − ref|
	wins  [][]float32
	mask  []bool
	sp    []bool
	w, h  int
	t, k  float32
	parts int
}

func (r *residualTest) run(c *Cleaner, y, ref *frame.Plane, t, k float32) {
	w, h := y.W, y.H
	r.w, r.h, r.t, r.k, r.mask, r.sp = w, h, t, k, c.det.mask, c.det.sp
	if cap(r.res) < w*h {
		r.res = make([]float32, w*h)
	}
	r.res = r.res[:w*h]
	for yy := 0; yy < h; yy++ {
		dsp.AbsDiffRow(r.res[yy*w:(yy+1)*w], y.Row(yy), ref.Row(yy))
	}
	r.parts = min(h, 4*c.pool.Threads())
	for len(r.wins) < r.parts {
		r.wins = append(r.wins, make([]float32, 0, (2*localRadius+1)*(2*localRadius+1)))
	}
	c.pool.Run(r, r.parts)
}

func (r *residualTest) RunPart(i int) {
	w, h := r.w, r.h
	win := r.wins[i]
	for y := h * i / r.parts; y < h*(i+1)/r.parts; y++ {
		for x := 0; x < w; x++ {
			k := y*w + x
			if r.sp[k] {
				r.mask[k] = true
				continue
			}
			if r.res[k] <= r.t { // below the floor: no need for the local scale
				r.mask[k] = false
				continue
			}
			win = dsp.WindowEdge(win, r.res, w, w, h, x, y, localRadius)
			r.mask[k] = r.res[k] > r.k*1.4826*dsp.Select(win, (len(win)-1)/2, nil)
		}
	}
}
