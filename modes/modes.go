// Package modes turns a configured mode name ("copy", "impulse+nlm", …) into the pipeline
// stages that implement it, so the CLI, eval, the web server and training data preparation
// build pipelines alike.
package modes

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
)

// Hooks let a caller observe what stages decide per frame.
type Hooks struct {
	// OnSigma receives the noise level (0–255 scale) a stage used for a frame's first plane,
	// estimated or given.
	OnSigma func(stage string, index int64, sigma float64)
	// OnSigmas receives, from the stages that report per plane (impulse, nlm, stnlm,
	// rician), the noise level each colour plane of a frame was filtered with (Y, U, V;
	// R, G, B; gray; sigmas[0] is the first plane's) with the frame's layout; when it is set
	// those stages call it instead of OnSigma. The slice is only valid during the call.
	OnSigmas func(stage string, index int64, layout frame.Layout, sigmas []float64)
	// OnModel receives, once per sequence, the noise-model parameters a stage estimated or
	// took (Poisson-Gaussian gain, read noise and offset; the Rician σ from the background).
	OnModel func(stage string, index int64, desc string)
}

type builder func(cfg *configs.Config, h Hooks) ([]pipeline.Stage, error)

// registry holds every mode; the files of this package register theirs in init.
var registry = map[string]builder{}

func register(name string, b builder) {
	if _, dup := registry[name]; dup {
		panic("modes: " + name + " registered twice")
	}
	if _, ok := Lookup(name); !ok {
		panic("modes: " + name + " has no description in infos (docs.go)")
	}
	registry[name] = b
}

// Build returns the stages of cfg.Mode.
func Build(cfg *configs.Config) ([]pipeline.Stage, error) { return BuildWith(cfg, Hooks{}) }

// BuildWith returns the stages of cfg.Mode, reporting through h.
func BuildWith(cfg *configs.Config, h Hooks) ([]pipeline.Stage, error) {
	if cfg.Mode == configs.ModeAuto {
		c := *cfg
		c.Mode = configs.ResolveMode(cfg)
		cfg = &c
	}
	b, ok := registry[cfg.Mode]
	if !ok {
		return nil, fmt.Errorf("mode %q is not one of %s", cfg.Mode, strings.Join(Names(), ", "))
	}
	if cfg.NoiseModel != "" && cfg.NoiseModel != configs.NoiseGaussian {
		return buildNoiseModel(cfg, h, b) // science.go
	}
	return b(cfg, h)
}

// Names lists the registered modes (all but configs.ModeAuto, which Build resolves) in the
// order of All.
func Names() []string {
	var names []string
	for _, m := range infos {
		if _, ok := registry[m.Name]; ok {
			names = append(names, m.Name)
		}
	}
	return names
}

// frameThreads is how many goroutines one frame's filter may use: the cores left over by
// the per-frame workers (a single image, with one worker, gets them all).
func frameThreads(cfg *configs.Config) int {
	n := runtime.GOMAXPROCS(0)
	w := cfg.Pipeline.Workers
	if w <= 0 {
		w = n
	}
	return max(1, (n+w-1)/w)
}

func onSigma(h Hooks, stage string) func(int64, float64) {
	if h.OnSigma == nil {
		return nil
	}
	return func(i int64, s float64) { h.OnSigma(stage, i, s) }
}

// onPlaneSigma is OnSigma for a stage that also reports through OnSigmas: nil when
// OnSigmas is set, which then reports the first plane's σ too.
func onPlaneSigma(h Hooks, stage string) func(int64, float64) {
	if h.OnSigmas != nil {
		return nil
	}
	return onSigma(h, stage)
}

func onSigmas(h Hooks, stage string) func(int64, frame.Layout, []float64) {
	if h.OnSigmas == nil {
		return nil
	}
	return func(i int64, l frame.Layout, s []float64) { h.OnSigmas(stage, i, l, s) }
}
