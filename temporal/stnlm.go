package temporal

import (
	"fmt"

	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/filter/noise"
	"github.com/denoise-go/denoise/frame"
)

// STNLMConfig configures an STNLM stage. Zero values pick the defaults; every sigma is on
// the 0–255 scale whatever the bit depth.
type STNLMConfig struct {
	// Window is the sliding window: Radius (0: spatial NLM only), Causal, scene cuts and
	// the motion settings. When Sigma is given and Window.Sigma is 0, the window's
	// reliability scale is set from it.
	Window WindowConfig
	// Sigma is the noise standard deviation; 0 estimates it per plane on the centre frame
	// (at every scene start, and at the first frame of every run of SigmaEvery frame
	// numbers).
	Sigma float64
	// SigmaEvery is how often, in frame numbers, the estimate is refreshed within a scene
	// (0: DefaultSigmaEvery). The noise of a clip changes slowly, and the estimate costs
	// about as much as a fifth of the motion search.
	SigmaEvery int
	// PatchRadius and SearchRadius (the centre frame's patches and search window),
	// NeighbourPatchRadius and NeighbourSearch (the neighbours' patches, and the side of the
	// window around the compensated position in each neighbour: 1 is that position alone)
	// override the values STNLMParams picks from σ; 0 keeps them. PatchRadius sets the
	// neighbours' patches too unless NeighbourPatchRadius is given.
	PatchRadius, SearchRadius, NeighbourPatchRadius, NeighbourSearch int
	// HScale and NeighbourHScale multiply the chosen h of the centre frame's candidates and
	// of the neighbours' (0 means 1).
	HScale, NeighbourHScale float64
	// SpatialWeight overrides the table's weight of the centre frame's candidates relative
	// to the neighbours' (0 keeps it).
	SpatialWeight float64
	// PerPlane weighs each colour plane from its own patches, as a gray plane, in every
	// frame. By default the three planes of an RGB frame share one set of weights, computed
	// from all three (opponent colours, nlm's JointRGB) in the frame and in each aligned
	// neighbour (nlm's BeginJoint), and a YUV frame with no neighbours (a picture) is
	// weighed as mode nlm weighs it (nlm's DenoiseJointFrame: 4:4:4 jointly, a subsampled
	// chroma's U and V jointly with the luma averaged down to their size). YUV frames with
	// neighbours are weighed per plane, where joint weights measured worse (filter/NOTES.md).
	PerPlane bool
	// Threads is how many goroutines share one frame (≤ 0: 1).
	Threads int
	// Estimator is the noise estimator used when Sigma is 0.
	Estimator noise.Method
	// OnSigma, when set, is called for every frame with its index and the σ used for its
	// first plane.
	OnSigma func(index int64, sigma float64)
	// OnSigmas, when set, is called for every frame with its index, layout and the σ used
	// for each colour plane (Y, U, V; R, G, B; gray), after OnSigma; the slice is only
	// valid during the call.
	OnSigmas func(index int64, layout frame.Layout, sigmas []float64)
}

// DefaultSigmaEvery is how often an estimated σ is refreshed within a scene.
const DefaultSigmaEvery = 8

// maxPlanes is the most planes a frame has (RGB with alpha).
const maxPlanes = 4

// bandRows is the least height of the bands a plane is cut into: enough bands for the
// stage's goroutines to share, tall enough that the rows each search offset primes (2f)
// or revisits (up to R above a band) stay a small share of the work.
const bandRows = 64

// STParams are the spatio-temporal NLM settings of one plane.
type STParams struct {
	Spatial nlm.Params      // the centre frame's candidates
	Cross   nlm.CrossParams // the aligned neighbours'
}

func (p STParams) String() string {
	return fmt.Sprintf("%v; neighbours: search %dx%d h=%.2f", p.Spatial,
		2*p.Cross.SearchRadius+1, 2*p.Cross.SearchRadius+1, p.Cross.H)
}

