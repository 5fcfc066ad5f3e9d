package nlm

import (
	"fmt"
	"math"

	"github.com/denoise-go/denoise/filter/internal/par"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// Params are the NLM settings of one plane. Sigma and H are on the 0–255 scale whatever the
// bit depth (a sample v in [0,1] reads as v·255).
type Params struct {
	PatchRadius  int     // f: patches are (2f+1)²
	SearchRadius int     // R: candidates are the (2R+1)² pixels around
	H            float64 // filtering strength: weight exp(−max(d²−2σ², 0)/H²)
	Sigma        float64 // noise standard deviation
	// LeaveOut leaves each pixel out of its own mean: a leave-one-out estimate, which an
	// outlier cannot pull towards itself (impulse detection compares pixels with it).
	LeaveOut bool
}

func (p Params) String() string {
	return fmt.Sprintf("patch %dx%d search %dx%d h=%.2f sigma=%.2f",
		2*p.PatchRadius+1, 2*p.PatchRadius+1, 2*p.SearchRadius+1, 2*p.SearchRadius+1, p.H, p.Sigma)
}

func (p Params) validate() error {
	if p.PatchRadius < 0 || p.PatchRadius > 16 || p.SearchRadius < 0 || p.SearchRadius > 64 {
		return fmt.Errorf("nlm: patch radius %d or search radius %d out of range", p.PatchRadius, p.SearchRadius)
	}
	if p.H < 0 || p.Sigma < 0 {
		return fmt.Errorf("nlm: negative h %g or sigma %g", p.H, p.Sigma)
	}
	return nil
}

// PlaneDenoiser runs NLM on planes, splitting each into horizontal bands processed by
// Threads goroutines. It keeps its padded copies, band scratch and helper goroutines between
// calls (reallocated only when the plane size or the radii grow), so the steady state does
// not allocate. It is not safe for concurrent use.
type PlaneDenoiser struct {
	// Threads is how many goroutines work on one plane; ≤ 1 runs on the caller's.
	Threads int

	job      job
	bands    []band
	pool     par.Pool
	lumaMean frame.Plane // DenoiseJointFrame's guide of a subsampled chroma
}

// Close ends the denoiser's helper goroutines now rather than when it is garbage.
func (d *PlaneDenoiser) Close() { d.pool.Close() }

// job is what every band of one call shares.
type job struct {
	g, v   *padded
	gp, vp padded
	wt     dsp.NLMWeight
	r, f   int
	// joint: the guides of DenoiseJoint's three channels (nil otherwise), which serve as
	// their values too: the means are mixed back to the planes by inv at the end
	gs       []*padded
	jg       [3]padded
	gsa      [3]*padded
	mix, inv [9]float32 // the guide's colour matrix (jointMix) and its inverse
}

// bandRunner runs band i of the current call for the pool.
type bandRunner PlaneDenoiser

func (d *bandRunner) RunPart(i int) {
	j := &d.job
	if j.gs != nil {
		d.bands[i].runN(j.gs, j.wt, j.r, j.f)
		return
	}
	d.bands[i].run(j.g, j.v, j.wt, j.r, j.f)
}

// minBandRows keeps bands tall enough that the rows each offset primes (2f) and revisits
// (up to R above the band) stay a small share of the work.
const minBandRows = 48

// Denoise writes the NLM estimate of src into dst (same size; dst may be src).
func (d *PlaneDenoiser) Denoise(dst, src *frame.Plane, p Params) error {
	return d.DenoiseGuided(dst, src, src, p)
}

// DenoiseGuided writes into dst the non-local means of the values of src with weights from
// the patches of guide (all the same size; dst may be src or guide). p.Sigma is the noise
// of the guide's patch differences.
func (d *PlaneDenoiser) DenoiseGuided(dst, guide, src *frame.Plane, p Params) error {
	if err := p.validate(); err != nil {
		return err
	}
	if dst.W != src.W || dst.H != src.H || guide.W != src.W || guide.H != src.H {
		return fmt.Errorf("nlm: plane sizes differ: %dx%d, %dx%d and %dx%d", dst.W, dst.H, guide.W, guide.H, src.W, src.H)
	}
	if p.H == 0 || src.W == 0 || src.H == 0 || p.SearchRadius == 0 {
		if dst != src {
			dst.CopyFrom(src)
		}
		return nil
	}
	j := &d.job
	j.gs = nil
	j.r, j.f = p.SearchRadius, p.PatchRadius
	w, h := src.W, src.H
	pad := j.r + j.f
	j.g, j.v = &j.gp, &j.gp
	j.gp.resize(w, h, pad)
	j.gp.fill(guide)
	if guide != src {
		j.v = &j.vp
		j.vp.resize(w, h, pad)
		j.vp.fill(src)
	}
	j.wt = dsp.NewNLMWeight((2*j.f+1)*(2*j.f+1), p.Sigma/255, p.H/255)

	nb := d.sizeBands(w, h, j.r, j.f, 1)
	d.pool.Run((*bandRunner)(d), nb)
	for i := range d.bands {
		d.bands[i].finish(dst, j.v, j.r, p.LeaveOut)
	}
	return nil
}

// JointSpace says what the three planes of a DenoiseJoint call hold, and so how their
// guide is decorrelated.
type JointSpace uint8

const (
	// JointRGB: R, G, B. The guide is the opponent transform of the whitened channels.
	JointRGB JointSpace = iota
	// JointYUV: Y, U, V at full resolution (4:4:4), already luma and two chroma.
	JointYUV
	// JointSubsampled: a subsampled chroma's U and V after the luma averaged down to their
	// size (BlockMean), which holds less noise and the structure the chroma shares; the
	// chroma's own differences weigh more in it than in JointYUV (jointSubLuma).
	JointSubsampled
)

// Weights of the luma and of each chroma channel in the joint patch distance, for noise that
// is white across the (whitened) channels: a² + 2b² = 3, so the distance's noise part stays
// 2σ² per sample triple and the weight table is the same. Edges and texture live mostly in
// luma, where the chroma channels' differences are largely noise, so leaning on luma tells
// patches apart better: on the first 20 CBSD432 pictures at AWGN σ=25 (RGB PSNR over all
// channels), a² = 2.25 (chroma 0.375) gave 29.30 dB against 28.89 with equal weights (the
// plain RGB distance: the transform is orthonormal) and 29.25 with luma weight 2.56 or 1.96,
// each with its best h (JointParams).
const (
	jointLuma   = 1.5
	jointChroma = 0.6123724356957945 // √((3 − 1.5²)/2)
)

// jointSubLuma is the luma's weight in JointSubsampled's distance (the chroma's follow from
// a² + 2b² = 3).
const jointSubLuma = 0.8

// jointMix writes into m the matrix that takes the three channels of space, each whitened by
// k[c], to the weighted decorrelated guide: for RGB the orthonormal opponent transform
// (R+G+B)/√3, (R−B)/√2, (R−2G+B)/√6, for YUV the planes as they are; and into inv its
// inverse (nil: not wanted). With m = W·T·K (channel weights, transform, whitening) and T
// orthonormal, inv = K⁻¹·Tᵀ·W⁻¹.
func jointMix(m, inv *[9]float32, space JointSpace, k [3]float64) {
	t := [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	if space == JointRGB {
		a, b, c := 1/math.Sqrt(3), 1/math.Sqrt(2), 1/math.Sqrt(6)
		t = [9]float64{a, a, a, b, 0, -b, c, -2 * c, c}
	}
	lw, cw := jointLuma, jointChroma
	if space == JointSubsampled {
		lw, cw = jointSubLuma, math.Sqrt((3-jointSubLuma*jointSubLuma)/2)
	}
	for i := range 3 {
		wi := cw
		if i == 0 {
			wi = lw
		}
		for c := range 3 {
			m[3*i+c] = float32(wi * t[3*i+c] * k[c])
			if inv != nil {
				inv[3*c+i] = float32(t[3*i+c] / (k[c] * wi))
			}
		}
	}
}

// DenoiseJoint denoises three planes of the same size (R, G, B or Y, U, V at 4:4:4, as space
// says) with one set of weights: each channel is whitened (scaled by σ/σ_c, σ_c the noise of
// plane c and σ² their mean square; p.Sigma is ignored), taken to a luma and two chroma
// channels (jointMix), and the patch distance of a candidate is the sum over the 3·(2f+1)²
// samples of their squared differences, luma weighted 2.25 and each chroma 0.375 (JointRGB,
// JointYUV). Its weight exp(−max(d²−2σ², 0)/h²) averages every channel of the values, which
// are the planes as given. dst may be src; a nil dst[c] is not written (a channel that only
// guides).
func (d *PlaneDenoiser) DenoiseJoint(dst, src [3]*frame.Plane, sigma [3]float64, p Params, space JointSpace) error {
	if err := p.validate(); err != nil {
		return err
	}
	w, h := src[0].W, src[0].H
	for c := range 3 {
		if src[c].W != w || src[c].H != h || dst[c] != nil && (dst[c].W != w || dst[c].H != h) {
			return fmt.Errorf("nlm: joint planes differ in size: %dx%d and %dx%d", w, h, src[c].W, src[c].H)
		}
	}
	k, rms := whiten(sigma)
	p.Sigma = rms
	if p.H == 0 || p.Sigma == 0 || w == 0 || h == 0 || p.SearchRadius == 0 {
		for c := range 3 {
			if dst[c] != nil && dst[c] != src[c] {
				dst[c].CopyFrom(src[c])
			}
		}
		return nil
	}
	j := &d.job
	j.r, j.f = p.SearchRadius, p.PatchRadius
	pad := j.r + j.f
	for c := range 3 {
		j.jg[c].resize(w, h, pad)
		j.gsa[c] = &j.jg[c]
	}
	jointMix(&j.mix, &j.inv, space, k)
	fillMixed(&j.jg, src, &j.mix)
	j.gs = j.gsa[:]
	j.wt = dsp.NewNLMWeight(3*(2*j.f+1)*(2*j.f+1), p.Sigma/255, p.H/255)

	nb := d.sizeBands(w, h, j.r, j.f, 3)
	d.pool.Run((*bandRunner)(d), nb)
	for i := range d.bands {
		d.bands[i].finishJoint(dst, j.gsa, j.r, &j.inv, p.LeaveOut)
	}
	j.gs = nil
	return nil
}

// whiten returns the scale of each channel that whitens noise of sigma (σ/σ_c, σ² the mean
// of the σ_c²; a plane with no noise counts as one with a tenth of the mean) and that σ.
func whiten(sigma [3]float64) (k [3]float64, rms float64) {
	rms = RootMeanSquare(sigma)
	for c := range 3 {
		k[c] = rms / max(sigma[c], rms/10)
	}
	return k, rms
}

// BlockMean makes dst the plane of s sampled down by (2^sw, 2^sh): each sample is the mean
// of the samples of s it covers (those inside s). dst takes the size of a plane subsampled
// that way (rounded up): a 4:2:0 frame's luma averaged to its chroma's size, which leads
// the chroma's joint weights (JointSubsampled).
func BlockMean(dst, s *frame.Plane, sw, sh int) {
	kx, ky := 1<<sw, 1<<sh
	dst.Resize((s.W+kx-1)>>sw, (s.H+ky-1)>>sh)
	for y := 0; y < dst.H; y++ {
		y0, y1 := y*ky, min((y+1)*ky, s.H)
		dsp.NLMBlockMeanRow(dst.Row(y), s.Pix[y0*s.Stride:], s.Stride, y1-y0, kx, s.W)
	}
}

// sizeBands splits the h rows into one band per thread (each at least minBandRows tall),
// sizes them for nc channels, and returns how many there are.
func (d *PlaneDenoiser) sizeBands(w, h, r, f, nc int) int {
	threads := max(1, d.Threads)
	nb := min(threads, max(1, h/minBandRows))
	if cap(d.bands) < nb {
		d.bands = make([]band, nb)
	}
	d.bands = d.bands[:nb]
	for i := range d.bands {
		d.bands[i].resizeN(h*i/nb, h*(i+1)/nb, w, r, f, nc)
	}
	d.pool.SetThreads(threads)
	return nb
}
