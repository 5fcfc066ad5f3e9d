package pipeline

import (
	"context"
	"fmt"
	"io"

	"github.com/denoise-go/denoise/frame"
)

// FramesOption adjusts RunFrames.
type FramesOption func(*framesRun)

// WithQueueDepth sets the capacity of the queues between the stages (Config.QueueDepth).
func WithQueueDepth(n int) FramesOption { return func(r *framesRun) { r.depth = n } }

// CopyInputs leaves the frames given to RunFrames with the caller, untouched: each is
// copied (samples and metadata) into a frame of RunFrames' own pool as the first stage takes
// it, as a decoder would hand it over, so the stages never see the caller's frames.
func CopyInputs() FramesOption { return func(r *framesRun) { r.copies = frame.NewPool(8) } }

// RunFrames passes frames held in memory through the stages with Run, on the same goroutines,
// queues and ordered reassembly as a decoded file, and returns the output frames in input
// order, one for each input: the temporal stages are flushed at the end, so their lookahead
// comes out too.
//
// Ownership: RunFrames takes over the frames it is given (one reference each; pooled or not,
// they must be distinct) and releases, or hands on as outputs, every one of them whatever
// happens; with CopyInputs it copies them instead and the caller keeps them. The frames it
// returns belong to the caller, who releases them when done; they may come from the inputs'
// pool or a stage's. On error RunFrames returns no frames, having released all it held.
//
// Errors are Run's: the first failure aborts the run and names its stage. Cancelling ctx
// stops feeding frames; the error then wraps ctx.Err(). A run whose stages lose or reorder
// frames (told by Frame.Index, which stages keep) is an error too.
func RunFrames(ctx context.Context, stages []Stage, frames []*frame.Frame, opts ...FramesOption) ([]*frame.Frame, Stats, error) {
	r := &framesRun{frames: frames, index: make([]int64, len(frames))}
	for _, o := range opts {
		o(r)
	}
	for i, f := range frames {
		r.index[i] = f.Index
	}
	st, err := Run(ctx, Config{Source: r, Stages: stages, Sink: r, QueueDepth: r.depth})
	if r.copies == nil {
		releaseFrames(frames[r.next:]) // never read: cancelled or aborted
	}
	if err == nil && len(r.out) != len(frames) {
		err = fmt.Errorf("pipeline: %d frames out for %d in", len(r.out), len(frames))
	}
	for i := 0; err == nil && i < len(r.out); i++ {
		if got := r.out[i].Index; got != r.index[i] {
			err = fmt.Errorf("pipeline: output %d is frame %d, want frame %d", i, got, r.index[i])
		}
	}
	if err != nil {
		releaseFrames(r.out)
		return nil, st, err
	}
	return r.out, st, nil
}

// framesRun is RunFrames' source and sink. Run calls Next from one goroutine and Write from
// another, and neither after it returns.
type framesRun struct {
	frames []*frame.Frame
	index  []int64 // the inputs' Index, in order
	next   int     // frames[:next] have been handed to the stages
	copies *frame.Pool
	depth  int
	out    []*frame.Frame
}

func (r *framesRun) Next(context.Context) (*frame.Frame, error) {
	if r.next == len(r.frames) {
		return nil, io.EOF
	}
	f := r.frames[r.next]
	r.next++
	if r.copies != nil {
		c := r.copies.Like(f)
		c.CopyFrom(f)
		return c, nil
	}
	return f, nil
}

func (r *framesRun) Write(f *frame.Frame) error {
	r.out = append(r.out, f)
	return nil
}

func (r *framesRun) Close() error { return nil }

func releaseFrames(fs []*frame.Frame) {
	for _, f := range fs {
		f.Release()
	}
}