// Params returns the plane parameters cfg gives for noise of σ with n neighbours.
func (cfg *STNLMConfig) Params(sigma float64, neighbours int) STParams {
	p := STNLMParams(sigma, neighbours)
	if cfg.PatchRadius > 0 {
		p.Spatial.PatchRadius = cfg.PatchRadius
		p.Cross.PatchRadius = cfg.PatchRadius
	}
	if cfg.NeighbourPatchRadius > 0 {
		p.Cross.PatchRadius = cfg.NeighbourPatchRadius
	}
	if cfg.SearchRadius > 0 {
		p.Spatial.SearchRadius = cfg.SearchRadius
	}
	if cfg.NeighbourSearch > 0 {
		p.Cross.SearchRadius = cfg.NeighbourSearch / 2
	}
	if cfg.HScale > 0 {
		p.Spatial.H *= cfg.HScale
	}
	if cfg.SpatialWeight > 0 {
		p.Cross.SpatialWeight = cfg.SpatialWeight
	}
	if cfg.NeighbourHScale > 0 {
		p.Cross.H *= cfg.NeighbourHScale
	}
	return p
}

func (cfg *STNLMConfig) validate() error {
	switch {
	case cfg.Sigma < 0 || cfg.Sigma > 255:
		return fmt.Errorf("stnlm: sigma %g: want 0 (estimate) to 255", cfg.Sigma)
	case cfg.SigmaEvery < 0:
		return fmt.Errorf("stnlm: sigma refresh every %d frames: want ≥ 0", cfg.SigmaEvery)
	case cfg.PatchRadius < 0 || cfg.PatchRadius > 16 || cfg.NeighbourPatchRadius < 0 || cfg.NeighbourPatchRadius > 16 ||
		cfg.SearchRadius < 0 || cfg.SearchRadius > 64:
		return fmt.Errorf("stnlm: patch radius %d or %d, or search radius %d out of range",
			cfg.PatchRadius, cfg.NeighbourPatchRadius, cfg.SearchRadius)
	case cfg.NeighbourSearch < 0 || cfg.NeighbourSearch > 33 || cfg.NeighbourSearch > 0 && cfg.NeighbourSearch%2 == 0:
		return fmt.Errorf("stnlm: neighbour search %d: want 0 (automatic) or an odd side up to 33", cfg.NeighbourSearch)
	case cfg.HScale < 0 || cfg.NeighbourHScale < 0 || cfg.SpatialWeight < 0:
		return fmt.Errorf("stnlm: negative h scale %g or %g, or spatial weight %g", cfg.HScale, cfg.NeighbourHScale, cfg.SpatialWeight)
	}
	return nil
}

// crossSlots is how many neighbours' copies each plane's STDenoiser keeps (nlm's CrossSlots):
// neighbour k's waits for the bands to be done with neighbour k−crossSlots. One is enough:
// the next neighbour is warped into the window's aligned frame while the bands work on the
// copy, so the two still take turns. At radius 2 and 1080p, 1 instead of 2 saves ≈21 MiB of
// peak RSS (1 instead of 4, ≈70), with the same output and CPU time (×0.98 at 1080p, ×0.97
// at 720p, quality preset, 5 pairs each).
const crossSlots = 1

// STNLM is the spatio-temporal non-local means stage ("stnlm"): for every frame, each
// pixel's candidates are its search window in the frame itself and a smaller window around
// the same position in each neighbour of its window motion-compensated onto it, every
// candidate weighted by patch similarity and a neighbour's by the reliability of its warped
// pixel, so that occlusions and bad matches fall back on the frame's own candidates instead
// of ghosting. The window restarts at scene cuts. The parameters follow the noise level of
// each plane, given or estimated. Output i carries frame i's metadata; frames out == frames
// in; output frames come from the stage's pool, so the steady state does not allocate.
type STNLM struct {
	cfg   STNLMConfig
	w     *Window
	d     *[maxPlanes]nlm.STDenoiser // apart from the stage: the helpers reach them, not it
	sched *stepper
	est   noise.Estimator
	pool  *frame.Pool
	emit  func(*frame.Frame) error
	ready func(*Centre) error // s.denoise, bound once so Push does not allocate

	joint nlm.PlaneDenoiser // a colour frame with no neighbours (denoiseJoint)

	sigmas [maxPlanes]float64 // per plane, the last estimate
	bucket int64              // Index / SigmaEvery of the last frame
	// skipBefore: frames numbered below it are analysed, not filtered (AnalyseOnlyBefore).
	skipBefore int64
	used       [maxPlanes]float64 // per plane, the σ the current frame uses (for OnSigmas)

	// Overlap (see Overlap): the frame whose bands the helpers are still running, and its
	// centre, retained until they are done.
	overlap bool
	pending *frame.Frame
	held    *frame.Frame
}

