package dsp

// Motion compensation kernels: warping a plane along a block motion field, the local error
// and reliability of the warped picture, and the weighted mean of aligned frames.

// WarpTap places one column (or row) of a plane on a block grid: the two block centres
// around it and the weight of the second.
type WarpTap struct {
	I0, I1 int32
	W      float32
}

// WarpRun is a run of columns [X0, X1) of a plane that lie between the same two block
// centres I0 and I1 of a motion field's row.
type WarpRun struct{ X0, X1, I0, I1 int32 }

// WarpCols places the columns of a plane on a motion field's block grid twice: in runs of
// columns between the same two block centres, for the portable warp, and column by column
// (the two block centres and the second's weight), for the vector one, which interpolates
// eight columns' vectors at once.
type WarpCols struct {
	Runs   []WarpRun
	I0, I1 []int32
	W      []float32
}

// Set fills c from taps, reusing its memory.
func (c *WarpCols) Set(taps []WarpTap) {
	c.Runs, c.I0, c.I1, c.W = c.Runs[:0], c.I0[:0], c.I1[:0], c.W[:0]
	for x := 0; x < len(taps); {
		e := x + 1
		for e < len(taps) && taps[e].I0 == taps[x].I0 && taps[e].I1 == taps[x].I1 {
			e++
		}
		c.Runs = append(c.Runs, WarpRun{int32(x), int32(e), taps[x].I0, taps[x].I1})
		x = e
	}
	for _, t := range taps {
		c.I0, c.I1, c.W = append(c.I0, t.I0), append(c.I1, t.I1), append(c.W, t.W)
	}
}

// WarpRow writes row y of src (a w×h plane, rows stride apart) moved along a motion field:
// dst[x] = src(x + v(x), y + v(x)), bilinear, where v(x) is the vector interpolated by
// weight W[x] between the block columns I0[x] and I1[x] of cols in this row's vectors
// (vx, vy). Positions outside the plane are moved to its edge. cols covers [0, len(dst)).
func WarpRow(dst []float32, y int, vx, vy []float32, cols *WarpCols, src []float32, stride, w, h int) {
	warpRow(dst, y, vx, vy, cols, src, stride, w, h)
}

// WarpSqDiffRow writes (a−b)² into dst.
func WarpSqDiffRow(dst, a, b []float32) { warpSqDiffRow(dst, a, b) }

// WarpBoxMeanRow writes into dst the mean of src over the 2r+1 samples around each, the
// window cut by the row's ends; the sums run left to right. len(src) = len(dst).
func WarpBoxMeanRow(dst, src []float32, r int) { warpBoxMeanRow(dst, src, r) }

// WarpAddRow adds s into d; WarpSubRow subtracts it.
func WarpAddRow(d, s []float32) { warpAddRow(d, s) }

// WarpSubRow subtracts s from d.
func WarpSubRow(d, s []float32) { warpSubRow(d, s) }

// WarpScaleRow multiplies d by k.
func WarpScaleRow(d []float32, k float32) { warpScaleRow(d, k) }

// WarpScalePosRow writes max(s, 0)·k into d.
func WarpScalePosRow(d, s []float32, k float32) { warpScalePosRow(d, s, k) }

// WarpTrustRow turns local errors into weights in place: q = max(e·inv − knee, 0),
// e ← 1/(1 + slope·q²).
func WarpTrustRow(d []float32, inv, knee, slope float32) { warpTrustRow(d, inv, knee, slope) }

// WarpTapsMulRow multiplies d by per-block weights interpolated bilinearly: between rows
// f0 and f1 by wy, and between the block columns I0 and I1 of each run by wts[x].
func WarpTapsMulRow(d, f0, f1 []float32, wy float32, runs []WarpRun, wts []float32) {
	warpTapsMulRow(d, f0, f1, wy, runs, wts)
}

// WarpGradRow adds into g[x/bs] the squared forward differences of row at x, across and,
// when next (the row below) is not nil, down; in order of x.
func WarpGradRow(g, row, next []float32, bs int) { warpGradRow(g, row, next, bs) }

