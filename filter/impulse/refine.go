package impulse

import (
	"github.com/denoise-go/denoise/filter/noise"
	"github.com/denoise-go/denoise/frame"
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
		row, rr, res := y.Row(yy), ref.Row(yy), r.res[yy*w:(yy+1)*w]
		for x, v := range row {
			res[x] = abs(v - rr[x])
		}
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
			win = win[:0]
			for j := y - localRadius; j <= y+localRadius; j++ {
				row := r.res[mirror(j, h)*w:]
				for i := x - localRadius; i <= x+localRadius; i++ {
					win = append(win, row[mirror(i, w)])
				}
			}
			r.mask[k] = r.res[k] > r.k*1.4826*noise.Median(win)
		}
	}
}