// NewSTNLM returns the stage configured by cfg.
func NewSTNLM(cfg STNLMConfig) (*STNLM, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.SigmaEvery == 0 {
		cfg.SigmaEvery = DefaultSigmaEvery
	}
	if cfg.Sigma > 0 && cfg.Window.Sigma == 0 {
		cfg.Window.Sigma = float32(cfg.Sigma / 255)
	}
	w, err := NewWindow(cfg.Window)
	if err != nil {
		return nil, fmt.Errorf("stnlm: %w", err)
	}
	s := &STNLM{cfg: cfg, w: w, d: new([maxPlanes]nlm.STDenoiser), sched: newStepper(max(1, cfg.Threads)),
		est: noise.Estimator{Method: cfg.Estimator}, pool: frame.NewPool(8), joint: nlm.PlaneDenoiser{Threads: max(1, cfg.Threads)}}
	for i := range s.d {
		s.d[i].BandRows, s.d[i].MaxBands = bandRows, 1<<10
		s.d[i].CrossSlots = crossSlots
	}
	s.ready = s.denoise
	s.sched.stopWhenGarbage(s)
	return s, nil
}

// Name is "stnlm".
func (s *STNLM) Name() string { return "stnlm" }

// Lookahead is the window's radius, or 0 when it is causal.
func (s *STNLM) Lookahead() int { return s.w.Lookahead() }

// Push adds in to the window and emits the outputs that are complete (with Overlap, those
// whose bands are done: the last one may still be running when Push returns).
func (s *STNLM) Push(in *frame.Frame, emit func(*frame.Frame) error) error {
	s.emit = emit
	defer func() { s.emit = nil }()
	return s.w.Push(in, s.ready)
}

// Flush emits the outputs still owed and empties the window.
func (s *STNLM) Flush(emit func(*frame.Frame) error) error {
	s.emit = emit
	defer func() { s.emit = nil }()
	err := s.w.Flush(s.ready)
	if e := s.settle(); err == nil {
		err = e
	}
	return err
}

// Overlap lets a frame's NLM bands run on the stage's helpers after the Push that handed
// out the frame returns, so that they overlap the next Push: its pyramid, scene-cut test,
// motion search, warps and reliabilities, the serial part of the stage. The frame is
// emitted by the next Push (before its own frame's bands start), by Settle or by Flush; the
// output is the same. pipeline.Run switches it on and calls Settle whenever the stage's
// input queue is empty, so that a frame is held back only while a newer one is waiting.
func (s *STNLM) Overlap() { s.overlap = true }

// Settle waits for the bands still running and emits their frame.
func (s *STNLM) Settle(emit func(*frame.Frame) error) error {
	s.emit = emit
	defer func() { s.emit = nil }()
	return s.settle()
}

// settle finishes the pending frame, lets go of what its bands read and emits it.
func (s *STNLM) settle() error {
	out := s.pending
	if out == nil {
		return nil
	}
	s.sched.finish()
	s.pending = nil
	s.held.Release()
	s.held = nil
	return s.emit(out)
}

// Allocated is the number of output frames the stage's pool has allocated.
func (s *STNLM) Allocated() int64 { return s.pool.Allocated() }