func warpTapsMulRowGeneric(d, f0, f1 []float32, wy float32, runs []WarpRun, wts []float32) {
	wts = wts[:len(d)]
	for _, r := range runs {
		a := f0[r.I0] + (f1[r.I0]-f0[r.I0])*wy
		b := f0[r.I1] + (f1[r.I1]-f0[r.I1])*wy
		for x := int(r.X0); x < int(r.X1); x++ {
			d[x] *= a + (b-a)*wts[x]
		}
	}
}

func warpGradRowGeneric(g, row, next []float32, bs int) {
	if next != nil {
		next = next[:len(row)]
	}
	for x0 := 0; x0 < len(row); x0 += bs {
		acc := g[x0/bs]
		for x := x0; x < min(x0+bs, len(row)); x++ {
			acc += warpGradAt(row, next, x)
		}
		g[x0/bs] = acc
	}
}

// warpGradAt is the squared forward differences at x.
func warpGradAt(row, next []float32, x int) float32 {
	var s float32
	if x+1 < len(row) {
		d := row[x+1] - row[x]
		s += d * d
	}
	if next != nil {
		d := next[x] - row[x]
		s += d * d
	}
	return s
}

// WarpAccumRow adds src weighted by rel into d and the weights into ws; rel is read every
// 2^sw samples (a luma row for a subsampled chroma row).
func WarpAccumRow(d, ws, src, rel []float32, sw int) { warpAccumRow(d, ws, src, rel, sw) }

// WarpDivRow divides d by ws.
func WarpDivRow(d, ws []float32) { warpDivRow(d, ws) }

var (
	warpRow         = warpRowGeneric
	warpSqDiffRow   = warpSqDiffRowGeneric
	warpBoxMeanRow  = warpBoxMeanRowGeneric
	warpAddRow      = warpAddRowGeneric
	warpSubRow      = warpSubRowGeneric
	warpScaleRow    = warpScaleRowGeneric
	warpScalePosRow = warpScalePosRowGeneric
	warpTrustRow    = warpTrustRowGeneric
	warpAccumRow    = warpAccumRowGeneric
	warpDivRow      = warpDivRowGeneric
	warpTapsMulRow  = warpTapsMulRowGeneric
	warpGradRow     = warpGradRowGeneric

	fastWarpRow         func(dst []float32, y int, vx, vy []float32, cols *WarpCols, src []float32, stride, w, h int)
	fastWarpSqDiffRow   func(dst, a, b []float32)
	fastWarpBoxMeanRow  func(dst, src []float32, r int)
	fastWarpAddRow      func(d, s []float32)
	fastWarpSubRow      func(d, s []float32)
	fastWarpScaleRow    func(d []float32, k float32)
	fastWarpScalePosRow func(d, s []float32, k float32)
	fastWarpTrustRow    func(d []float32, inv, knee, slope float32)
	fastWarpAccumRow    func(d, ws, src, rel []float32, sw int)
	fastWarpDivRow      func(d, ws []float32)
	fastWarpTapsMulRow  func(d, f0, f1 []float32, wy float32, runs []WarpRun, wts []float32)
	fastWarpGradRow     func(g, row, next []float32, bs int)
)

func warpRowGeneric(dst []float32, y int, vx, vy []float32, cols *WarpCols, src []float32, stride, w, h int) {
	runs, wts := cols.Runs, cols.W[:len(dst)]
	maxX, maxY := float32(w-1), float32(h-1)
	fy := float32(y)
	for _, r := range runs {
		ax, bx := vx[r.I0], vx[r.I1]
		ay, by := vy[r.I0], vy[r.I1]
		for x := int(r.X0); x < int(r.X1); x++ {
			sx := float32(x) + ax + (bx-ax)*wts[x]
			sy := fy + ay + (by-ay)*wts[x]
			if !(sx >= 0 && sy >= 0 && sx < maxX && sy < maxY) {
				dst[x] = warpSampleClamped(src, stride, w, h, sx, sy, maxX, maxY)
				continue
			}
			// Inside, all four taps exist: no clamping (warpSample, inlined by hand).
			x0, y0 := int(sx), int(sy)
			fx, fy0 := sx-float32(x0), sy-float32(y0)
			o := y0*stride + x0
			r0 := src[o : o+2 : o+2]
			r1 := src[o+stride : o+stride+2 : o+stride+2]
			top := r0[0] + (r0[1]-r0[0])*fx
			bot := r1[0] + (r1[1]-r1[0])*fx
			dst[x] = top + (bot-top)*fy0
		}
	}
}

