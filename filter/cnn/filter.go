// Package cnn is the neural stage of denoise: a DnCNN-style residual network (trained and
// exported by train/train.py, or any compatible ONNX file) run through ONNX Runtime, one
// session per worker with tensors reused across frames, over tiles that overlap by at least
// the receptive field so memory stays bounded on large frames. It is the only package that
// imports onnxruntime_go.
package cnn

import (
	"fmt"
	"strings"

	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/filter/noise"
	"github.com/denoise-go/denoise/frame"
)

// Options configure the cnn filter. Zero values pick the defaults.
type Options struct {
	// Model is an ONNX file path or the name of a built-in model ("full", "light",
	// "light-int8"); "" is the default built-in model (see models.Default). A path contains
	// a slash or ends in .onnx (IsModelPath); a built-in name is never looked up on disk.
	Model string
	// ModelData, when not nil, is the ONNX model itself (Model then only names it).
	ModelData []byte
	// Library is the ONNX Runtime shared library; "" looks for $DENOISE_ORT_LIBRARY, then
	// third_party/onnxruntime/libonnxruntime.so of the repository, then the system's.
	Library string
	// Threads is ONNX Runtime's intra-op thread count per worker (0: 1). Video pipelines
	// get their parallelism from several workers; for a single picture use the core count.
	Threads int
	// Provider is the execution provider: "cpu" (default) or "cuda".
	Provider string
	// Device is the CUDA device number.
	Device int
	// Tile is the largest tile core side in pixels (0: 512); tiles add Overlap on each side.
	Tile int
	// Overlap is the tile margin in pixels (0: the model's receptive-field radius, or
	// DefaultOverlap when the model does not say). Smaller than the radius gives seams.
	Overlap int
	// Sigma is the noise level (0–255 scale) fed to a model with a noise-level map; 0
	// estimates it on each plane the model sees (filter/noise, Laplacian MAD).
	Sigma float64
	// Ensemble is how many views of each picture the network sees, their results turned
	// back and averaged (geometric self-ensemble): 1 (or 0) the picture alone; 2 adds it
	// turned half way, 4 mirrored left–right and top–bottom too, 8 every turn and mirror of
	// the square. Each view costs one run of the network.
	Ensemble int
	// Refill is how many refill passes follow the network where the impulse stage replaced
	// 1 % of the pixels or more (refill.go): each puts the network's estimate of the
	// impulses back into the picture and runs NLM and the network again. A model with guide
	// and source channels after a smoothing stage only; 0: none.
	Refill int
	// RefillNLM gives the NLM parameters of a refill pass for noise of σ (nil:
	// nlm.DefaultParams); RefillThreads is its goroutines (0: 1). σ is Sigma, or estimated on
	// the refilled picture.
	RefillNLM     func(sigma float64) nlm.Params
	RefillThreads int
}

// MaxRefill is the most refill passes Options.Refill takes (the third gains under 0.03 dB).
const MaxRefill = 3

// DefaultTile is the largest tile core side when Options.Tile is 0: a 640×480 frame is two
// tiles, a 1080p frame eight, and a 17×64 network holds about 0.3 GB per worker.
const DefaultTile = 512

func (o Options) withDefaults() Options {
	if o.Threads <= 0 {
		o.Threads = 1
	}
	o.Provider = strings.ToLower(strings.TrimSpace(o.Provider))
	if o.Provider == "" {
		o.Provider = "cpu"
	}
	if o.Tile <= 0 {
		o.Tile = DefaultTile
	}
	return o
}

func (o Options) validate() error {
	switch o.Provider {
	case "cpu", "cuda":
	default:
		return fmt.Errorf("cnn: execution provider %q is not one of cpu, cuda", o.Provider)
	}
	if o.Overlap < 0 || o.Sigma < 0 || o.Device < 0 {
		return fmt.Errorf("cnn: negative overlap, sigma or device in the options")
	}
	switch o.Ensemble {
	case 0, 1, 2, 4, 8:
	default:
		return fmt.Errorf("cnn: ensemble %d is not one of 1, 2, 4, 8", o.Ensemble)
	}
	if o.Refill < 0 || o.Refill > MaxRefill {
		return fmt.Errorf("cnn: refill passes %d are not between 0 and %d", o.Refill, MaxRefill)
	}
	if o.Tile < 16 {
		return fmt.Errorf("cnn: tile %d is smaller than 16 pixels", o.Tile)
	}
	return nil
}

// Filter runs a model over whole frames: it denoises the gray plane, the luma of a
// YUV frame (chroma passes through, or as the preceding stage left it) or, with a one-channel
// model, each of R, G and B; a three-channel model takes R, G, B together. Alpha passes
// through. A model with guide channels reads them from the frame's Guide (the picture as it
// entered the smoothing stage; the frame itself when there is none), one with source channels
// from its Source (GuideFrames); the filter then releases both. It owns one session: one
// Filter per goroutine.
type Filter struct {
	m   *Model
	s   *Session
	est noise.Estimator
	// the planes of the group being denoised, and of its guide (no allocation per frame)
	img   [3]*frame.Plane
	guide []*frame.Plane
	rf    refiller
}

