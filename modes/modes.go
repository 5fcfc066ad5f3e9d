// Package modes turns a configured mode name ("copy", "impulse+nlm", …) into the pipeline
// stages that implement it, so the CLI, eval and the web server build pipelines alike.
package modes

import (
	"fmt"
	"strings"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/temporal"
)

// Build returns the stages of cfg.Mode.
func Build(cfg *configs.Config) ([]pipeline.Stage, error) {
	w := cfg.Pipeline.Workers
	switch cfg.Mode {
	case "copy":
		return []pipeline.Stage{{Name: "copy", Filter: pipeline.Copy, Workers: 1}}, nil
	case "average":
		if !cfg.Temporal.Align {
			avg, err := temporal.NewAverage(cfg.Temporal.Frames)
			if err != nil {
				return nil, err
			}
			return []pipeline.Stage{{Name: "average", Temporal: avg}}, nil
		}
		avg, err := temporal.NewAlignedAverage(temporal.WindowConfig{
			Radius: cfg.Temporal.Frames / 2, Causal: cfg.Temporal.Causal || cfg.Pipeline.Live, Sigma: float32(cfg.Sigma / 255),
		})
		if err != nil {
			return nil, err
		}
		return []pipeline.Stage{{Name: "average", Temporal: avg}}, nil
	}
	if f, ok := spatial[cfg.Mode]; ok {
		ff, err := f(cfg)
		if err != nil {
			return nil, err
		}
		return []pipeline.Stage{{Name: cfg.Mode, Filter: ff, Workers: w}}, nil
	}
	return nil, fmt.Errorf("mode %q is not one of %s", cfg.Mode, strings.Join(configs.Modes, ", "))
}

// spatial holds the per-frame modes; filter packages register there (see filters.go).
var spatial = map[string]func(*configs.Config) (pipeline.FilterFactory, error){}