// warpSample is the bilinear sample of the plane at (sx, sy).
func warpSample(src []float32, stride, w, h int, sx, sy, maxX, maxY float32) float32 {
	if !(sx >= 0 && sy >= 0 && sx < maxX && sy < maxY) {
		return warpSampleClamped(src, stride, w, h, sx, sy, maxX, maxY)
	}
	// Inside, all four taps exist: no clamping.
	x0, y0 := int(sx), int(sy)
	ax, ay := sx-float32(x0), sy-float32(y0)
	o := y0*stride + x0
	r0 := src[o : o+2 : o+2]
	r1 := src[o+stride : o+stride+2 : o+stride+2]
	top := r0[0] + (r0[1]-r0[0])*ax
	bot := r1[0] + (r1[1]-r1[0])*ax
	return top + (bot-top)*ay
}

// warpSampleClamped is the bilinear sample at (x, y), positions outside the plane moved to
// its edge: what lies beyond the frame is unknown, and the nearest edge is the best guess.
func warpSampleClamped(pix []float32, stride, w, h int, x, y, maxX, maxY float32) float32 {
	x = min(max(x, 0), maxX) // also maps NaN to 0
	y = min(max(y, 0), maxY)
	x0, y0 := int(x), int(y)
	ax, ay := x-float32(x0), y-float32(y0)
	o := y0*stride + x0
	dx, dy := 1, stride
	if x0 >= w-1 {
		dx = 0
	}
	if y0 >= h-1 {
		dy = 0
	}
	a, b := pix[o], pix[o+dx]
	cc, d := pix[o+dy], pix[o+dy+dx]
	top := a + (b-a)*ax
	bot := cc + (d-cc)*ax
	return top + (bot-top)*ay
}

func warpSqDiffRowGeneric(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for x := range dst {
		d := a[x] - b[x]
		dst[x] = d * d
	}
}

// warpBoxMeanRowGeneric sums each window directly, left to right: no running sum, so no
// rounding drift along the row, and the order the vector version keeps.
func warpBoxMeanRowGeneric(dst, src []float32, r int) {
	n := len(dst)
	src = src[:n]
	for x := range dst {
		lo, hi := max(x-r, 0), min(x+r, n-1)
		s := src[lo]
		for k := lo + 1; k <= hi; k++ {
			s += src[k]
		}
		dst[x] = s / float32(hi-lo+1)
	}
}

func warpAddRowGeneric(d, s []float32) {
	s = s[:len(d)]
	for x := range d {
		d[x] += s[x]
	}
}

func warpSubRowGeneric(d, s []float32) {
	s = s[:len(d)]
	for x := range d {
		d[x] -= s[x]
	}
}

func warpScaleRowGeneric(d []float32, k float32) {
	for x := range d {
		d[x] *= k
	}
}

func warpScalePosRowGeneric(d, s []float32, k float32) {
	s = s[:len(d)]
	for x := range d {
		d[x] = max(s[x], 0) * k
	}
}

func warpTrustRowGeneric(d []float32, inv, knee, slope float32) {
	for x, e := range d {
		q := max(e*inv-knee, 0)
		d[x] = 1 / (1 + slope*q*q)
	}
}

func warpAccumRowGeneric(d, ws, src, rel []float32, sw int) {
	ws, src = ws[:len(d)], src[:len(d)]
	if sw == 0 {
		rel = rel[:len(d)]
		for x := range d {
			r := rel[x]
			d[x] += r * src[x]
			ws[x] += r
		}
		return
	}
	for x := range d {
		r := rel[x<<sw]
		d[x] += r * src[x]
		ws[x] += r
	}
}

func warpDivRowGeneric(d, ws []float32) {
	ws = ws[:len(d)]
	for x := range d {
		d[x] /= ws[x]
	}
}
