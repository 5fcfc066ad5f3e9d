package temporal

import (
	"fmt"
	"math"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// CompensateConfig tunes how far a Compensator trusts warped pixels. Zero fields take the
// defaults in brackets.
type CompensateConfig struct {
	// Radius of the square over which the warped luma's squared error is averaged [2]. One
	// pixel's error is mostly noise; 5×5 of them say whether the match is off.
	Radius int
	// Knee is the ratio of that local mean error to the noise level 2σ² below which a pixel
	// is fully trusted [1.5]. A perfect match reads about 1 (less where interpolation
	// averaged the neighbour's noise).
	Knee float32
	// Slope sets how fast trust falls past the knee: reliability = 1/(1+Slope·(q−Knee)²) [1];
	// at q = Knee+1 a pixel counts half.
	Slope float32
	// ConsistencyTol and ConsistencyMax grade the forward-backward check when a backward
	// field is given. A block's round-trip miss (pixels) times its detail (RMS gradient)
	// is the error the miss would cause; measured in noise σ, up to Tol is trusted, Max or
	// more not at all [2, 5].
	ConsistencyTol, ConsistencyMax float32
}

func (c CompensateConfig) withDefaults() (CompensateConfig, error) {
	if c.Radius == 0 {
		c.Radius = 2
	}
	if c.Knee == 0 {
		c.Knee = 1.5
	}
	if c.Slope == 0 {
		c.Slope = 1
	}
	if c.ConsistencyTol == 0 {
		c.ConsistencyTol = 2
	}
	if c.ConsistencyMax == 0 {
		c.ConsistencyMax = 5
	}
	switch {
	case c.Radius < 0 || c.Radius > 16:
		return c, fmt.Errorf("compensate: radius %d: want 0 to 16", c.Radius)
	case c.Knee < 0 || c.Slope < 0:
		return c, fmt.Errorf("compensate: knee %g and slope %g: want ≥ 0", c.Knee, c.Slope)
	case c.ConsistencyTol < 0 || c.ConsistencyMax <= c.ConsistencyTol:
		return c, fmt.Errorf("compensate: consistency %g..%g σ: want 0 ≤ tol < max", c.ConsistencyTol, c.ConsistencyMax)
	}
	return c, nil
}

// Compensator warps neighbour frames onto the current one along a MotionField and rates how
// far each warped pixel can be trusted. Its interpolation tables and scratch are built once
// per geometry. Not safe for concurrent use.
type Compensator struct {
	cfg    CompensateConfig
	tabs   [4]gridTable // luma and chroma sizes seen last, reused in turn
	nextT  int
	rowVX  []float32
	rowVY  []float32
	hsum   []float32 // localError's ring of box-mean rows
	colSum []float32
	sq     []float32
	fb     []float32
}

// NewCompensator checks cfg and returns a compensator.
func NewCompensator(cfg CompensateConfig) (*Compensator, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Compensator{cfg: c}, nil
}

// gridTable maps the columns and rows of a plane onto the block grid of a field: for each, the
// two block centres around it and the weight of the second.
type gridTable struct {
	pw, ph, sw, sh, bs, bw, bh int
	cols, rows                 []dsp.WarpTap
	warp                       dsp.WarpCols // cols, for WarpRow
}

func (c *Compensator) table(pw, ph, sw, sh int, f *MotionField) *gridTable {
	for i := range c.tabs {
		t := &c.tabs[i]
		if t.pw == pw && t.ph == ph && t.sw == sw && t.sh == sh && t.bs == f.BlockSize && t.bw == f.BW && t.bh == f.BH {
			return t
		}
	}
	t := &c.tabs[c.nextT]
	c.nextT = (c.nextT + 1) % len(c.tabs)
	*t = gridTable{pw: pw, ph: ph, sw: sw, sh: sh, bs: f.BlockSize, bw: f.BW, bh: f.BH,
		cols: t.cols[:0], rows: t.rows[:0], warp: t.warp}
	t.cols = fillTaps(t.cols, pw, sw, f.BlockSize, f.BW)
	t.rows = fillTaps(t.rows, ph, sh, f.BlockSize, f.BH)
	t.warp.Set(t.cols)
	return t
}

// fillTaps places sample i of a plane subsampled by 2^shift at luma position
// (i+0.5)·2^shift − 0.5, the centre of the luma samples it covers.
func fillTaps(dst []dsp.WarpTap, n, shift, bs, nb int) []dsp.WarpTap {
	k := float32(int(1) << shift)
	for i := range n {
		i0, i1, w := gridPos((float32(i)+0.5)*k/float32(bs)-0.5, nb)
		dst = append(dst, dsp.WarpTap{I0: int32(i0), I1: int32(i1), W: w})
	}
	return dst
}

// Warp writes into dst, plane by plane, ref moved onto the current frame along f (estimated
// from the current frame to ref): dst(p) = ref(p + v(p)). Chroma planes follow the luma
// vectors scaled by the chroma subsampling. dst and ref share a geometry whose luma size is
// f's; dst takes no metadata.
func (c *Compensator) Warp(dst, ref *frame.Frame, f *MotionField) {
	if dst.Geometry() != ref.Geometry() {
		panic(fmt.Sprintf("compensate: warp %v into %v", ref.Geometry(), dst.Geometry()))
	}
	for i := range dst.Planes {
		sw, sh := 0, 0
		if ref.Format.Layout == frame.YUV && (i == 1 || i == 2) {
			sw, sh = ref.Format.ChromaShiftW, ref.Format.ChromaShiftH
		}
		c.WarpPlane(&dst.Planes[i], &ref.Planes[i], f, sw, sh)
	}
}

// WarpPlane is Warp for one plane subsampled by (2^shiftW, 2^shiftH) from f's luma size.
func (c *Compensator) WarpPlane(dst, ref *frame.Plane, f *MotionField, shiftW, shiftH int) {
	if dst.W != ref.W || dst.H != ref.H || ref.W != ceilShift(f.W, shiftW) || ref.H != ceilShift(f.H, shiftH) {
		panic(fmt.Sprintf("compensate: plane %dx%d into %dx%d with a field of %dx%d and shifts %d,%d",
			ref.W, ref.H, dst.W, dst.H, f.W, f.H, shiftW, shiftH))
	}
	t := c.table(ref.W, ref.H, shiftW, shiftH, f)
	if cap(c.rowVX) < f.BW+8 {
		// room past the vectors: WarpRow loads 8 at a time
		c.rowVX, c.rowVY = make([]float32, f.BW+8), make([]float32, f.BW+8)
	}
	vx, vy := c.rowVX[:f.BW], c.rowVY[:f.BW]
	kx, ky := 1/float32(int(1)<<shiftW), 1/float32(int(1)<<shiftH)
	for y := 0; y < dst.H; y++ {
		ty := t.rows[y]
		r0, r1 := f.Vectors[int(ty.I0)*f.BW:][:f.BW], f.Vectors[int(ty.I1)*f.BW:][:f.BW]
		for i := range vx {
			v := lerpVec(r0[i], r1[i], ty.W)
			vx[i], vy[i] = v.X*kx, v.Y*ky
		}
		dsp.WarpRow(dst.Row(y), y, vx, vy, &t.warp, ref.Pix, ref.Stride, ref.W, ref.H)
	}
}

// Reliability writes into dst (luma-sized) how far each pixel of warped, the luma of a
// neighbour warped along fwd, can stand in for cur's: 1 where the local mean squared error is
// what noise of level sigma explains, falling towards 0 where it is not (occlusions, wrong
// vectors, changed content). sigma ≤ 0 takes fwd's. With bwd, the field estimated the other
// way (neighbour to current), blocks whose vectors do not lead back home are trusted less:
// the check catches wrong matches that happen to fit. cur is the luma the field was
// estimated on (possibly impulse-cleaned); warped must come from the same kind of plane.
func (c *Compensator) Reliability(dst, cur, warped *frame.Plane, fwd, bwd *MotionField, sigma float32) {
	w, h := cur.W, cur.H
	if dst.W != w || dst.H != h || warped.W != w || warped.H != h || fwd.W != w || fwd.H != h {
		panic(fmt.Sprintf("compensate: reliability of %dx%d against %dx%d into %dx%d with a field of %dx%d",
			warped.W, warped.H, w, h, dst.W, dst.H, fwd.W, fwd.H))
	}
	if sigma <= 0 {
		sigma = fwd.Sigma
	}
	sigma = max(sigma, sigmaFloor)
	c.localError(dst, cur, warped)

	inv := 1 / (2 * sigma * sigma)
	knee, slope := c.cfg.Knee, c.cfg.Slope
	var t *gridTable
	var fb []float32
	if bwd != nil {
		t = c.table(w, h, 0, 0, fwd)
		fb = c.consistency(cur, fwd, bwd, sigma)
	}
	for y := 0; y < h; y++ {
		d := dst.Row(y)
		dsp.WarpTrustRow(d, inv, knee, slope)
		if fb == nil {
			continue
		}
		ty := t.rows[y]
		f0, f1 := fb[int(ty.I0)*fwd.BW:][:fwd.BW], fb[int(ty.I1)*fwd.BW:][:fwd.BW]
		dsp.WarpTapsMulRow(d, f0, f1, ty.W, t.warp.Runs, t.warp.W)
	}
}

// localError writes into dst the mean of (warped−cur)² over the (2R+1)² square around each
// pixel, the square cut by the frame edges. The rows' horizontal box means live in a ring of
// 2R+2 rows: each is made when the running column sum first takes it in and is last read when
// the sum lets it go.
func (c *Compensator) localError(dst, cur, warped *frame.Plane) {
	w, h, r := cur.W, cur.H, c.cfg.Radius
	ring := 2*r + 2
	if cap(c.hsum) < ring*w {
		c.hsum = make([]float32, ring*w)
	}
	if cap(c.colSum) < w {
		c.colSum = make([]float32, w)
	}
	if cap(c.sq) < w {
		c.sq = make([]float32, w)
	}
	hs, col, sq := c.hsum[:ring*w], c.colSum[:w], c.sq[:w]
	boxRow := func(y int) []float32 { return hs[y%ring*w:][:w] }
	take := func(y int) { // row y's box mean into its slot, then into the column sums
		dsp.WarpSqDiffRow(sq, cur.Row(y), warped.Row(y))
		dsp.WarpBoxMeanRow(boxRow(y), sq, r)
		dsp.WarpAddRow(col, boxRow(y))
	}
	clear(col)
	for y := 0; y < min(r, h); y++ {
		take(y)
	}
	for y := 0; y < h; y++ {
		if y+r < h {
			take(y + r)
		}
		if y-r-1 >= 0 {
			dsp.WarpSubRow(col, boxRow(y-r-1))
		}
		n := float32(min(y+r, h-1) - max(y-r, 0) + 1)
		d := dst.Row(y)
		dsp.WarpScalePosRow(d, col, 1/n) // running sums can dip a hair below 0
	}
}

// consistency returns per block of fwd a weight in [0,1] from the forward-backward round
// trip: a block centre carried by its forward vector and back by the backward field
// interpolated there should land where it started. A miss matters in proportion to the
// block's detail: in a flat area a vector a few pixels off warps the same flat values (and
// noise makes such vectors wander), on texture it smears. So the miss is graded as the
// error it would cause, miss × gradient, in units of σ.
func (c *Compensator) consistency(cur *frame.Plane, fwd, bwd *MotionField, sigma float32) []float32 {
	n := fwd.BW * fwd.BH
	if cap(c.fb) < n {
		c.fb = make([]float32, n)
	}
	fb := c.fb[:n]
	c.blockGradients(fb, cur, fwd, sigma)
	tol, span := c.cfg.ConsistencyTol, c.cfg.ConsistencyMax-c.cfg.ConsistencyTol
	b := float32(fwd.BlockSize)
	for by := 0; by < fwd.BH; by++ {
		cy := (float32(by)+0.5)*b - 0.5
		for bx := 0; bx < fwd.BW; bx++ {
			cx := (float32(bx)+0.5)*b - 0.5
			i := by*fwd.BW + bx
			v := fwd.Vectors[i]
			u := bwd.Interpolate(cx+v.X, cy+v.Y)
			ex, ey := v.X+u.X, v.Y+u.Y
			miss := float32(math.Sqrt(float64(ex*ex+ey*ey))) * fb[i] / sigma
			fb[i] = min(max((tol+span-miss)/span, 0), 1)
		}
	}
	return fb
}

// blockGradients writes into g, per block of f, the RMS of the signal's gradient along one
// axis: the mean squared forward difference less the 2σ² that noise adds to it.
func (c *Compensator) blockGradients(g []float32, p *frame.Plane, f *MotionField, sigma float32) {
	clear(g)
	bs := f.BlockSize
	for y := 0; y < p.H; y++ {
		row := p.Row(y)
		var next []float32
		if y+1 < p.H {
			next = p.Row(y + 1)
		}
		dsp.WarpGradRow(g[(y/bs)*f.BW:][:f.BW], row, next, bs)
	}
	noise := 2 * sigma * sigma
	for by := 0; by < f.BH; by++ {
		for bx := 0; bx < f.BW; bx++ {
			// Differences per block: about 2 per pixel, fewer at the frame's edges.
			nw, nh := min(bs, p.W-bx*bs), min(bs, p.H-by*bs)
			n := float32(2 * nw * nh)
			i := by*f.BW + bx
			g[i] = float32(math.Sqrt(float64(max(g[i]/n-noise, 0))))
		}
	}
}
