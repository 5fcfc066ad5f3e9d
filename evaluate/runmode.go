package evaluate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/modes"
	"github.com/denoise-go/denoise/pipeline"
)

// capture is a pipeline.Sink that keeps a copy of the frames written to it (stack.go's
// runChannel; the other runners use pipeline.RunFrames).
type capture struct{ out []*frame.Frame }

func (c *capture) Write(f *frame.Frame) error {
	c.out = append(c.out, clone(f))
	f.Release()
	return nil
}

func (c *capture) Close() error { return nil }

// runMode denoises noisy with cfg's mode through modes.Build and pipeline.Run, exactly as
// the product does for one frame, and returns the output and the wall time of the run.
// noisy is not modified: the pipeline gets a pooled copy, as decode would hand it.
func runMode(ctx context.Context, cfg *configs.Config, noisy *frame.Frame) (*frame.Frame, time.Duration, error) {
	out, el, err := runModeSequence(ctx, cfg, []*frame.Frame{noisy}, 1)
	if err != nil {
		return nil, el, err
	}
	return out[0], el, nil
}

// runModeSequence denoises the frames with cfg's mode through modes.Build and
// pipeline.RunFrames with queues of depth queue, as denoise runs a clip, and returns the
// outputs and the wall time of the run. The frames are not modified: the pipeline gets
// pooled copies, as decode would hand them.
func runModeSequence(ctx context.Context, cfg *configs.Config, noisy []*frame.Frame, queue int) ([]*frame.Frame, time.Duration, error) {
	stages, err := modes.Build(cfg)
	if err != nil {
		return nil, 0, err
	}
	t0 := time.Now()
	out, _, err := pipeline.RunFrames(ctx, stages, noisy, pipeline.CopyInputs(), pipeline.WithQueueDepth(queue))
	el := time.Since(t0)
	if err != nil {
		return nil, el, err
	}
	for i, f := range out {
		if g, w := f.Geometry(), noisy[i].Geometry(); g.W != w.W || g.H != w.H || g.Format.Layout != w.Format.Layout {
			return nil, el, fmt.Errorf("output %d is %s, the input was %s", i, g, w)
		}
	}
	return out, el, nil
}

// checkModes builds each mode once, so that an unknown name or a bad setting is reported
// before any image is read.
func checkModes(base *configs.Config, names []string) error {
	for _, m := range names {
		cfg := *base
		cfg.Mode = m
		if _, err := modes.Build(&cfg); err != nil {
			if avail := Available(base); !slices.Contains(avail, m) {
				return fmt.Errorf("mode %q is not available (this build has %s)", m, strings.Join(avail, ", "))
			}
			return fmt.Errorf("mode %s: %w", m, err)
		}
	}
	return nil
}

// Available lists the modes modes.Build accepts with base's settings, in the order of the
// mode registry: the modes registered in this build (modes.Available).
func Available(base *configs.Config) []string { return modes.Available(base) }

// errNoConfig is returned by Run when Options.Config is missing.
var errNoConfig = errors.New("evaluate: Options.Config is nil (use configs.Load for the defaults)")
