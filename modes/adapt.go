package modes

import (
	"io"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
)

// The filter packages are a library: they know nothing of the pipeline or of mode names.
// This file makes pipeline stages of their types and names them.

// processor is a filter that works on one frame at a time: in place, returning the frame.
type processor interface {
	Process(in *frame.Frame) (*frame.Frame, error)
}

// filterStage is a per-frame stage named name on workers goroutines, each with its own
// filter from mk.
func filterStage[P processor](name string, workers int, mk func() (P, error)) pipeline.Stage {
	return pipeline.Stage{Name: name, Workers: workers, Filter: func() (pipeline.Filter, error) {
		p, err := mk()
		if err != nil {
			return nil, err
		}
		return &namedFilter{name: name, p: p}, nil
	}}
}

// namedFilter is a processor as a pipeline.Filter.
type namedFilter struct {
	name string
	p    processor
}

func (f *namedFilter) Name() string { return f.name }

func (f *namedFilter) Process(in *frame.Frame) (*frame.Frame, error) { return f.p.Process(in) }

// Close closes the processor if it holds resources (a CNN session).
func (f *namedFilter) Close() error {
	if c, ok := f.p.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// inPlace is a per-frame stage from a function that changes a frame in place and may run on
// several goroutines at once; on error the stage releases the frame.
func inPlace(name string, workers int, fn func(*frame.Frame) error) pipeline.Stage {
	return filterStage(name, workers, func() (funcFilter, error) { return funcFilter(fn), nil })
}

type funcFilter func(*frame.Frame) error

func (fn funcFilter) Process(in *frame.Frame) (*frame.Frame, error) {
	if err := fn(in); err != nil {
		in.Release()
		return nil, err
	}
	return in, nil
}

// stream is a filter that takes frames in order and may hold some (rician.Filter,
// vst.ForwardStream): pipeline.Temporal but for the name.
type stream interface {
	Push(in *frame.Frame, emit func(*frame.Frame) error) error
	Flush(emit func(*frame.Frame) error) error
	Lookahead() int
}

// streamStage is the temporal stage named name that runs s.
func streamStage(name string, s stream) pipeline.Stage {
	return pipeline.Stage{Name: name, Temporal: namedStream{name: name, stream: s}}
}

type namedStream struct {
	name string
	stream
}

func (s namedStream) Name() string { return s.name }