// NewFilter returns a filter with its own session; Close frees it.
func (m *Model) NewFilter() (*Filter, error) {
	s, err := m.NewSession()
	if err != nil {
		return nil, err
	}
	return &Filter{m: m, s: s}, nil
}

// Close frees the ONNX Runtime session.
func (f *Filter) Close() error { return f.s.Close() }

// Process denoises in in place and returns it.
func (f *Filter) Process(in *frame.Frame) (*frame.Frame, error) {
	n, size, err := f.m.groupShape(in.Format.Layout)
	guide, source := GuideFrames(in)
	if err == nil && guide.Geometry() != in.Geometry() {
		err = fmt.Errorf("guide frame %dx%d %s differs from the frame", guide.W, guide.H, guide.Format)
	}
	if err == nil && source.Geometry() != in.Geometry() {
		err = fmt.Errorf("source frame %dx%d %s differs from the frame", source.W, source.H, source.Format)
	}
	refill := f.m.opt.Refill > 0 && f.m.Guide && f.m.Source && in.Guide != nil && in.Source != nil
	for i := 0; err == nil && i < n; i++ {
		g := planeRange(f.img[:0], in, i*size, size)
		gd := f.guide[:0]
		if f.m.Guide {
			gd = planeRange(gd, guide, i*size, size)
		}
		if f.m.Source {
			gd = planeRange(gd, source, i*size, size)
		}
		f.guide = gd
		err = f.s.Denoise(g, gd, f.sigma(g))
		if err == nil && refill {
			err = f.refill(g, gd[:size], gd[size:], f.m.opt.Refill, in.Neighbours == 0)
		}
	}
	if g := in.TakeGuide(); g != nil {
		g.Release() // later stages see the result only
	}
	if g := in.TakeSource(); g != nil {
		g.Release()
	}
	if err != nil {
		in.Release()
		return nil, fmt.Errorf("cnn: frame %d (%dx%d %s): %w", in.Index, in.W, in.H, in.Format, trimPrefix(err))
	}
	return in, nil
}

// GuideFrames returns the pictures a model's guide and source channels show for in: its Guide
// (the input of the smoothing stage; in itself when no stage kept one) and its Source (the
// chain's input; the guide when no stage kept one). train/prepare uses it too.
func GuideFrames(in *frame.Frame) (guide, source *frame.Frame) {
	guide, source = in, in
	if in.Guide != nil {
		guide, source = in.Guide, in.Guide
	}
	if in.Source != nil {
		source = in.Source
	}
	return guide, source
}

// trimPrefix drops a leading "cnn: " so wrapped errors say it once.
func trimPrefix(err error) error {
	if s := err.Error(); strings.HasPrefix(s, "cnn: ") {
		return fmt.Errorf("%s", s[len("cnn: "):])
	}
	return err
}

// groupShape says which planes of a frame of layout l the model runs on: n groups of size
// planes, group i being planes i·size to (i+1)·size − 1 — the gray plane or the luma, R, G
// and B together, or each of them with a one-channel model.
func (m *Model) groupShape(l frame.Layout) (n, size int, err error) {
	switch l {
	case frame.Gray, frame.YUV:
		if m.ImageChannels != 1 {
			return 0, 0, fmt.Errorf("model %s takes RGB; the frame is %s (convert it to RGB)", m.Name, l)
		}
		return 1, 1, nil
	case frame.RGB:
		if m.ImageChannels == 3 {
			return 1, 3, nil
		}
		return 3, 1, nil
	}
	return 0, 0, fmt.Errorf("layout %s not supported", l)
}

// planeRange appends planes lo to lo+n−1 of fr to dst.
func planeRange(dst []*frame.Plane, fr *frame.Frame, lo, n int) []*frame.Plane {
	for k := range n {
		dst = append(dst, &fr.Planes[lo+k])
	}
	return dst
}

// sigma returns the noise level fed to a noise-level map: the configured one, else the
// estimate of EstimateSigma.
func (f *Filter) sigma(planes []*frame.Plane) float64 {
	if !f.m.SigmaMap {
		return 0
	}
	if f.m.opt.Sigma > 0 {
		return f.m.opt.Sigma
	}
	return EstimateSigma(planes, &f.est)
}

// EstimateSigma is the noise level (0–255 scale) a noise-level map gets when none is
// configured: the mean of est's estimates over the planes the model sees. train/prepare
// uses it too, so that training inputs are what inference sees.
func EstimateSigma(planes []*frame.Plane, est *noise.Estimator) float64 {
	var s float64
	for _, p := range planes {
		s += est.Estimate(p, nil)
	}
	return s / float64(len(planes))
}
