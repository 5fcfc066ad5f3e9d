package evaluate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/modes"
	"github.com/denoise-go/denoise/pipeline"
)

// oneFrame is a pipeline.Source that yields one frame.
type oneFrame struct{ f *frame.Frame }

func (s *oneFrame) Next(context.Context) (*frame.Frame, error) {
	if s.f == nil {
		return nil, io.EOF
	}
	f := s.f
	s.f = nil
	return f, nil
}

// capture is a pipeline.Sink that keeps a copy of the frames written to it.
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
	stages, err := modes.Build(cfg)
	if err != nil {
		return nil, 0, err
	}
	pool := frame.NewPool(4)
	in := pool.Like(noisy)
	in.CopyFrom(noisy)
	sink := &capture{}
	t0 := time.Now()
	_, err = pipeline.Run(ctx, pipeline.Config{Source: &oneFrame{in}, Stages: stages, Sink: sink, QueueDepth: 1})
	el := time.Since(t0)
	if err != nil {
		return nil, el, err
	}
	if len(sink.out) != 1 {
		return nil, el, fmt.Errorf("the pipeline gave %d frames for 1", len(sink.out))
	}
	out := sink.out[0]
	if g, w := out.Geometry(), noisy.Geometry(); g.W != w.W || g.H != w.H || g.Format.Layout != w.Format.Layout {
		return nil, el, fmt.Errorf("the output is %s, the input was %s", g, w)
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