func (s *STNLM) denoise(c *Centre) error {
	if c.Frame.Index < s.skipBefore {
		return s.analyse(c)
	}
	if s.overlap {
		return s.denoiseOverlapped(c)
	}
	out := s.pool.Like(c.Frame)
	if err := s.Denoise(out, c); err != nil {
		out.Release()
		return err
	}
	return s.emit(out)
}

// Close ends the stage's helper goroutines (its bands', its motion estimators') now rather
// than when it is garbage; pipeline.Run calls it when the run is over. A stage used after
// Close runs on its own goroutine alone.
func (s *STNLM) Close() error {
	s.sched.stop()
	s.w.Close()
	for i := range s.d {
		s.d[i].Close()
	}
	s.joint.Close()
	return nil
}

// denoiseOverlapped estimates the motion of c's neighbours (the larger serial part of
// aligning them) while the previous frame's bands run on the helpers, emits that frame, then
// starts c's bands, warping each neighbour while they run, and returns without waiting for
// them. The bands read their own copies of the planes (nlm's Begin and SetCross copy them),
// so no aligned neighbour outlives its SetCross; the centre is retained all the same, until
// settle.
func (s *STNLM) denoiseOverlapped(c *Centre) error {
	for k := range c.Neighbours {
		c.Motion(k)
	}
	if err := s.settle(); err != nil {
		return err
	}
	out, err := s.start(nil, c)
	if err != nil {
		s.sched.finish()
		if out != nil {
			out.Release()
		}
		return err
	}
	s.held = c.Frame.Retain()
	s.pending = out
	return nil
}

// Denoise writes into dst (of c's geometry) the spatio-temporal NLM of c's frame over its
// aligned neighbours, plane by plane; an alpha plane is copied. The bands of every plane
// start on the frame's own candidates while the neighbours are being aligned, and take each
// neighbour's as soon as it is (see stepper). Each aligned neighbour is released once the
// bands have their copy of it (c.Release), so one is held at a time. The planes of an RGB
// frame share one set of weights; a colour frame with no neighbours is denoised as mode nlm
// denoises it instead (denoiseJoint).
func (s *STNLM) Denoise(dst *frame.Frame, c *Centre) error {
	_, err := s.start(dst, c)
	s.sched.finish() // every band done, whatever happened
	return err
}

// sigmasOf sets s.used for the planes of c's frame the stage filters (all but an alpha
// plane, at most maxPlanes), estimating them anew where a refresh falls, and returns how
// many they are. The refreshes fall on frame numbers, not on counts since the scene began,
// so that a piece of a stream denoised on its own (package cluster) refreshes where the
// whole stream's run does: at the first frame of every run of SigmaEvery numbers (the first
// one present, where frames were dropped), and at scene starts.
func (s *STNLM) sigmasOf(c *Centre) (np int) {
	f := c.Frame
	np = f.Format.NumPlanes()
	if f.Format.Alpha {
		np--
	}
	np = min(np, maxPlanes)
	bucket := f.Index / int64(s.cfg.SigmaEvery)
	refresh := s.cfg.Sigma == 0 && (c.SceneStart || bucket != s.bucket || s.sigmas[0] == 0)
	s.bucket = bucket
	for i := 0; i < np; i++ {
		sigma := s.cfg.Sigma
		if sigma == 0 {
			if refresh {
				s.sigmas[i] = s.est.Estimate(&f.Planes[i], nil)
			}
			sigma = s.sigmas[i]
		}
		s.used[i] = sigma
	}
	return np
}

// AnalyseOnlyBefore has the stage skip the filtering of the frames numbered below first:
// they are still analysed as when filtered (their motion estimated against every
// neighbour, in the same order, and their noise level refreshed where it falls), so that the
// frames from first on come out as in a run that filtered them all, but what is emitted for
// them is unfiltered. A piece of a video denoised apart (package cluster) reads such frames
// only to bring the stage's state to where a run over the whole video has it.
func (s *STNLM) AnalyseOnlyBefore(first int64) { s.skipBefore = first }

