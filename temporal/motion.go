package temporal

import (
	"fmt"
	"math"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// Vec is a displacement in luma pixels: the current frame's content at p is found in the
// neighbour at p+Vec.
type Vec struct{ X, Y float32 }

// MotionField is the motion of one current frame towards one neighbour, one vector per block
// of BlockSize×BlockSize luma pixels (the last row and column of blocks may be cut by the
// frame edge). It is meant to be reused frame after frame: Reset only allocates when the
// geometry grows.
type MotionField struct {
	W, H      int // luma size the field was estimated on
	BlockSize int
	BW, BH    int       // blocks across and down
	Vectors   []Vec     // BW·BH, row-major
	Cost      []float32 // mean squared difference per pixel (of the plane the field was estimated on: half-size at half scale) at the chosen vector, before any noise correction
	// Sigma is the noise standard deviation (sample units) the estimator worked with: the
	// configured one, or the one it read off the block costs.
	Sigma float32
}

// Reset sizes f for a w×h luma plane cut into blocks of blockSize.
func (f *MotionField) Reset(w, h, blockSize int) {
	f.W, f.H, f.BlockSize = w, h, blockSize
	f.BW, f.BH = ceilDiv(w, blockSize), ceilDiv(h, blockSize)
	n := f.BW * f.BH
	if cap(f.Vectors) < n {
		f.Vectors = make([]Vec, n)
	}
	if cap(f.Cost) < n {
		f.Cost = make([]float32, n)
	}
	f.Vectors, f.Cost = f.Vectors[:n], f.Cost[:n]
	f.Sigma = 0
}

// At returns the vector of block (bx, by).
func (f *MotionField) At(bx, by int) Vec { return f.Vectors[by*f.BW+bx] }

// Interpolate returns the vector at luma position (x, y), bilinear between block centres and
// constant beyond the outer centres. Blocks are treated as points so that the warped picture
// has no seams at block edges.
func (f *MotionField) Interpolate(x, y float32) Vec {
	b := float32(f.BlockSize)
	i0, i1, wx := gridPos((x+0.5)/b-0.5, f.BW)
	j0, j1, wy := gridPos((y+0.5)/b-0.5, f.BH)
	r0, r1 := f.Vectors[j0*f.BW:], f.Vectors[j1*f.BW:]
	top := lerpVec(r0[i0], r0[i1], wx)
	bot := lerpVec(r1[i0], r1[i1], wx)
	return lerpVec(top, bot, wy)
}

// gridPos splits a position t on a grid of n nodes into the two nodes around it and the
// weight of the second, clamping outside [0, n−1].
func gridPos(t float32, n int) (int, int, float32) {
	if !(t > 0) { // also catches NaN
		return 0, 0, 0
	}
	if t >= float32(n-1) {
		return n - 1, n - 1, 0
	}
	i := int(t)
	return i, i + 1, t - float32(i)
}

func lerpVec(a, b Vec, w float32) Vec {
	return Vec{a.X + (b.X-a.X)*w, a.Y + (b.Y-a.Y)*w}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// MotionConfig tunes a MotionEstimator. Zero fields take the defaults in brackets.
type MotionConfig struct {
	// BlockSize is the side of the blocks the field has one vector for [8].
	BlockSize int
	// Overlap widens every matching window by this many pixels on each side (at every
	// level), so that neighbouring windows share pixels [0]. Larger windows average more
	// noise out of the cost at the price of (B+2·Overlap)²/B² more work.
	Overlap int
	// Levels is the number of pyramid levels searched, the resolution the field is estimated
	// at included [3] (at half scale the pyramid holds one more, the full resolution). Fewer
	// are used when the coarsest level would hold less than two blocks across or down.
	Levels int
	// Range is the largest displacement, in full-resolution pixels, searched exhaustively at
	// the coarsest level [24]. Predictors from neighbouring blocks can reach a little further.
	Range int
	// SubPel is the precision of the final vectors: 1, 2 or 4 steps per pixel [4].
	SubPel int
	// Penalty weighs a vector's distance (L1, in pixels of the level) from the median of its
	// neighbours' vectors, as a fraction of the noise energy of the matching window [0.25].
	// In flat areas every vector matches equally well up to noise; the penalty makes them
	// follow their neighbours instead of the noise. Negative disables it.
	Penalty float32
	// Sigma is the noise standard deviation of the frames in sample units ([0,1] scale) when
	// known; 0 estimates it from the block costs of the current and previous estimates.
	Sigma float32
	// Scale is the resolution the field is estimated at [MotionScaleAuto]. At half
	// resolution (the pyramid's second level) an estimate takes about a third of the work
	// and the field has one vector per block of 2·BlockSize full-resolution pixels, to
	// 2/SubPel of a pixel.
	Scale MotionScale
	// Threads is how many goroutines share one estimate, by rows of blocks [GOMAXPROCS].
	// The vectors do not depend on it.
	Threads int
}

func (c MotionConfig) withDefaults() (MotionConfig, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.BlockSize, 8)
	def(&c.Levels, 3)
	def(&c.Range, 24)
	def(&c.SubPel, 4)
	if c.Penalty == 0 {
		c.Penalty = 0.25
	}
	if c.Penalty < 0 {
		c.Penalty = 0
	}
	switch {
	case c.BlockSize < 2 || c.BlockSize > 64:
		return c, fmt.Errorf("motion: block size %d: want 2 to 64", c.BlockSize)
	case c.Overlap < 0 || c.Overlap > c.BlockSize:
		return c, fmt.Errorf("motion: overlap %d: want 0 to the block size %d", c.Overlap, c.BlockSize)
	case c.Levels < 1 || c.Levels > 5:
		return c, fmt.Errorf("motion: %d pyramid levels: want 1 to 5", c.Levels)
	case c.Range < 1 || c.Range > 512:
		return c, fmt.Errorf("motion: range %d: want 1 to 512 pixels", c.Range)
	case c.SubPel != 1 && c.SubPel != 2 && c.SubPel != 4:
		return c, fmt.Errorf("motion: sub-pixel precision 1/%d: want 1, 2 or 4", c.SubPel)
	case c.Sigma < 0 || c.Sigma > 1:
		return c, fmt.Errorf("motion: sigma %g: want 0 (estimate) to 1", c.Sigma)
	case c.Scale < 0 || c.Scale > MotionScaleHalf:
		return c, fmt.Errorf("motion: scale %d: want auto, full or half", c.Scale)
	case c.Threads < 0:
		return c, fmt.Errorf("motion: %d threads: want ≥ 0 (0: GOMAXPROCS)", c.Threads)
	}
	return c, nil
}

// MotionScale is the resolution a motion field is estimated at.
type MotionScale int8

const (
	// MotionScaleAuto is half resolution for frames of halfScaleFrom pixels and more, full
	// resolution below.
	MotionScaleAuto MotionScale = iota
	MotionScaleFull
	MotionScaleHalf
)

// halfScaleFrom is the frame area from which MotionScaleAuto estimates at half resolution:
// 1024×576 pixels (1280×536, 720p and larger). Measured on a 720p clip with camera motion
// and σ=20 (bench/realtime.sh's), the half-resolution field, one vector per 16×16 pixels,
// gives the spatio-temporal NLM +0.06 dB of luma PSNR with the live preset and +0.15 with the
// quality preset, −0.12 to −0.16 dB on each chroma plane, for 0.65× the CPU time; at
// 640×480 luma is even and chroma −0.15 dB, and on QCIF carphone luma loses 0.09–0.16 dB:
// motion in pixels and texture grain grow with the picture, and 8×8 blocks of a small one
// are what 16×16 are of a large one.
const halfScaleFrom = 1024 * 576

// motionScaleNames are the scales' names, in the order of their values.
var motionScaleNames = [...]string{MotionScaleAuto: "auto", MotionScaleFull: "full", MotionScaleHalf: "half"}

// ParseMotionScale reads "auto", "full" or "half" ("" is auto).
func ParseMotionScale(s string) (MotionScale, error) {
	if s == "" {
		return MotionScaleAuto, nil
	}
	for v, name := range motionScaleNames {
		if s == name {
			return MotionScale(v), nil
		}
	}
	return 0, fmt.Errorf("motion scale %q: want auto, full or half", s)
}

func (s MotionScale) String() string {
	if s >= 0 && int(s) < len(motionScaleNames) {
		return motionScaleNames[s]
	}
	return fmt.Sprintf("MotionScale(%d)", int8(s))
}

// smoothTolerance is how much worse than its own vector, as a fraction of the noise energy of
// its window, the neighbourhood median may match a block and still replace the vector.
const smoothTolerance = 0.1

// sigmaFloor keeps the penalty and the noise-relative thresholds meaningful on clean input,
// where an estimated σ of 0 would make every comparison a comparison against rounding.
const sigmaFloor = 1.0 / 255

// Pyramid is one luma plane prepared for matching: box-downsampled levels, each copied into a
// buffer padded by edge replication so that candidate blocks never need bounds tests. A
// temporal window builds one per frame and reuses it for every pair the frame is part of.
type Pyramid struct {
	W, H   int
	levels []pyrLevel
}

type pyrLevel struct {
	w, h, pad, stride int
	pix               []float32
}

// off is the index of sample (x, y) of the level; x and y may reach into the padding.
func (l *pyrLevel) off(x, y int) int { return (y+l.pad)*l.stride + x + l.pad }

// MotionEstimator finds block motion between two luma planes by hierarchical block matching:
// an exhaustive search at the coarsest pyramid level, candidates from the parent level and
// from spatial neighbours refined by ±1 at each finer level, then bilinear sub-pixel
// refinement. It keeps its scratch between calls, so that once it has seen a geometry it
// does not allocate. Not safe for concurrent use.
type MotionEstimator struct {
	cfg MotionConfig

	w, h   int
	fin    int // the level fields are estimated at: 0, or 1 at half scale
	levels []levelState
	pad    []int // padding of each level, what BuildPyramid allocates

	curPyr, refPyr Pyramid // for Estimate
	quant          []float32
	sel            dsp.SelectScratch
	vtmp           []Vec
	prevSigma2     float32 // noise variance read off the previous estimate, for auto mode
	pass           *motionPass
}

// ForgetNoise drops the noise level read off earlier estimates (auto mode), so that a new
// scene or sequence is judged on its own.
func (e *MotionEstimator) ForgetNoise() { e.prevSigma2 = 0 }

type ivec struct{ x, y int32 }

type levelState struct {
	w, h, bw, bh int
	maxV         int32 // vectors at this level stay within ±maxV
	vec          []ivec
	ssd          []float32 // raw SSD of the chosen vector
	cc           []float32 // level 0: noise-corrected SSD of the final vector
	cost         []float32 // SSD plus penalty of the chosen vector
	pred         []ivec    // the predictor its penalty was measured from
}

// NewMotionEstimator checks cfg and returns an estimator.
func NewMotionEstimator(cfg MotionConfig) (*MotionEstimator, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &MotionEstimator{cfg: c, pass: newMotionPass(c)}
	e.pass.stopWhenGarbage(e)
	return e, nil
}

// Config returns the configuration in effect, defaults filled in.
func (e *MotionEstimator) Config() MotionConfig { return e.cfg }

// configure lays out the levels for a w×h plane; it allocates only on a geometry change.
func (e *MotionEstimator) configure(w, h int) {
	if w == e.w && h == e.h && e.levels != nil {
		return
	}
	if w < 1 || h < 1 {
		panic(fmt.Sprintf("motion: empty plane %dx%d", w, h))
	}
	e.w, e.h = w, h
	b := e.cfg.BlockSize
	// At half scale the levels above the one estimated at are as many as at full scale,
	// so that the exhaustive search at the top covers the same range with as few
	// candidates (with one level fewer the live preset took 1.13× the CPU time at 1080p,
	// 1.04× at 720p, PSNR 0.01 dB lower), where that extra level still holds four blocks
	// across and down: a coarser one has too little texture left to match.
	half := e.cfg.Scale == MotionScaleHalf || e.cfg.Scale == MotionScaleAuto && w*h >= halfScaleFrom
	want := e.cfg.Levels
	if half {
		want++
	}
	n := 1
	for n < want && (w>>n) >= 2*b && (h>>n) >= 2*b && (n < e.cfg.Levels || (w>>n) >= 4*b && (h>>n) >= 4*b) {
		n++
	}
	e.fin = 0
	if half && n > 1 {
		e.fin = 1
	}
	e.levels = make([]levelState, n)
	e.pad = make([]int, n)
	lw, lh := w, h
	for l := range e.levels {
		st := &e.levels[l]
		st.w, st.h = lw, lh
		st.bw, st.bh = ceilDiv(lw, b), ceilDiv(lh, b)
		st.maxV = int32(ceilShift(e.cfg.Range, l) + 2)
		st.vec = make([]ivec, st.bw*st.bh)
		st.ssd = make([]float32, st.bw*st.bh)
		st.cc = make([]float32, st.bw*st.bh)
		st.cost = make([]float32, st.bw*st.bh)
		st.pred = make([]ivec, st.bw*st.bh)
		e.pad[l] = int(st.maxV) + 2 // sub-pixel steps and the bilinear tap reach maxV+2
		lw, lh = (lw+1)/2, (lh+1)/2
	}
	e.pass.size(e.levels[0].bh)
}

// Close ends the estimator's helper goroutines now rather than when it is garbage; later
// estimates run on the caller's goroutine.
func (e *MotionEstimator) Close() { e.pass.stop() }

// HalfScale reports whether fields of w×h planes are estimated at half resolution, with
// costs per pixel of the half-size planes.
func (e *MotionEstimator) HalfScale(w, h int) bool {
	e.configure(w, h)
	return e.fin == 1
}

func ceilShift(v, s int) int { return (v + (1 << s) - 1) >> s }

// BuildPyramid prepares src (a luma plane, possibly impulse-cleaned) for EstimatePyramids.
func (e *MotionEstimator) BuildPyramid(dst *Pyramid, src *frame.Plane) {
	e.configure(src.W, src.H)
	dst.W, dst.H = src.W, src.H
	if len(dst.levels) != len(e.levels) {
		dst.levels = make([]pyrLevel, len(e.levels))
	}
	for l := range e.levels {
		st, pl := &e.levels[l], &dst.levels[l]
		pl.w, pl.h, pl.pad = st.w, st.h, e.pad[l]
		pl.stride = pl.w + 2*pl.pad
		if l < e.fin {
			// Never searched: level 1 is made from src itself, and the memory (a
			// frame's luma, padded) goes.
			pl.pix = nil
			continue
		}
		if n := pl.stride * (pl.h + 2*pl.pad); cap(pl.pix) < n {
			pl.pix = make([]float32, n)
		} else {
			pl.pix = pl.pix[:n]
		}
		switch {
		case l == 0:
			for y := 0; y < pl.h; y++ {
				o := pl.off(0, y)
				copy(pl.pix[o:o+pl.w], src.Row(y))
			}
		case l == e.fin:
			for y := 0; y < pl.h; y++ {
				dsp.Downsample2Row(pl.pix[pl.off(0, y):][:pl.w], src.Row(2*y), src.Row(min(2*y+1, src.H-1)))
			}
		default:
			downsample(pl, &dst.levels[l-1])
		}
		padEdges(pl)
	}
}

// HasFullLevel reports whether p holds its full-resolution level: not when its estimator
// works at half scale.
func (p *Pyramid) HasFullLevel() bool { return len(p.levels) > 0 && p.levels[0].pix != nil }

// downsample fills d's interior with 2×2 box means of s; an odd last row or column of s is
// averaged with its replicated copy.
func downsample(d, s *pyrLevel) {
	for y := 0; y < d.h; y++ {
		y0, y1 := 2*y, min(2*y+1, s.h-1)
		dsp.Downsample2Row(d.pix[d.off(0, y):][:d.w], s.pix[s.off(0, y0):][:s.w], s.pix[s.off(0, y1):][:s.w])
	}
}

// padEdges replicates the interior's outer samples into the padding.
func padEdges(l *pyrLevel) {
	for y := 0; y < l.h; y++ {
		row := l.pix[(y+l.pad)*l.stride:][:l.stride]
		lv, rv := row[l.pad], row[l.pad+l.w-1]
		for i := 0; i < l.pad; i++ {
			row[i] = lv
			row[l.pad+l.w+i] = rv
		}
	}
	first := l.pix[l.pad*l.stride:][:l.stride]
	last := l.pix[(l.pad+l.h-1)*l.stride:][:l.stride]
	for i := 0; i < l.pad; i++ {
		copy(l.pix[i*l.stride:][:l.stride], first)
		copy(l.pix[(l.pad+l.h+i)*l.stride:][:l.stride], last)
	}
}

// Estimate writes into dst the motion from cur to ref, two luma planes of one size.
func (e *MotionEstimator) Estimate(dst *MotionField, cur, ref *frame.Plane) {
	if cur.W != ref.W || cur.H != ref.H {
		panic(fmt.Sprintf("motion: planes of %dx%d and %dx%d", cur.W, cur.H, ref.W, ref.H))
	}
	e.BuildPyramid(&e.curPyr, cur)
	e.BuildPyramid(&e.refPyr, ref)
	e.EstimatePyramids(dst, &e.curPyr, &e.refPyr)
}

// EstimatePyramids is Estimate on planes already prepared by BuildPyramid of this estimator.
func (e *MotionEstimator) EstimatePyramids(dst *MotionField, cur, ref *Pyramid) {
	if cur.W != ref.W || cur.H != ref.H {
		panic(fmt.Sprintf("motion: pyramids of %dx%d and %dx%d", cur.W, cur.H, ref.W, ref.H))
	}
	e.configure(cur.W, cur.H)
	defer e.pass.release()
	for _, p := range [2]*Pyramid{cur, ref} {
		if len(p.levels) != len(e.levels) || p.levels[len(p.levels)-1].pad != e.pad[len(e.pad)-1] {
			panic("motion: pyramid built by an estimator of another configuration")
		}
	}
	b := e.cfg.BlockSize
	fin := e.fin
	dst.Reset(cur.W, cur.H, b<<fin)

	sigma2 := e.cfg.Sigma * e.cfg.Sigma
	auto := sigma2 == 0
	if auto {
		sigma2 = e.prevSigma2
	}
	sigma2 = max(sigma2, sigmaFloor*sigmaFloor)

	top := len(e.levels) - 1
	for l := top; l >= fin; l-- {
		// 2×2 box means of white noise have a quarter of its variance.
		s2 := sigma2 / float32(int(1)<<(2*l))
		var parent *levelState
		if l < top {
			parent = &e.levels[l+1]
		}
		e.searchLevel(&e.levels[l], parent, &cur.levels[l], &ref.levels[l], e.cfg.Penalty*2*s2, l == top)
	}

	// From here on σ² is the noise variance of level fin.
	scale := float32(int(1) << (2 * fin))
	sigma2 = max(sigma2/scale, sigmaFloor*sigmaFloor)
	st := &e.levels[fin]
	npix := float32((b + 2*e.cfg.Overlap) * (b + 2*e.cfg.Overlap))
	if auto {
		// At whole-pixel vectors the residual of a good match is the difference of two
		// noises: 2σ² per pixel. Textured blocks that move by a fraction of a pixel add to
		// it, so a low quantile reads σ² from the flattest, best matched blocks.
		est := e.lowQuantile(st, npix, nil) / 2
		if e.prevSigma2 > 0 {
			est = min(est, e.prevSigma2/scale)
		}
		sigma2 = max(est, sigmaFloor*sigmaFloor)
	}
	e.subPel(dst, st, &cur.levels[fin], &ref.levels[fin], sigma2, e.cfg.Penalty*2*sigma2)
	if e.cfg.SubPel > 1 {
		e.smooth(dst, st, &cur.levels[fin], &ref.levels[fin], sigma2, smoothTolerance*2*sigma2)
	}
	if auto {
		// Reread σ² from the final costs, each divided by the noise gain of its own
		// interpolation, so that the next estimate starts from a sharper value.
		est := e.lowQuantile(st, npix, dst) / 2 * scale
		if est > 0 {
			e.prevSigma2 = est
		}
		dst.Sigma = float32(math.Sqrt(float64(est)))
	} else {
		dst.Sigma = e.cfg.Sigma
	}
	if fin > 0 {
		k := float32(int(1) << fin)
		for i, v := range dst.Vectors {
			dst.Vectors[i] = Vec{v.X * k, v.Y * k}
		}
	}
}

// lowQuantile returns the 25th percentile of the per-pixel costs of level st's blocks,
// scaled so that it reads as the mean cost of a pure-noise block. With f, the costs are f's,
// each normalised by its vector's interpolation noise gain (1+Σw²)/2.
func (e *MotionEstimator) lowQuantile(st *levelState, npix float32, f *MotionField) float32 {
	n := len(st.ssd)
	if cap(e.quant) < n {
		e.quant = make([]float32, n)
	}
	q := e.quant[:n]
	b, ov := e.cfg.BlockSize, e.cfg.Overlap
	for i := range q {
		if f == nil {
			x0, x1, y0, y1 := st.window(i%st.bw, i/st.bw, b, ov)
			q[i] = st.ssd[i] / float32((x1-x0)*(y1-y0))
		} else {
			v := f.Vectors[i]
			q[i] = f.Cost[i] * 2 / (1 + interpGain(v.X)*interpGain(v.Y))
		}
	}
	// For a block of n pure-noise pixels the cost is σ²·χ²_n/n: its 25th percentile lies
	// 0.674 standard deviations, 0.674·√(2/n), below its mean.
	k := 1 - 0.674*float32(math.Sqrt(2/float64(npix)))
	return dsp.Select(q, n/4, &e.sel) / max(k, 0.5)
}

// interpGain is the sum of the squared weights of linear interpolation at v: the factor by
// which it scales the variance of white noise.
func interpGain(v float32) float32 {
	f := v - floor32(v)
	return f*f + (1-f)*(1-f)
}

// blockSearch carries the state of one block's search at one level.
type blockSearch struct {
	cur, ref *pyrLevel
	cw       []float32 // cur's samples from the window's top-left on
	rpix     []float32 // ref's samples
	cs, rs   int       // strides of cur and ref
	ro       int       // offset of the window's top-left in ref (vector 0)
	w, h     int
	lamN     float32 // penalty per pixel of deviation, times the window's pixel count
	pred     ivec
	maxV     int32
	best     ivec
	bestCost float32 // SSD + penalty
	bestSSD  float32
	tried    [48]ivec
	nTried   int
}

func (s *blockSearch) reset() {
	s.bestCost = float32(math.Inf(1))
	s.bestSSD = s.bestCost
	s.nTried = 0
}

// penalty grows with the distance from the predictor up to penaltyCap pixels and stays
// flat beyond: it is there to settle ties in flat areas, and an unbounded one would keep a
// block from a genuinely different motion (an object's edge) whose predictor is the
// background's.
func (s *blockSearch) penalty(v ivec) float32 {
	return s.lamN * float32(min(abs32(v.x-s.pred.x)+abs32(v.y-s.pred.y), penaltyCap))
}

const penaltyCap = 2

// try evaluates candidate v unless it has been evaluated already (dedupe matters: the
// predictors of a smooth field are mostly equal).
func (s *blockSearch) try(v ivec) {
	v.x = min(max(v.x, -s.maxV), s.maxV)
	v.y = min(max(v.y, -s.maxV), s.maxV)
	for _, t := range s.tried[:s.nTried] {
		if t == v {
			return
		}
	}
	if s.nTried < len(s.tried) {
		s.tried[s.nTried] = v
		s.nTried++
	}
	s.eval(v)
}

func (s *blockSearch) eval(v ivec) {
	pen := s.penalty(v)
	lim := s.bestCost - pen
	if lim <= 0 {
		return
	}
	d := dsp.SSD(s.cw, s.cs, s.rpix[s.ro+int(v.y)*s.rs+int(v.x):], s.rs, s.w, s.h, lim)
	if c := d + pen; d < lim && c < s.bestCost { // d ≥ lim: stopped early, a partial sum
		s.best, s.bestCost, s.bestSSD = v, c, d
	}
}

// refine walks from the best vector to the best of its 8 neighbours until none is better or
// steps run out.
func (s *blockSearch) refine(steps int) {
	for range steps {
		c := s.best
		for dy := int32(-1); dy <= 1; dy++ {
			for dx := int32(-1); dx <= 1; dx++ {
				if dx != 0 || dy != 0 {
					s.try(ivec{c.x + dx, c.y + dy})
				}
			}
		}
		if s.best == c {
			return
		}
	}
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

func median3(a, b, c int32) int32 {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	return max(a, b)
}

// predictor is the median of the left, top and top-right vectors, the usual predictor of
// block codecs; where some are missing it falls back on the parent level.
func predictor(st *levelState, bx, by int, parent ivec, hasParent bool) ivec {
	var c [3]ivec
	n := 0
	if bx > 0 {
		c[n] = st.vec[by*st.bw+bx-1]
		n++
	}
	if by > 0 {
		c[n] = st.vec[(by-1)*st.bw+bx]
		n++
		if bx+1 < st.bw {
			c[n] = st.vec[(by-1)*st.bw+bx+1]
			n++
		}
	}
	if n < 3 && hasParent {
		c[n] = parent
		n++
	}
	switch n {
	case 0:
		return ivec{}
	case 3:
		return ivec{median3(c[0].x, c[1].x, c[2].x), median3(c[0].y, c[1].y, c[2].y)}
	}
	return c[0]
}

// window is the matching window of block (bx, by): the block widened by ov, cut by the edges.
func (st *levelState) window(bx, by, b, ov int) (x0, x1, y0, y1 int) {
	return max(bx*b-ov, 0), min(bx*b+b+ov, st.w), max(by*b-ov, 0), min(by*b+b+ov, st.h)
}

func (e *MotionEstimator) searchLevel(st, parent *levelState, cur, ref *pyrLevel, lam float32, top bool) {
	p := e.pass
	p.st, p.parent, p.cur, p.ref, p.lam, p.top = st, parent, cur, ref, lam, top
	p.rc = 0
	if top {
		p.rc = min(int32(ceilShift(e.cfg.Range, len(e.levels)-1)), st.maxV)
	}
	p.run(passForward, st.bh)
	p.run(passReverse, st.bh)
}

// forwardRow is the first pass over block row by: each block tries its predictors and
// neighbours and refines the best. It needs the row above done up to its top-right block.
func (p *motionPass) forwardRow(by int) {
	st, parent := p.st, p.parent
	s := blockSearch{cur: p.cur, ref: p.ref, maxV: st.maxV}
	rc, top := p.rc, p.top
	for bx := 0; bx < st.bw; bx++ {
		if by > 0 {
			p.wait(by-1, min(bx+2, st.bw))
		}
		p.startBlock(&s, st, bx, by, p.lam)
		var pv ivec
		if parent != nil {
			pp := parent.vec[(by/2)*parent.bw+bx/2]
			pv = ivec{2 * pp.x, 2 * pp.y}
		}
		s.pred = predictor(st, bx, by, pv, parent != nil)
		s.try(s.pred)
		if parent != nil {
			// The parent and its neighbours: where the parent straddles two motions
			// the right one is often next door, and a small object's motion reaches the
			// blocks at its top-left only this way.
			px, py := bx/2, by/2
			s.try(pv)
			for j := max(py-1, 0); j <= min(py+1, parent.bh-1); j++ {
				for k := max(px-1, 0); k <= min(px+1, parent.bw-1); k++ {
					pp := parent.vec[j*parent.bw+k]
					s.try(ivec{2 * pp.x, 2 * pp.y})
				}
			}
		}
		if bx > 0 {
			s.try(st.vec[by*st.bw+bx-1])
		}
		if by > 0 {
			s.try(st.vec[(by-1)*st.bw+bx])
		}
		s.try(ivec{})
		if top {
			for dy := -rc; dy <= rc; dy++ {
				for dx := -rc; dx <= rc; dx++ {
					s.eval(ivec{dx, dy}) // exhaustive: no dedupe needed
				}
			}
		}
		s.refine(2)
		endBlock(&s, st, bx, by)
		p.progress[by].Store(int32(bx + 1))
	}
}

// reverseRow is the second pass, over block row bh−1−r, right to left: it offers each block
// the vectors of its right and lower neighbours. The first pass only propagates motion
// rightwards and down, so the upper left of a moving object would otherwise keep the
// background's vector. It needs the row below done down to its lower-left block.
func (p *motionPass) reverseRow(r int) {
	st := p.st
	by := st.bh - 1 - r
	s := blockSearch{cur: p.cur, ref: p.ref, maxV: st.maxV}
	for bx := st.bw - 1; bx >= 0; bx-- {
		if by+1 < st.bh {
			p.wait(r-1, min(st.bw-bx+1, st.bw))
		}
		i := by*st.bw + bx
		p.startBlock(&s, st, bx, by, p.lam)
		s.pred = st.pred[i]
		s.best, s.bestCost, s.bestSSD = st.vec[i], st.cost[i], st.ssd[i]
		s.tried[0], s.nTried = s.best, 1
		if bx+1 < st.bw {
			s.try(st.vec[i+1])
		}
		if by+1 < st.bh {
			s.try(st.vec[i+st.bw])
			if bx > 0 {
				s.try(st.vec[i+st.bw-1])
			}
			if bx+1 < st.bw {
				s.try(st.vec[i+st.bw+1])
			}
		}
		if s.best != st.vec[i] {
			s.refine(1)
			endBlock(&s, st, bx, by)
		}
		p.progress[r].Store(int32(st.bw - bx))
	}
}

// startBlock points s at block (bx, by) of level st and clears its search.
func (p *motionPass) startBlock(s *blockSearch, st *levelState, bx, by int, lam float32) {
	x0, x1, y0, y1 := st.window(bx, by, p.cfg.BlockSize, p.cfg.Overlap)
	s.cw, s.cs = s.cur.pix[s.cur.off(x0, y0):], s.cur.stride
	s.rpix, s.rs, s.ro = s.ref.pix, s.ref.stride, s.ref.off(x0, y0)
	s.w, s.h = x1-x0, y1-y0
	s.lamN = lam * float32(s.w*s.h)
	s.reset()
}

func endBlock(s *blockSearch, st *levelState, bx, by int) {
	i := by*st.bw + bx
	st.vec[i], st.ssd[i], st.cost[i], st.pred[i] = s.best, s.bestSSD, s.bestCost, s.pred
}

// subPel refines level 0's whole-pixel vectors by halving steps down to 1/SubPel, matching
// against the bilinearly interpolated neighbour, and writes the final field.
func (e *MotionEstimator) subPel(dst *MotionField, st *levelState, cur, ref *pyrLevel, sigma2, lam float32) {
	p := e.pass
	p.st, p.cur, p.ref, p.dst, p.sigma2, p.lam = st, cur, ref, dst, sigma2, lam
	p.run(passSubPel, st.bh)
}

// subPelRow is subPel for block row by. A block's predictor is the median of its final
// left, top and top-right vectors: it needs the row above done up to its top-right block.
func (p *motionPass) subPelRow(by int) {
	st, dst, cur, ref, sigma2, lam := p.st, p.dst, p.cur, p.ref, p.sigma2, p.lam
	b, ov := p.cfg.BlockSize, p.cfg.Overlap
	for bx := 0; bx < st.bw; bx++ {
		if by > 0 {
			p.wait(by-1, min(bx+2, st.bw))
		}
		p.subPelBlock(dst, st, cur, ref, sigma2, lam, b, ov, bx, by)
		p.progress[by].Store(int32(bx + 1))
	}
}

func (p *motionPass) subPelBlock(dst *MotionField, st *levelState, cur, ref *pyrLevel, sigma2, lam float32, b, ov, bx, by int) {
	x0, x1, y0, y1 := st.window(bx, by, b, ov)
	i := by*st.bw + bx
	iv := st.vec[i]
	v := Vec{float32(iv.x), float32(iv.y)}
	npix := float32((x1 - x0) * (y1 - y0))
	if p.cfg.SubPel == 1 {
		dst.Vectors[i] = v
		dst.Cost[i] = st.ssd[i] / npix
		st.cc[i] = st.ssd[i]
		return
	}
	sb := subBlock{cur: cur, ref: ref, co: cur.off(x0, y0), ro: ref.off(x0, y0), w: x1 - x0, h: y1 - y0, noise: npix * sigma2}
	pred := floatPredictor(dst, bx, by, v)
	lamN := lam * npix
	pen := func(c Vec) float32 {
		return lamN * min(abs(c.X-pred.X)+abs(c.Y-pred.Y), penaltyCap)
	}
	best, bestSSD, bestCC := v, st.ssd[i], st.ssd[i]
	bestCost := bestSSD + pen(v)
	// try returns the candidate's cost, or a lower bound of it when the evaluation
	// stopped early, which is enough to rank the sides.
	try := func(c Vec) float32 {
		p := pen(c)
		lim := bestCost - p
		d, cc := sb.cost(c, lim)
		if cc < lim {
			best, bestCost, bestSSD, bestCC = c, cc+p, d, cc
		}
		return cc + p
	}
	for step := float32(0.5); step >= 1/float32(p.cfg.SubPel); step /= 2 {
		// The cross first, then only the diagonal between the better horizontal and
		// the better vertical side: near its minimum the cost surface is close to a
		// bowl, and 5 evaluations find what 8 would.
		c0 := best
		l := try(Vec{c0.X - step, c0.Y})
		r := try(Vec{c0.X + step, c0.Y})
		u := try(Vec{c0.X, c0.Y - step})
		d := try(Vec{c0.X, c0.Y + step})
		sx, sy := step, step
		if l < r {
			sx = -step
		}
		if u < d {
			sy = -step
		}
		try(Vec{c0.X + sx, c0.Y + sy})
	}
	dst.Vectors[i] = best
	dst.Cost[i] = bestSSD / npix
	st.cc[i] = bestCC
}

// subBlock evaluates fractional vectors for one block.
type subBlock struct {
	cur, ref *pyrLevel
	co, ro   int
	w, h     int
	noise    float32 // σ² times the window's pixel count
}

// cost returns the raw SSD of vector v and the SSD corrected for the noise interpolation
// removes. Once the corrected cost reaches limit it stops early: both are then lower
// bounds, at least limit.
func (b *subBlock) cost(v Vec, limit float32) (raw, corrected float32) {
	fx, fy := floor32(v.X), floor32(v.Y)
	// Interpolation averages the neighbour's noise, which lowers the cost of fractional
	// vectors by σ²(1−Σw²) per pixel whatever the content; adding it back keeps noise from
	// pulling vectors to half-pixel positions.
	corr := b.noise * (1 - interpGain(v.X)*interpGain(v.Y))
	if limit-corr <= 0 {
		return max(limit, 0), limit
	}
	o := b.ro + int(fy)*b.ref.stride + int(fx)
	d := ssdBilinear(b.cur.pix, b.co, b.cur.stride, b.ref.pix, o, b.ref.stride, b.w, b.h, v.X-fx, v.Y-fy, limit-corr)
	if d >= limit-corr {
		return d, max(d+corr, limit) // keep rounding from passing a partial sum off as a win
	}
	return d, d + corr
}

// smooth replaces each vector by the median of its 3×3 neighbourhood where that costs less
// than tol more than the vector found. Block by block, noise leaves sub-pixel vectors
// scattered by a fraction of a pixel; the median pulls them to their neighbours' consensus
// without blurring motion edges, and the cost test keeps it off blocks that truly differ.
func (e *MotionEstimator) smooth(dst *MotionField, st *levelState, cur, ref *pyrLevel, sigma2, tol float32) {
	if cap(e.vtmp) < len(dst.Vectors) {
		e.vtmp = make([]Vec, len(dst.Vectors))
	}
	src := e.vtmp[:len(dst.Vectors)]
	copy(src, dst.Vectors)
	p := e.pass
	p.st, p.cur, p.ref, p.dst, p.sigma2, p.lam, p.src = st, cur, ref, dst, sigma2, tol, src
	p.run(passSmooth, st.bh)
}

// smoothRow is smooth for block row by; it reads only the vectors before smoothing.
func (p *motionPass) smoothRow(by int) {
	st, dst, cur, ref, sigma2, tol, src := p.st, p.dst, p.cur, p.ref, p.sigma2, p.lam, p.src
	b, ov := p.cfg.BlockSize, p.cfg.Overlap
	var xs, ys [9]float32
	for bx := 0; bx < st.bw; bx++ {
		n := 0
		for j := max(by-1, 0); j <= min(by+1, st.bh-1); j++ {
			for k := max(bx-1, 0); k <= min(bx+1, st.bw-1); k++ {
				v := src[j*st.bw+k]
				xs[n], ys[n] = v.X, v.Y
				n++
			}
		}
		i := by*st.bw + bx
		// Mostly the vector is its neighbourhood's median already: counting says so
		// without sorting.
		if isMedian(xs[:n], src[i].X) && isMedian(ys[:n], src[i].Y) {
			continue
		}
		m := Vec{median(xs[:n]), median(ys[:n])}
		if m == src[i] {
			continue
		}
		x0, x1, y0, y1 := st.window(bx, by, b, ov)
		npix := float32((x1 - x0) * (y1 - y0))
		sb := subBlock{cur: cur, ref: ref, co: cur.off(x0, y0), ro: ref.off(x0, y0), w: x1 - x0, h: y1 - y0, noise: npix * sigma2}
		lim := st.cc[i] + tol*npix
		d, cc := sb.cost(m, lim)
		if cc < lim {
			dst.Vectors[i] = m
			dst.Cost[i] = d / npix
		}
	}
}

// median9 is median of 9 values by the 19 compare-exchanges of the classic median network
// (Paeth; Devillard's opt_med9). The vectors hold no NaN and no −0, so min and max give the
// value the sort would.
func median9(v *[9]float32) float32 {
	p0, p1, p2, p3, p4, p5, p6, p7, p8 := v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]
	p1, p2 = min(p1, p2), max(p1, p2)
	p4, p5 = min(p4, p5), max(p4, p5)
	p7, p8 = min(p7, p8), max(p7, p8)
	p0, p1 = min(p0, p1), max(p0, p1)
	p3, p4 = min(p3, p4), max(p3, p4)
	p6, p7 = min(p6, p7), max(p6, p7)
	p1, p2 = min(p1, p2), max(p1, p2)
	p4, p5 = min(p4, p5), max(p4, p5)
	p7, p8 = min(p7, p8), max(p7, p8)
	p3 = max(p0, p3)
	p5 = min(p5, p8)
	p4, p7 = min(p4, p7), max(p4, p7)
	p6 = max(p3, p6)
	p4 = max(p1, p4)
	p2 = min(p2, p5)
	p4 = min(p4, p7)
	p4, p2 = min(p4, p2), max(p4, p2)
	p4 = max(p6, p4)
	return min(p4, p2)
}

// isMedian reports whether x is what median(v) returns: the value at index len(v)/2 of v
// sorted.
func isMedian(v []float32, x float32) bool {
	lt, le := 0, 0
	for _, u := range v {
		if u < x {
			lt++
		}
		if u <= x {
			le++
		}
	}
	k := len(v) / 2
	return lt <= k && k < le
}

// median returns the median of v (the upper one of an even count), reordering v.
func median(v []float32) float32 {
	if len(v) == 9 {
		return median9((*[9]float32)(v))
	}
	for i := 1; i < len(v); i++ { // insertion sort: at most 9 values
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
	return v[len(v)/2]
}

func floatPredictor(f *MotionField, bx, by int, own Vec) Vec {
	var c [3]Vec
	n := 0
	if bx > 0 {
		c[n] = f.Vectors[by*f.BW+bx-1]
		n++
	}
	if by > 0 {
		c[n] = f.Vectors[(by-1)*f.BW+bx]
		n++
		if bx+1 < f.BW {
			c[n] = f.Vectors[(by-1)*f.BW+bx+1]
			n++
		}
	}
	switch n {
	case 3:
		return Vec{median3f(c[0].X, c[1].X, c[2].X), median3f(c[0].Y, c[1].Y, c[2].Y)}
	case 2:
		return Vec{median3f(c[0].X, c[1].X, own.X), median3f(c[0].Y, c[1].Y, own.Y)}
	case 1:
		return c[0]
	}
	return own
}

func median3f(a, b, c float32) float32 {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	return max(a, b)
}

// floor32 is math.Floor for the vectors' range (|v| < 2³¹), without the float64 round trip.
func floor32(v float32) float32 {
	f := float32(int32(v))
	if f > v {
		f--
	}
	return f
}

func abs(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }
