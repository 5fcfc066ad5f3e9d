// Package nlm is a fast non-local means denoiser for planar float32 frames: per search offset
// the squared-difference image is summed over the patch (running column sums, then a box
// sum), the patch distance becomes a weight, and each offset serves both pixels of a pair
// (the distance is symmetric). The weight is IPOL's exp(−max(d²−2σ², 0)/h²) with d² the mean
// squared patch difference. The arithmetic is internal/dsp's NLM row kernels; this package
// holds the plumbing: padded planes, bands, offsets and threads.
package nlm

import (
	"fmt"
	"math"

	"github.com/denoise-go/denoise/filter/noise"
	"github.com/denoise-go/denoise/frame"
)

// Options configure the nlm filter. Zero values pick the defaults. Every sigma and h is on
// the 0–255 scale whatever the bit depth.
type Options struct {
	// Sigma is the noise standard deviation; 0 estimates it on every frame, per plane.
	Sigma float64
	// PatchRadius, SearchRadius and H override the values DefaultParams picks from σ
	// (0 keeps the default). HScale multiplies the chosen h (0 means 1).
	PatchRadius, SearchRadius int
	H, HScale                 float64
	// Threads is how many goroutines share one frame (horizontal bands). Video pipelines get
	// their parallelism from several workers and leave it at 0 (= 1); for a single picture
	// set it to the number of cores.
	Threads int
	// Estimator is the noise estimator used when Sigma is 0.
	Estimator noise.Method
	// PerPlane weighs every plane on its own patches, as for gray, also where the planes of
	// a frame could share weights (RGB and YUV, see Process).
	PerPlane bool
	// OnSigma, when set, is called for every frame with its index and the σ used for its
	// first plane (luma, gray or red), estimated or given.
	OnSigma func(index int64, sigma float64)
	// OnSigmas, when set, is called for every frame with its index, layout and the σ each
	// colour plane was filtered with (Y, U, V; R, G, B; gray), estimated or given, after
	// OnSigma; the slice is only valid during the call. With joint weights these are the
	// per-plane σ the joint distance is scaled by (RGB, YUV 4:4:4), or, for a subsampled
	// frame, the luma's own and the chroma's (whose distance also weighs the luma averaged
	// down to their size, at the σ estimated on it).
	OnSigmas func(index int64, layout frame.Layout, sigmas []float64)
}