// analyse is the work on a frame AnalyseOnlyBefore skips the filtering of: its motion and
// noise, then the frame emitted as it came (after the pending one).
func (s *STNLM) analyse(c *Centre) error {
	for k := range c.Neighbours {
		c.Motion(k)
	}
	if err := s.settle(); err != nil {
		return err
	}
	f := c.Frame
	s.sigmasOf(c)
	out := s.pool.Like(f)
	out.CopyFrom(f)
	return s.emit(out)
}

// start sets up the bands of every plane of c into dst and runs them on the helpers, handing
// them each neighbour as it is aligned; the caller joins them with s.sched.finish. A colour
// frame with no neighbours is done before start returns, on the stage's goroutine and
// the joint denoiser's threads (denoiseJoint), and nothing is left for s.sched; with Overlap
// such a frame overlaps nothing. With dst nil, the output is taken from the pool once every
// neighbour is aligned, since only the bands' last steps write it: by then the previous
// frame's output, emitted before the alignment began, is usually converted by the sink and
// back in the pool, so the stage holds one output frame instead of two (12 MB at 1080p). start returns the output,
// which is nil only if the bands could not be set up.
func (s *STNLM) start(dst *frame.Frame, c *Centre) (*frame.Frame, error) {
	f := c.Frame
	np := s.sigmasOf(c)
	if s.cfg.OnSigma != nil {
		s.cfg.OnSigma(f.Index, s.used[0])
	}
	n := len(c.Neighbours)
	s.sched.begin(n)
	if n == 0 && !s.cfg.PerPlane && nlm.JointFormat(f.Format) {
		if dst == nil {
			dst = s.pool.Like(f)
		}
		s.finishOutput(dst, f, n)
		return dst, s.denoiseJoint(dst, f)
	}
	joint := !s.cfg.PerPlane && f.Format.Layout == frame.RGB
	for i := 0; i < np; i++ {
		var bands int
		var err error
		switch {
		case joint && i == 0:
			sig := [3]float64(s.used[:3])
			p := s.jointParams(sig, n)
			bands, err = s.d[0].BeginJoint(outPlanes(dst, 0, 3),
				[3]*frame.Plane{&f.Planes[0], &f.Planes[1], &f.Planes[2]}, n, sig, nlm.JointRGB, p.Spatial, p.Cross)
		case joint && i < 3:
			continue // plane 0's denoiser has them
		default:
			p := s.cfg.Params(s.used[i], n)
			bands, err = s.d[i].Begin(outPlanes(dst, i, 1)[0], &f.Planes[i], n, p.Spatial, p.Cross)
		}
		if err != nil {
			s.sched.begin(n) // nothing has run: drop the bands queued
			pl := &f.Planes[i]
			return dst, fmt.Errorf("stnlm: frame %d plane %d (%dx%d): %w", f.Index, i, pl.W, pl.H, err)
		}
		s.sched.add(&s.d[i], bands)
	}
	if s.cfg.OnSigmas != nil {
		s.cfg.OnSigmas(f.Index, f.Format.Layout, s.used[:np])
	}
	if dst != nil {
		s.sched.finalReady()
	}
	s.sched.run()
	var err error
	for k := range c.Neighbours {
		a := c.Aligned(k)
		if k >= crossSlots {
			s.sched.wait(k - crossSlots + 1) // the bands are done with the copy SetCross reuses
		}
		if e := s.setCross(k, a, f.Format, np, joint); e != nil && err == nil {
			err = fmt.Errorf("stnlm: frame %d, neighbour %d: %w", f.Index, c.Neighbours[k].Offset, e)
		}
		c.Release(k) // SetCross copied it
		s.sched.crossReady()
	}
	if dst == nil {
		dst = s.pool.Like(f)
		for i := 0; i < np; i++ {
			if joint && i > 0 && i < 3 {
				continue
			}
			planes := outPlanes(dst, i, 1)
			if joint && i == 0 {
				planes = outPlanes(dst, 0, 3)
			}
			if e := s.d[i].SetDst(planes); e != nil {
				panic(e) // Like gives f's geometry, which the bands were set up for
			}
		}
		s.sched.finalReady()
	}
	s.finishOutput(dst, f, n)
	return dst, err
}

