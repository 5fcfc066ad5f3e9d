package pipeline

import "github.com/denoise-go/denoise/frame"

// Copy is a FilterFactory whose filter, "copy", passes frames through unchanged: a stand-in
// stage, and a way to measure what the plumbing alone costs.
func Copy() (Filter, error) { return copyFilter{}, nil }

type copyFilter struct{}

func (copyFilter) Name() string { return "copy" }

func (copyFilter) Process(in *frame.Frame) (*frame.Frame, error) { return in, nil }
