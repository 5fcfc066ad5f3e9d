package modes

import (
	"io"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
)

// smoothing names the stages whose input a guided CNN sees beside their output.
var smoothing = map[string]bool{"nlm": true, "stnlm": true}

// endsSmoothing tells whether the last of stages is a smoothing stage.
func endsSmoothing(stages []pipeline.Stage) bool {
	return len(stages) > 0 && smoothing[stages[len(stages)-1].Name]
}

// WithGuide makes the last of stages keep a copy of each frame as it enters it
// (frame.Frame.Guide) when that stage is a smoothing stage (nlm, stnlm): a CNN with guide
// channels then sees the picture before and after smoothing. Other stage lists come back
// as they are: the CNN's own input is the guide then. train/prepare calls it too, so
// training inputs are what inference sees.
func WithGuide(stages []pipeline.Stage) []pipeline.Stage {
	if !endsSmoothing(stages) {
		return stages
	}
	out := append([]pipeline.Stage(nil), stages...)
	keepInput(&out[len(out)-1], guideCopy, (*frame.Frame).SetGuide)
	return out
}

// WithSource makes the first of stages keep a copy of each frame as it enters it
// (frame.Frame.Source) and every later stage hand that copy on to its output of the same
// index: a CNN with source channels then sees the picture as the chain got it, before
// impulse replacement, say. A chain of one smoothing stage comes back as it is (its input
// is the guide: filter/cnn reads the source from there), and so does an empty one.
// train/prepare calls it too.
func WithSource(stages []pipeline.Stage) []pipeline.Stage {
	if len(stages) == 0 || len(stages) == 1 && endsSmoothing(stages) {
		return stages
	}
	out := append([]pipeline.Stage(nil), stages...)
	keepInput(&out[0], guideCopy, (*frame.Frame).SetSource)
	take := func(_ *frame.Pool, in *frame.Frame) *frame.Frame { return in.TakeSource() }
	for i := 1; i < len(out); i++ {
		keepInput(&out[i], take, (*frame.Frame).SetSource)
	}
	return out
}

// keepInput wraps stage st so that keep(in) is taken from each input frame before the stage
// runs and given to the output frame of the same index with attach.
func keepInput(st *pipeline.Stage, keep keepFunc, attach attachFunc) {
	if st.Temporal != nil {
		kt := &keepTemporal{inner: st.Temporal, pool: frame.NewPool(8), pending: map[int64]*frame.Frame{},
			keep: keep, attach: attach}
		kt.attachFn = kt.attachPending
		st.Temporal = kt
	} else if ff := st.Filter; ff != nil {
		st.Filter = func() (pipeline.Filter, error) {
			f, err := ff()
			if err != nil {
				return nil, err
			}
			return &keepFilter{inner: f, pool: frame.NewPool(8), keep: keep, attach: attach}, nil
		}
	}
}

// keepFunc returns what a frame entering a stage leaves for its output (a copy, or a frame
// it carries; nil: nothing); attachFunc gives it to the output.
type (
	keepFunc   func(pool *frame.Pool, in *frame.Frame) *frame.Frame
	attachFunc func(out, kept *frame.Frame)
)

// guideCopy returns a copy of in's samples and metadata from pool (it has no guide).
func guideCopy(pool *frame.Pool, in *frame.Frame) *frame.Frame {
	g := pool.Like(in)
	g.CopyFrom(in)
	return g
}

type keepFilter struct {
	inner  pipeline.Filter
	pool   *frame.Pool
	keep   keepFunc
	attach attachFunc
}

func (g *keepFilter) Name() string { return g.inner.Name() }

func (g *keepFilter) Process(in *frame.Frame) (*frame.Frame, error) {
	kept := g.keep(g.pool, in)
	out, err := g.inner.Process(in)
	if err != nil {
		if kept != nil {
			kept.Release()
		}
		return nil, err
	}
	if kept != nil {
		g.attach(out, kept)
	}
	return out, nil
}

func (g *keepFilter) Close() error {
	if c, ok := g.inner.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// keepTemporal keeps what it took from the frames its window holds, by index, and hands
// each to the output frame of the same index.
type keepTemporal struct {
	inner    pipeline.Temporal
	pool     *frame.Pool
	pending  map[int64]*frame.Frame
	keep     keepFunc
	attach   attachFunc
	emit     func(*frame.Frame) error // the caller's emit of the Push or Flush under way
	attachFn func(*frame.Frame) error // attachPending, as a func value made once
}

func (g *keepTemporal) Name() string   { return g.inner.Name() }
func (g *keepTemporal) Lookahead() int { return g.inner.Lookahead() }

func (g *keepTemporal) attachPending(f *frame.Frame) error {
	if kept, ok := g.pending[f.Index]; ok {
		delete(g.pending, f.Index)
		g.attach(f, kept)
	}
	return g.emit(f)
}

func (g *keepTemporal) use(emit func(*frame.Frame) error) func(*frame.Frame) error {
	g.emit = emit
	return g.attachFn
}

func (g *keepTemporal) Push(in *frame.Frame, emit func(*frame.Frame) error) error {
	if old, ok := g.pending[in.Index]; ok { // a repeated index: keep the newest
		old.Release()
		delete(g.pending, in.Index)
	}
	if kept := g.keep(g.pool, in); kept != nil {
		g.pending[in.Index] = kept
	}
	return g.inner.Push(in, g.use(emit))
}

// Overlap and Settle pass the inner stage's overlap through (pipeline.Overlapping); for an
// inner stage without one they do nothing.
func (g *keepTemporal) Overlap() {
	if o, ok := g.inner.(pipeline.Overlapping); ok {
		o.Overlap()
	}
}

func (g *keepTemporal) Settle(emit func(*frame.Frame) error) error {
	if o, ok := g.inner.(pipeline.Overlapping); ok {
		return o.Settle(g.use(emit))
	}
	return nil
}

func (g *keepTemporal) Flush(emit func(*frame.Frame) error) error {
	err := g.inner.Flush(g.use(emit))
	for i, kept := range g.pending { // the stage holds no frames now: nothing will claim these
		kept.Release()
		delete(g.pending, i)
	}
	return err
}