// outPlanes returns planes i … i+n−1 of dst, or nils when dst is nil (given later).
func outPlanes(dst *frame.Frame, i, n int) [3]*frame.Plane {
	var p [3]*frame.Plane
	if dst != nil {
		for c := range n {
			p[c] = &dst.Planes[i+c]
		}
	}
	return p
}

// finishOutput does what the planes' denoisers leave of f's output dst: an alpha plane
// copied, and the count of neighbours.
func (s *STNLM) finishOutput(dst, f *frame.Frame, n int) {
	if f.Format.Alpha {
		a := f.Format.NumPlanes() - 1
		dst.Planes[a].CopyFrom(&f.Planes[a])
	}
	dst.Neighbours = n
}

// setCross hands aligned neighbour k to the denoisers of the frame's planes (of format fm,
// np of them filtered): the three colour planes to the first one when joint.
func (s *STNLM) setCross(k int, a *Aligned, fm frame.Format, np int, joint bool) error {
	rel := nlm.CrossPlane{Reliability: &a.Reliability.Planes[0]}
	pl := a.Frame.Planes
	var err error
	if joint {
		err = s.d[0].SetCrossJoint(k, [3]*frame.Plane{&pl[0], &pl[1], &pl[2]}, rel)
	}
	// Every plane gets the neighbour even when one fails, so that no band runs on a stale copy.
	for i := 0; i < np; i++ {
		if joint && i < 3 {
			continue
		}
		cp := rel
		cp.Plane = &pl[i]
		if fm.Layout == frame.YUV && (i == 1 || i == 2) {
			cp.RelShiftW, cp.RelShiftH = fm.ChromaShiftW, fm.ChromaShiftH
		}
		if e := s.d[i].SetCross(k, cp); e != nil && err == nil {
			err = fmt.Errorf("plane %d: %w", i, e)
		}
	}
	return err
}

// jointParams returns the parameters of three planes weighed jointly with n neighbours at
// the noise levels sig: those of one plane at their root mean square, with h·jointH.
func (s *STNLM) jointParams(sig [3]float64, n int) STParams {
	p := s.cfg.Params(nlm.RootMeanSquare(sig), n)
	p.Spatial.H *= jointH
	p.Cross.H *= jointH
	return p
}

// jointH scales the h of three planes weighed jointly with neighbours: their distance sums
// three channels' squared differences, which tells patches apart better, and stronger
// weights pay. On carphone and park_joy as RGB at σ=20 (RGB PSNR), h·1.5 gave 33.11 and
// 29.71 dB, against 32.72 and 28.81 with h·1, 33.03 and 29.46 with h·1.3, 33.07 (carphone)
// with h·1.8; per plane, 32.33 and 28.99 (carphone's best h, ·1.15, 32.38).
const jointH = 1.5

// denoiseJoint writes into dst the spatial NLM of f's colour planes with shared weights
// (nlm.PlaneDenoiser.DenoiseJointFrame, for the σ of s.used, as nlm's filter does: RGB and
// 4:4:4 one set for the three, subsampled YUV its luma's own and one for U and V), on the
// stage's goroutine and its Threads: a colour picture, or a colour frame whose window has
// no neighbours.
func (s *STNLM) denoiseJoint(dst, f *frame.Frame) error {
	if s.cfg.OnSigmas != nil {
		s.cfg.OnSigmas(f.Index, f.Format.Layout, s.used[:3])
	}
	o := nlm.Options{PatchRadius: s.cfg.PatchRadius, SearchRadius: s.cfg.SearchRadius, HScale: s.cfg.HScale}
	est := &s.est
	if s.cfg.Sigma > 0 {
		est = nil // a given σ: white noise
	}
	if err := s.joint.DenoiseJointFrame(dst, f, [3]float64(s.used[:3]), est, o); err != nil {
		return fmt.Errorf("stnlm: frame %d (%dx%d): %w", f.Index, f.W, f.H, err)
	}
	return nil
}
