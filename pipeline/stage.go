// Package pipeline wires a source, filter stages and a sink into goroutines joined by bounded
// channels: per-frame filters run on N workers with ordered reassembly, temporal stages own
// their window, the first error stops everything and names its stage, and live mode drops
// by a stated policy and counts every drop. RunFrames runs the same route over frames held
// in memory, for every front end that has no decoder: one picture, a clip already decoded.
package pipeline

import (
	"context"

	"github.com/denoise-go/denoise/frame"
)

// Source yields frames in presentation order. Next returns io.EOF after the last frame.
type Source interface {
	Next(ctx context.Context) (*frame.Frame, error)
}

// Sink consumes frames in order. Write takes ownership of the frame (it must Release it).
// Close is called once, after the last Write or after an error, and must leave a valid output.
type Sink interface {
	Write(f *frame.Frame) error
	Close() error
}

// Filter transforms one frame at a time. One Filter value serves one worker goroutine, so it
// may keep scratch buffers; Process takes ownership of in and returns the output frame
// (in itself, or a frame from in.Pool() after releasing in). On error it has disposed of in
// all the same. A Filter that holds resources may implement io.Closer; Run closes it.
type Filter interface {
	Name() string
	Process(in *frame.Frame) (*frame.Frame, error)
}

// FilterFactory makes one Filter per worker.
type FilterFactory func() (Filter, error)

// Temporal is a stage that sees frames in order and may hold a window of them. Push takes
// ownership of in and calls emit for every output frame that is complete, in order; Flush
// emits the rest at end of stream. Frames out == frames in. emit takes ownership of the frame
// even when it returns an error (the run was aborted); after Flush returns, error or not, the
// stage holds no frames, and Flush of an empty stage emits nothing. Run aborts a stage by
// flushing it into an emit that releases, so no window frame is left behind.
type Temporal interface {
	Name() string
	Push(in *frame.Frame, emit func(*frame.Frame) error) error
	Flush(emit func(*frame.Frame) error) error
	// Lookahead is how many future frames the stage waits for before it emits a frame
	// (the latency it adds, in frames).
	Lookahead() int
}

// Overlapping is a Temporal whose work on the frames a Push completes can go on after Push
// returns, overlapping the next Push (for example a frame's NLM bands on helper goroutines
// while the stage's goroutine estimates the motion of the next frame). Run calls Overlap
// once before the first Push, and Settle, which finishes that work and emits its frames,
// whenever the stage's input queue is empty before it waits for the next frame: a frame is
// held back only while a newer one is already waiting, so the stage's latency when it keeps
// up is unchanged. Flush emits everything, as for any Temporal.
type Overlapping interface {
	Overlap()
	Settle(emit func(*frame.Frame) error) error
}

// Stage is one step between source and sink: exactly one of Filter or Temporal is set.
type Stage struct {
	Name     string
	Filter   FilterFactory // per-frame, run on Workers goroutines with ordered output
	Workers  int           // ≤ 0: GOMAXPROCS
	Temporal Temporal      // in-order, one goroutine; Run closes it (io.Closer) when the run ends
}

// Lookahead is the frames of lookahead the temporal stages of a pipeline add: how many frames
// after a frame the pipeline needs before that frame can come out (as the
// temporal_lookahead_frames metric reports it; pipeline_latency_frames counts the frames in
// flight, queues included).
func Lookahead(stages []Stage) int {
	n := 0
	for _, s := range stages {
		if s.Temporal != nil {
			n += s.Temporal.Lookahead()
		}
	}
	return n
}
