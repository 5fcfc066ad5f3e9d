package web

import (
	"fmt"
	"time"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
)

// delayFilter sleeps per frame: tests use it to make a job last.
type delayFilter struct{ d time.Duration }

func (d delayFilter) Name() string { return "test-delay" }

func (d delayFilter) Process(in *frame.Frame) (*frame.Frame, error) {
	time.Sleep(d.d)
	return in, nil
}

func delayStage(d time.Duration) pipeline.Stage {
	return pipeline.Stage{Name: "test-delay", Workers: 1, Filter: func() (pipeline.Filter, error) {
		if d <= 0 {
			return nil, fmt.Errorf("delay %v", d)
		}
		return delayFilter{d}, nil
	}}
}