// Params returns the plane parameters these options give for noise of σ.
func (o Options) Params(sigma float64) Params {
	p := DefaultParams(sigma)
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

func (o Options) validate() error {
	if o.Sigma < 0 || o.H < 0 || o.HScale < 0 || o.PatchRadius < 0 || o.SearchRadius < 0 {
		return fmt.Errorf("nlm: negative option in %+v", o)
	}
	return o.Params(max(o.Sigma, 1)).validate()
}

// Filter denoises whole frames with NLM. It owns its scratch: one Filter per goroutine.
type Filter struct {
	opt Options
	d   PlaneDenoiser
	est noise.Estimator
	// sigmas is the σ of each colour plane of the frame in hand, for OnSigmas.
	sigmas []float64
}

// Close ends the filter's helper goroutines now rather than when it is garbage (the
// pipeline closes its filters when a run ends).
func (f *Filter) Close() error {
	f.d.Close()
	return nil
}

// New returns a Filter with the given options.
func New(opt Options) (*Filter, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	return &Filter{opt: opt, d: PlaneDenoiser{Threads: opt.Threads}, est: noise.Estimator{Method: opt.Estimator}}, nil
}

// Process denoises every colour plane of in, in place (an alpha plane passes through), and
// returns in. Unless PerPlane is set, the three planes of an RGB or YUV 4:4:4 frame share
// one set of weights, and so do the U and V of a subsampled YUV frame, led by its luma
// averaged down to their size (PlaneDenoiser.DenoiseJointFrame); gray frames, and every
// frame with PerPlane, are denoised plane by plane.
func (f *Filter) Process(in *frame.Frame) (*frame.Frame, error) {
	if !f.opt.PerPlane && JointFormat(in.Format) {
		return f.processJoint(in)
	}
	n := colourPlanes(in.Format)
	f.sigmas = f.sigmas[:0]
	for i := range n {
		pl := &in.Planes[i]
		sigma := f.opt.Sigma
		if sigma == 0 {
			sigma = f.est.Estimate(pl, nil)
		}
		if i == 0 && f.opt.OnSigma != nil {
			f.opt.OnSigma(in.Index, sigma)
		}
		f.sigmas = append(f.sigmas, sigma)
		if err := f.d.Denoise(pl, pl, f.opt.Params(sigma)); err != nil {
			return nil, fmt.Errorf("nlm: frame %d plane %d (%dx%d): %w", in.Index, i, pl.W, pl.H, err)
		}
	}
	if f.opt.OnSigmas != nil {
		f.opt.OnSigmas(in.Index, in.Format.Layout, f.sigmas[:n])
	}
	return in, nil
}

// colourPlanes is the number of planes to denoise: all but an alpha plane.
func colourPlanes(f frame.Format) int {
	n := f.NumPlanes()
	if f.Alpha {
		n--
	}
	return n
}

// JointFormat reports whether DenoiseJointFrame weighs the colour planes of f together: the
// three of RGB and YUV 4:4:4, and a subsampled YUV frame's two chroma planes (4:2:0, 4:2:2),
// whose luma keeps weights of its own.
func JointFormat(f frame.Format) bool {
	return f.Layout == frame.RGB || f.Layout == frame.YUV
}

// subsampled reports whether f is YUV with chroma smaller than its luma.
func subsampled(f frame.Format) bool {
	return f.Layout == frame.YUV && (f.ChromaShiftW > 0 || f.ChromaShiftH > 0)
}

// JointParams returns the parameters these options give for joint weights (RGB, YUV 4:4:4)
// at noise of σ: the weighted sum over three channels of the squared differences varies less
// than one plane's, so a smaller patch tells patches apart as well. The defaults are the gray
// table's with the patch radius one smaller (at least 1) and h·1.15, chosen on the first 20
// CBSD432 pictures at AWGN σ=25 with the luma-led guide of DenoiseJoint (RGB PSNR 29.30 dB;
// h·0.85 29.06, h·1.23 29.31; the gray table's patch 28.71; per plane 28.01); options that are
// set take precedence.
func (o Options) JointParams(sigma float64) Params {
	p := o.Params(sigma)
	if o.PatchRadius == 0 {
		p.PatchRadius = max(1, DefaultParams(sigma).PatchRadius-1)
	}
	if o.H == 0 {
		p.H *= 1.15
	}
	return p
}

// SubsampledParams returns the parameters these options give for the joint weights of a
// subsampled chroma (JointSubsampled) at noise of σ: JointParams' with h·1.3 more, chosen
// with the luma weight (jointSubLuma) on carphone, park_joy, McMaster and 20 CBSD432
// pictures as 4:2:0 at AWGN σ=20 (filter/NOTES.md).
func (o Options) SubsampledParams(sigma float64) Params {
	p := o.JointParams(sigma)
	if o.H == 0 {
		p.H *= 1.3
	}
	return p
}

func (f *Filter) processJoint(in *frame.Frame) (*frame.Frame, error) {
	var sig [3]float64
	for i := range 3 {
		sig[i] = f.opt.Sigma
		if sig[i] == 0 {
			sig[i] = f.est.Estimate(&in.Planes[i], nil)
		}
	}
	if f.opt.OnSigma != nil {
		f.opt.OnSigma(in.Index, sig[0])
	}
	if f.opt.OnSigmas != nil {
		f.sigmas = append(f.sigmas[:0], sig[:]...)
		f.opt.OnSigmas(in.Index, in.Format.Layout, f.sigmas)
	}
	est := &f.est
	if f.opt.Sigma > 0 {
		est = nil // a given σ: white noise
	}
	if err := f.d.DenoiseJointFrame(in, in, sig, est, f.opt); err != nil {
		return nil, fmt.Errorf("nlm: frame %d (%dx%d): %w", in.Index, in.W, in.H, err)
	}
	return in, nil
}

// DenoiseJointFrame writes into dst (src's geometry; it may be src) the NLM of src's colour
// planes (JointFormat) with shared weights, sig being each plane's σ (0–255 scale). RGB and
// YUV 4:4:4: DenoiseJoint of the three at the parameters o.JointParams gives for the root
// mean square of sig, in the space of src's layout. Subsampled YUV: the luma on its own
// patches (o.Params), and U and V with one set of weights led by the luma averaged down to
// their size (BlockMean, JointSubsampled, o.SubsampledParams), whose noise est estimates
// (nil: the luma's σ over the square root of the samples averaged, as for white noise).
func (d *PlaneDenoiser) DenoiseJointFrame(dst, src *frame.Frame, sig [3]float64, est *noise.Estimator, o Options) error {
	var in, out [3]*frame.Plane
	for i := range 3 {
		in[i], out[i] = &src.Planes[i], &dst.Planes[i]
	}
	if subsampled(src.Format) {
		sw, sh := src.Format.ChromaShiftW, src.Format.ChromaShiftH
		BlockMean(&d.lumaMean, in[0], sw, sh) // before the luma is filtered: dst may be src
		gs := sig[0] / math.Sqrt(float64(int(1)<<(sw+sh)))
		if est != nil {
			gs = est.Estimate(&d.lumaMean, nil)
		}
		if err := d.Denoise(out[0], in[0], o.Params(sig[0])); err != nil {
			return err
		}
		cs := [3]float64{gs, sig[1], sig[2]}
		in[0], out[0] = &d.lumaMean, nil
		return d.DenoiseJoint(out, in, cs, o.SubsampledParams(RootMeanSquare(cs)), JointSubsampled)
	}
	space := JointYUV
	if src.Format.Layout == frame.RGB {
		space = JointRGB
	}
	return d.DenoiseJoint(out, in, sig, o.JointParams(RootMeanSquare(sig)), space)
}

// RootMeanSquare is √((s0² + s1² + s2²)/3): the σ of three planes weighed jointly.
func RootMeanSquare(s [3]float64) float64 {
	return math.Sqrt((s[0]*s[0] + s[1]*s[1] + s[2]*s[2]) / 3)
}
