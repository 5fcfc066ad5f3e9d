package rician

import (
	"fmt"

	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// Options configure the Rician NLM stage. Zero values pick the defaults; sigma and h are on
// the 0–255 scale whatever the bit depth.
type Options struct {
	// Sigma is the Gaussian σ of the real and imaginary parts; 0 estimates it from the
	// background of the first EstimateFrames frames (EstimateSigmaPlanes) and keeps it for
	// the sequence.
	Sigma float64
	// EstimateFrames is how many first frames σ is estimated on (0: DefaultEstimateFrames);
	// the stage holds them before it emits the first.
	EstimateFrames int
	// PatchRadius, SearchRadius and H override what nlm.DefaultParams picks from σ (0 keeps
	// it); HScale multiplies h (0 means 1).
	PatchRadius, SearchRadius int
	H, HScale                 float64
	// SliceRadius is how many neighbouring frames (slices of a volume, or frames of a
	// sequence) on each side add candidates: 0 is the 2-D filter. Their candidates are the
	// same search window around the pixel; patches stay within a slice.
	SliceRadius int
	// NoCorrection averages the magnitudes themselves, with the same weights: the biased
	// estimate, for comparison.
	NoCorrection bool
	// Threads is how many goroutines share one frame (≤ 0: 1).
	Threads int
	// OnSigma, when set, is called for every frame with its index and σ.
	OnSigma func(index int64, sigma float64)
	// OnSigmas, when set, is called for every frame with its index, layout and the σ each
	// colour plane is filtered with, after OnSigma: the one σ of the first plane's
	// background, for every plane; the slice is only valid during the call.
	OnSigmas func(index int64, layout frame.Layout, sigmas []float64)
	// OnBackground, when set, is called once with the background estimate (when σ is
	// estimated).
	OnBackground func(index int64, b Background)
}

func (o Options) validate() error {
	switch {
	case o.Sigma < 0 || o.Sigma > 255 || o.H < 0 || o.HScale < 0:
		return fmt.Errorf("rician: negative or too large sigma %g, h %g or h scale %g", o.Sigma, o.H, o.HScale)
	case o.PatchRadius < 0 || o.PatchRadius > 16 || o.SearchRadius < 0 || o.SearchRadius > 64:
		return fmt.Errorf("rician: patch radius %d or search radius %d out of range", o.PatchRadius, o.SearchRadius)
	case o.EstimateFrames < 0 || o.EstimateFrames > 64:
		return fmt.Errorf("rician: estimate frames %d: want 0 to 64", o.EstimateFrames)
	case o.SliceRadius < 0 || o.SliceRadius > 8:
		return fmt.Errorf("rician: slice radius %d: want 0 to 8", o.SliceRadius)
	}
	return nil
}

// Params returns the NLM parameters the options give for σ (0–255 scale).
func (o Options) Params(sigma float64) nlm.Params {
	p := nlm.DefaultParams(sigma)
	if o.PatchRadius > 0 {
		p.PatchRadius = o.PatchRadius
	}
	if o.SearchRadius > 0 {
		p.SearchRadius = o.SearchRadius
	}
	if o.H > 0 {
		p.H = o.H
	}
	if o.HScale > 0 {
		p.H *= o.HScale
	}
	return p
}

// DefaultEstimateFrames is how many first frames σ is estimated on by default: the
// background of one slice gives σ within about 0.5 %, and an error in σ shows directly in
// the background level after the correction.
const DefaultEstimateFrames = 3

// Filter is the bias-corrected NLM for Rician noise, a stream of frames (Push, Flush): frames
// are taken in order so that σ comes from the first frame's background and neighbouring slices
// can add candidates. Each output pixel is √max(Ê[x²] − 2σ², 0), Ê[x²] the non-local mean of
// the squared magnitudes with weights exp(−max(d² − 2σ², 0)/h²) from the magnitude patches
// (d² their mean squared difference). With SliceRadius 0 the 2-D mean is filter/nlm's kernel
// (PlaneDenoiser.DenoiseGuided: weights from the magnitudes, values the squares); otherwise a
// 3-D kernel here. Output frames are new frames of the input's pool; frames out == frames in.
type Filter struct {
	opt   Options
	sigma float64 // 0–255 scale; 0 until set

	win []*item // frames held: the ones still to emit and up to SliceRadius before them
	cur int     // index in win of the next frame to emit

	d  nlm.PlaneDenoiser
	k3 kernel3
	sq frame.Plane
	// sigmas is the σ of each colour plane of the frame in hand, for OnSigmas.
	sigmas []float64
}

// item is one held frame with its padded magnitude and squared-magnitude planes (3-D path).
type item struct {
	f      *frame.Frame
	g, v   padded
	filled bool
}

// New returns the filter.
func New(opt Options) (*Filter, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if opt.EstimateFrames == 0 {
		opt.EstimateFrames = DefaultEstimateFrames
	}
	f := &Filter{opt: opt, sigma: opt.Sigma, d: nlm.PlaneDenoiser{Threads: opt.Threads}}
	f.k3.pool.SetThreads(max(1, opt.Threads))
	return f, nil
}

// Lookahead is the slice radius, or the frames held for the σ estimate if more.
func (f *Filter) Lookahead() int {
	if f.opt.Sigma > 0 {
		return f.opt.SliceRadius
	}
	return max(f.opt.SliceRadius, f.opt.EstimateFrames-1)
}

// Sigma is the σ in use (0–255 scale), 0 before the first frame when it is estimated.
func (f *Filter) Sigma() float64 { return f.sigma }

// Push takes in and emits every frame whose neighbours have all arrived.
func (f *Filter) Push(in *frame.Frame, emit func(*frame.Frame) error) error {
	f.win = append(f.win, &item{f: in})
	if f.sigma == 0 {
		if len(f.win) < f.opt.EstimateFrames {
			return nil
		}
		f.estimate()
	}
	for f.cur < len(f.win) && len(f.win)-1-f.cur >= f.opt.SliceRadius {
		if err := f.emitNext(emit); err != nil {
			return err
		}
	}
	return nil
}

// estimate sets σ from the frames held.
func (f *Filter) estimate() {
	planes := make([]*frame.Plane, len(f.win))
	for i, it := range f.win {
		planes[i] = &it.f.Planes[0]
	}
	b := EstimateSigmaPlanes(planes)
	f.sigma = max(b.Sigma, 1e-3)
	if f.opt.OnBackground != nil {
		f.opt.OnBackground(f.win[0].f.Index, b)
	}
}

// Flush emits the frames still held.
func (f *Filter) Flush(emit func(*frame.Frame) error) error {
	if f.sigma == 0 && len(f.win) > 0 {
		f.estimate()
	}
	var err error
	for f.cur < len(f.win) {
		if err == nil {
			err = f.emitNext(emit)
		} else {
			f.cur++
		}
	}
	for _, it := range f.win {
		it.f.Release()
	}
	f.win, f.cur = f.win[:0], 0
	return err
}

// emitNext denoises win[cur], emits it and drops the frames no longer needed.
func (f *Filter) emitNext(emit func(*frame.Frame) error) error {
	c := f.win[f.cur]
	var out *frame.Frame
	if p := c.f.Pool(); p != nil {
		out = p.Like(c.f)
	} else { // a frame made by frame.New, outside a pipeline
		out = frame.New(c.f.Format, c.f.W, c.f.H)
		out.CopyMeta(c.f)
	}
	err := f.denoise(out)
	f.cur++
	for f.cur > f.opt.SliceRadius {
		f.win[0].f.Release()
		f.win = f.win[1:]
		f.cur--
	}
	if err != nil {
		out.Release()
		return err
	}
	return emit(out)
}

// denoise writes the estimate of win[cur] into out.
func (f *Filter) denoise(out *frame.Frame) error {
	c := f.win[f.cur].f
	if f.opt.OnSigma != nil {
		f.opt.OnSigma(c.Index, f.sigma)
	}
	p := f.opt.Params(f.sigma)
	p.Sigma = f.sigma
	s := f.sigma / 255
	np := c.Format.NumPlanes()
	if c.Format.Alpha {
		np--
		out.Planes[np].CopyFrom(&c.Planes[np])
	}
	if f.opt.OnSigmas != nil {
		f.sigmas = f.sigmas[:0]
		for range np {
			f.sigmas = append(f.sigmas, f.sigma)
		}
		f.opt.OnSigmas(c.Index, c.Format.Layout, f.sigmas)
	}
	for i := 0; i < np; i++ {
		src, dst := &c.Planes[i], &out.Planes[i]
		if f.opt.SliceRadius == 0 || i > 0 {
			if err := f.denoise2D(dst, src, p); err != nil {
				return fmt.Errorf("rician: frame %d plane %d: %w", c.Index, i, err)
			}
		} else {
			f.denoise3D(dst, p)
		}
		if !f.opt.NoCorrection {
			correct(dst, s)
		}
	}
	return nil
}

// denoise2D writes the 2-D non-local mean of the squares of src (or of src itself with
// NoCorrection) into dst.
func (f *Filter) denoise2D(dst, src *frame.Plane, p nlm.Params) error {
	if f.opt.NoCorrection {
		return f.d.Denoise(dst, src, p)
	}
	f.sq.Resize(src.W, src.H)
	for y := 0; y < src.H; y++ {
		dsp.NLMSquareRow(f.sq.Row(y), src.Row(y))
	}
	return f.d.DenoiseGuided(dst, src, &f.sq, p)
}

// correct replaces the mean of squares m in place by √max(m − 2σ², 0) (σ in working units).
func correct(p *frame.Plane, s float64) {
	b := float32(2 * s * s)
	for y := 0; y < p.H; y++ {
		dsp.NLMRicianCorrectRow(p.Row(y), b)
	}
}

// denoise3D writes the 3-D non-local mean of win[cur]'s first plane into dst.
func (f *Filter) denoise3D(dst *frame.Plane, p nlm.Params) {
	lo := max(0, f.cur-f.opt.SliceRadius)
	hi := min(len(f.win)-1, f.cur+f.opt.SliceRadius)
	pad := p.SearchRadius + p.PatchRadius
	var nb []*padded
	var nv []*padded
	var cg *padded
	for k := lo; k <= hi; k++ {
		it := f.win[k]
		pl := &it.f.Planes[0]
		if !it.filled || it.g.pad != pad {
			it.g.fill(pl, pad, false)
			it.v.fill(pl, pad, !f.opt.NoCorrection)
			it.filled = true
		}
		nb = append(nb, &it.g)
		nv = append(nv, &it.v)
		if k == f.cur {
			cg = &it.g
		}
	}
	f.k3.run(dst, cg, nb, nv, p)
}
