package modes

import (
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/filter/rician"
	"github.com/denoise-go/denoise/filter/vst"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
)

// Noise models other than Gaussian (configs.Config.NoiseModel):
//
// poisson-gaussian: the mode's stages run between a generalized Anscombe transform ("gat",
// a temporal stage that estimates α, σ and g on the first frames of the sequence and keeps
// them; see filter/vst) and its exact unbiased inverse ("igat", a per-frame filter). After the
// GAT the noise is N(0, 1) in transformed units and the frames carry f(z)/T, T the transform
// of the brightest sample of the first frames, so the inner stages are built, once the
// parameters are known, with sigma = 255/T on the 0–255 scale (the configured sigma does not
// apply to them). Mode copy is left alone.
//
// rician: nlm runs the bias-corrected NLM of filter/rician on each frame (weights from the
// magnitude patches, mean of the squared magnitudes, √max(E[x²] − 2σ², 0)); stnlm runs it
// over temporal.radius neighbouring frames or slices on each side (no motion compensation:
// slices of a volume are aligned). σ is the configured sigma, or estimated from the
// background of the first frame. Other modes than copy refuse the model.

// Stage names.
const (
	stageGAT    = "gat"
	stageRician = "rician-nlm"
)

// buildNoiseModel returns the stages of cfg.Mode (built by inner) for cfg.NoiseModel.
func buildNoiseModel(cfg *configs.Config, h Hooks, inner builder) ([]pipeline.Stage, error) {
	switch cfg.NoiseModel {
	case configs.NoisePoissonGaussian:
		if cfg.Mode == "copy" {
			return inner(cfg, h)
		}
		return buildPoissonGaussian(cfg, h, inner)
	case configs.NoiseRician:
		return buildRician(cfg, h, inner)
	}
	return nil, fmt.Errorf("noise model %q is not one of %v", cfg.NoiseModel, configs.NoiseModels)
}

func buildPoissonGaussian(cfg *configs.Config, h Hooks, inner builder) ([]pipeline.Stage, error) {
	var report func(int64, *vst.Model)
	if h.OnModel != nil {
		report = func(i int64, m *vst.Model) { h.OnModel(stageGAT, i, m.String()) }
	}
	model, err := vst.NewModel(vst.Options{EstimateFrames: PGEstimateFrames, OnModel: report})
	if err != nil {
		return nil, err
	}
	// The stages' shape (names, workers, kinds) from a build with a stand-in sigma; the real
	// ones are built when the first frame reaches them, with the transform's sigma.
	probe := *cfg
	probe.Sigma = 25
	shape, err := inner(&probe, Hooks{})
	if err != nil {
		return nil, err
	}
	lz := &lazyStages{build: func() ([]pipeline.Stage, error) {
		c := *cfg
		c.Sigma = model.Sigma255()
		if !(c.Sigma > 0) {
			return nil, fmt.Errorf("poisson-gaussian: the transform is not set")
		}
		c.Sigma = min(c.Sigma, 255)
		ih := h
		if h.OnSigma != nil {
			ih.OnSigma = func(stage string, i int64, s float64) { h.OnSigma(stage+" (after the GAT)", i, s) }
		}
		if h.OnSigmas != nil {
			ih.OnSigmas = func(stage string, i int64, l frame.Layout, s []float64) {
				h.OnSigmas(stage+" (after the GAT)", i, l, s)
			}
		}
		st, err := inner(&c, ih)
		if err == nil && len(st) != len(shape) {
			err = fmt.Errorf("poisson-gaussian: mode %s built %d stages, then %d", cfg.Mode, len(shape), len(st))
		}
		return st, err
	}}
	stages := []pipeline.Stage{streamStage(stageGAT, model.Forward())}
	for i, s := range shape {
		ls := pipeline.Stage{Name: s.Name, Workers: s.Workers}
		if s.Temporal != nil {
			ls.Temporal = &lazyTemporal{l: lz, i: i, shape: s.Temporal}
		} else {
			name := s.Name
			ls.Filter = func() (pipeline.Filter, error) { return &lazyFilter{l: lz, i: i, name: name}, nil }
		}
		stages = append(stages, ls)
	}
	return append(stages, inPlace("igat", cfg.Pipeline.Workers, model.Invert)), nil
}

// PGEstimateFrames is how many first frames the Poisson-Gaussian parameters are estimated
// on (fewer when the sequence is shorter).
const PGEstimateFrames = 3

// lazyStages builds the inner stages once, when the first frame needs them.
type lazyStages struct {
	build  func() ([]pipeline.Stage, error)
	once   sync.Once
	stages []pipeline.Stage
	err    error
}

func (l *lazyStages) get() ([]pipeline.Stage, error) {
	l.once.Do(func() { l.stages, l.err = l.build() })
	return l.stages, l.err
}

// lazyFilter makes its filter from stage i of the lazy stages on the first frame.
type lazyFilter struct {
	l    *lazyStages
	i    int
	name string
	f    pipeline.Filter
}

func (f *lazyFilter) Name() string { return f.name }

func (f *lazyFilter) Process(in *frame.Frame) (*frame.Frame, error) {
	if f.f == nil {
		st, err := f.l.get()
		if err == nil {
			f.f, err = st[f.i].Filter()
		}
		if err != nil {
			in.Release()
			return nil, err
		}
	}
	return f.f.Process(in)
}

// Close closes the filter made, if it holds resources.
func (f *lazyFilter) Close() error {
	if c, ok := f.f.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// lazyTemporal is stage i of the lazy stages, a temporal one; shape answers for it until it
// exists.
type lazyTemporal struct {
	l     *lazyStages
	i     int
	shape pipeline.Temporal
	t     pipeline.Temporal
}

func (t *lazyTemporal) Name() string   { return t.shape.Name() }
func (t *lazyTemporal) Lookahead() int { return t.shape.Lookahead() }

func (t *lazyTemporal) Push(in *frame.Frame, emit func(*frame.Frame) error) error {
	if t.t == nil {
		st, err := t.l.get()
		if err != nil {
			in.Release()
			return err
		}
		t.t = st[t.i].Temporal
	}
	return t.t.Push(in, emit)
}

func (t *lazyTemporal) Flush(emit func(*frame.Frame) error) error {
	if t.t == nil {
		return nil // no frame came
	}
	return t.t.Flush(emit)
}

func buildRician(cfg *configs.Config, h Hooks, inner builder) ([]pipeline.Stage, error) {
	radius := 0
	switch cfg.Mode {
	case "copy":
		return inner(cfg, h)
	case "nlm":
	case "stnlm":
		radius = cfg.Temporal.Radius
	default:
		return nil, fmt.Errorf("noise model rician works with modes nlm and stnlm (and copy), not %s", cfg.Mode)
	}
	opt := rician.Options{Sigma: cfg.Sigma, HScale: cfg.NLM.H, SliceRadius: radius,
		Threads: runtime.GOMAXPROCS(0), OnSigma: onPlaneSigma(h, stageRician), OnSigmas: onSigmas(h, stageRician)}
	if cfg.NLM.Patch > 0 {
		opt.PatchRadius = cfg.NLM.Patch / 2
	}
	if cfg.NLM.Search > 0 {
		opt.SearchRadius = cfg.NLM.Search / 2
	}
	if h.OnModel != nil {
		opt.OnBackground = func(i int64, b rician.Background) { h.OnModel(stageRician, i, b.String()) }
	}
	f, err := rician.New(opt)
	if err != nil {
		return nil, err
	}
	return []pipeline.Stage{streamStage(stageRician, f)}, nil
}
