package modes

import (
	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/filter/cnn"
	"github.com/denoise-go/denoise/filter/impulse"
	"github.com/denoise-go/denoise/filter/median"
	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/models"
	"github.com/denoise-go/denoise/pipeline"
)

func init() {
	register("median", func(cfg *configs.Config, _ Hooks) ([]pipeline.Stage, error) {
		return []pipeline.Stage{filterStage("median", cfg.Pipeline.Workers, func() (*median.Filter, error) { return median.New(), nil })}, nil
	})
	register("nlm", func(cfg *configs.Config, h Hooks) ([]pipeline.Stage, error) {
		return []pipeline.Stage{nlmStage(cfg, h)}, nil
	})
	register("impulse", func(cfg *configs.Config, h Hooks) ([]pipeline.Stage, error) {
		return []pipeline.Stage{impulseFilterStage(cfg, impulseOptions(cfg, h))}, nil
	})
	register("impulse+nlm", func(cfg *configs.Config, h Hooks) ([]pipeline.Stage, error) {
		return []pipeline.Stage{impulseNLMStage(cfg, h)}, nil
	})
	register("cnn", func(cfg *configs.Config, h Hooks) ([]pipeline.Stage, error) {
		return withCNN(cfg, nil)
	})
	register("impulse+cnn", func(cfg *configs.Config, h Hooks) ([]pipeline.Stage, error) {
		return withCNN(cfg, []pipeline.Stage{impulseFilterStage(cfg, impulseOptions(cfg, h))})
	})
	register("nlm+cnn", func(cfg *configs.Config, h Hooks) ([]pipeline.Stage, error) {
		return withCNN(cfg, []pipeline.Stage{nlmStage(cfg, h)})
	})
}

func nlmOptions(cfg *configs.Config, h Hooks) nlm.Options {
	o := nlm.Options{Sigma: cfg.Sigma, Threads: frameThreads(cfg), HScale: cfg.NLM.H,
		OnSigma: onPlaneSigma(h, "nlm"), OnSigmas: onSigmas(h, "nlm")}
	if cfg.NLM.Patch > 0 {
		o.PatchRadius = cfg.NLM.Patch / 2
	}
	if cfg.NLM.Search > 0 {
		o.SearchRadius = cfg.NLM.Search / 2
	}
	return o
}

func impulseOptions(cfg *configs.Config, h Hooks) impulse.Options {
	o := impulse.Options{Sigma: cfg.Sigma, Threads: frameThreads(cfg), OnSigma: onPlaneSigma(h, "impulse"),
		OnSigmas: onSigmas(h, "impulse")}
	switch cfg.Impulse.Kind {
	case "sp":
		o.Kind = impulse.SaltPepper
	case "rv":
		o.Kind = impulse.RandomValued
	}
	return o
}

func nlmStage(cfg *configs.Config, h Hooks) pipeline.Stage {
	o := nlmOptions(cfg, h)
	return filterStage("nlm", cfg.Pipeline.Workers, func() (*nlm.Filter, error) { return nlm.New(o) })
}

// impulseFilterStage is the stage "impulse" with options o.
func impulseFilterStage(cfg *configs.Config, o impulse.Options) pipeline.Stage {
	return filterStage("impulse", cfg.Pipeline.Workers, func() (*impulse.Filter, error) { return impulse.New(o) })
}

func impulseNLMStage(cfg *configs.Config, h Hooks) pipeline.Stage {
	o, no := impulseOptions(cfg, h), nlmOptions(cfg, h)
	return filterStage("impulse+nlm", cfg.Pipeline.Workers, func() (*impulse.Filter, error) { return impulse.NewWithNLM(o, no) })
}

// withCNN appends the CNN refinement stage to before; for a model with guide channels the
// smoothing stage of before keeps its input for it (WithGuide), for one with source channels
// the first stage does (WithSource).
func withCNN(cfg *configs.Config, before []pipeline.Stage) ([]pipeline.Stage, error) {
	m, err := cnn.Load(cnn.Options{
		Model: cnnModel(cfg, before), Library: cfg.CNN.Library, Threads: cfg.CNN.Threads,
		Provider: cfg.CNN.Provider, Tile: cfg.CNN.Tile, Sigma: cfg.Sigma,
		Ensemble: cfg.CNN.Ensemble, Refill: cfg.CNN.Refill,
		RefillNLM: nlmOptions(cfg, Hooks{}).Params, RefillThreads: frameThreads(cfg),
	})
	if err != nil {
		return nil, err
	}
	if m.Guide {
		before = WithGuide(before)
	}
	if m.Source {
		before = WithSource(before)
	}
	return append(before, filterStage("cnn", cfg.Pipeline.Workers, m.NewFilter)), nil
}

// cnnModel is the model the CNN stage after before loads: the configured one, else the
// built-in default (full) — but the light model in a live pipeline, which must keep up with
// its source, and for the CNN alone (no smoothing stage before it: modes cnn, impulse+cnn),
// where the full model, trained mostly on what NLM leaves, breaks down at high noise (Set12
// cnn σ=50: 19.45 dB against light's 21.21, though 28.25 against 26.20 at σ=25) and takes 20
// times as long.
func cnnModel(cfg *configs.Config, before []pipeline.Stage) string {
	if cfg.CNN.Model != "" {
		return cfg.CNN.Model
	}
	if cfg.Pipeline.Live || !endsSmoothing(before) {
		return models.LightDefault()
	}
	return ""
}
