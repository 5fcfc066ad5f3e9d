package modes

import (
	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/temporal"
)

func init() {
	register("copy", func(*configs.Config, Hooks) ([]pipeline.Stage, error) {
		return []pipeline.Stage{{Name: "copy", Filter: pipeline.Copy, Workers: 1}}, nil
	})
	register("average", buildAverage)
}

// buildAverage is the paper's averaging of aligned frames: neighbours motion-compensated
// onto each frame and weighted by how well they match (or a plain mean with align off).
func buildAverage(cfg *configs.Config, _ Hooks) ([]pipeline.Stage, error) {
	if !cfg.Temporal.Align {
		avg, err := temporal.NewAverage(cfg.Temporal.Frames)
		if err != nil {
			return nil, err
		}
		return []pipeline.Stage{{Name: "average", Temporal: avg}}, nil
	}
	avg, err := temporal.NewAlignedAverage(temporal.WindowConfig{
		Radius: cfg.Temporal.Frames / 2, Causal: cfg.Temporal.Causal || cfg.Pipeline.Live, Sigma: float32(cfg.Sigma / 255),
		Motion: motionConfig(cfg),
	})
	if err != nil {
		return nil, err
	}
	return []pipeline.Stage{{Name: "average", Temporal: avg}}, nil
}
