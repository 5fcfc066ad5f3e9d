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
	last := &out[len(out)-1]
	if last.Temporal != nil {
		gt := &guideTemporal{inner: last.Temporal, pool: frame.NewPool(8), pending: map[int64]*frame.Frame{}}
		gt.attachFn = gt.attach
		last.Temporal = gt
	} else if ff := last.Filter; ff != nil {
		last.Filter = func() (pipeline.Filter, error) {
			f, err := ff()
			if err != nil {
				return nil, err
			}
			return &guideFilter{inner: f, pool: frame.NewPool(8)}, nil
		}
	}
	return out
}

// guideCopy returns a copy of in's samples and metadata from pool (it has no guide).
func guideCopy(pool *frame.Pool, in *frame.Frame) *frame.Frame {
	g := pool.Like(in)
	g.CopyFrom(in)
	return g
}

type guideFilter struct {
	inner pipeline.Filter
	pool  *frame.Pool
}

func (g *guideFilter) Name() string { return g.inner.Name() }

func (g *guideFilter) Process(in *frame.Frame) (*frame.Frame, error) {
	gd := guideCopy(g.pool, in)
	out, err := g.inner.Process(in)
	if err != nil {
		gd.Release()
		return nil, err
	}
	out.SetGuide(gd)
	return out, nil
}

func (g *guideFilter) Close() error {
	if c, ok := g.inner.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// guideTemporal keeps the copies of the frames its window holds, by index, and hands each
// to the output frame of the same index.
type guideTemporal struct {
	inner    pipeline.Temporal
	pool     *frame.Pool
	pending  map[int64]*frame.Frame
	emit     func(*frame.Frame) error // the caller's emit of the Push or Flush under way
	attachFn func(*frame.Frame) error // attach, as a func value made once
}

func (g *guideTemporal) Name() string   { return g.inner.Name() }
func (g *guideTemporal) Lookahead() int { return g.inner.Lookahead() }

func (g *guideTemporal) attach(f *frame.Frame) error {
	if gd, ok := g.pending[f.Index]; ok {
		delete(g.pending, f.Index)
		f.SetGuide(gd)
	}
	return g.emit(f)
}

func (g *guideTemporal) use(emit func(*frame.Frame) error) func(*frame.Frame) error {
	g.emit = emit
	return g.attachFn
}

func (g *guideTemporal) Push(in *frame.Frame, emit func(*frame.Frame) error) error {
	if old, ok := g.pending[in.Index]; ok { // a repeated index: keep the newest copy
		old.Release()
	}
	g.pending[in.Index] = guideCopy(g.pool, in)
	return g.inner.Push(in, g.use(emit))
}

func (g *guideTemporal) Flush(emit func(*frame.Frame) error) error {
	err := g.inner.Flush(g.use(emit))
	for i, gd := range g.pending { // the stage holds no frames now: nothing will claim these
		gd.Release()
		delete(g.pending, i)
	}
	return err
}
