package denoise

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/modes"
	"github.com/denoise-go/denoise/pipeline"
)

// Errors a Stream returns for calls out of sequence.
var (
	ErrFlushed = errors.New("denoise: the stream was flushed: start a new one for another sequence")
	ErrClosed  = errors.New("denoise: the stream is closed")
)

// Stream denoises one sequence of frames, in order, with the stages of one mode running on
// their own goroutines, as the denoise command runs them. Temporal modes look at
// neighbouring frames, so a frame comes out only once the frames after it that it needs
// have been pushed (Lookahead) and the stages have finished it: Push returns the frames
// finished so far, often none, and Flush, at the end of the sequence, waits for and returns
// the rest. Every frame pushed comes out once, in the order pushed.
//
// Ownership: Push copies the frame it is given (samples and metadata: Index, PTS, Key…),
// so the caller keeps it and may reuse it at once. The frames Push and Flush return belong
// to the caller; Release hands one back to the stream's pool, to be reused for later
// frames, and a frame never released is left to the garbage collector. A frame stays valid
// after the stream is closed.
//
// All frames of a stream must have the geometry (size and format) of the first. Push and
// Flush may be called from different goroutines but not at the same time: they wait for
// each other. Close may be called at any time, also while Push waits for room.
type Stream struct {
	stages    []pipeline.Stage
	queue     int
	lookahead int

	mu      sync.Mutex // serializes Push, Flush and Close
	pool    *frame.Pool
	geom    frame.Geometry
	started bool
	flushed bool
	closed  bool
	pushed  int64
	out     collector

	in      chan *frame.Frame // to the pipeline's source; closed by Flush
	ctx     context.Context
	cancel  context.CancelFunc
	closing atomic.Bool   // Close has begun: the pipeline's cancellation is no error
	done    chan struct{} // closed when the pipeline has returned
	err     error         // the pipeline's error, read after done
	seen    bool          // err was returned by Push or Flush
}

// NewStream builds the stages of s's mode for one sequence. It reports a bad setting (an
// unknown mode or preset, a value out of range, a model that cannot be loaded) at once. A
// stream holds no goroutines until the first Push; call Close when done with it.
func NewStream(s Settings) (*Stream, error) {
	cfg, err := s.config()
	if err != nil {
		return nil, err
	}
	return newStream(cfg)
}

func newStream(cfg *configs.Config) (*Stream, error) {
	stages, err := modes.BuildWith(cfg, modes.Hooks{})
	if err != nil {
		return nil, fmt.Errorf("denoise: %w", err)
	}
	st := &Stream{stages: stages, queue: cfg.Pipeline.Queue, in: make(chan *frame.Frame), done: make(chan struct{})}
	st.lookahead = pipeline.Lookahead(stages)
	st.ctx, st.cancel = context.WithCancel(context.Background())
	st.pool = frame.NewPool(2*st.queue + 2*st.lookahead + len(stages) + 2)
	return st, nil
}

// Lookahead is how many frames after a frame the stream needs before that frame can come
// out (0 for spatial and causal modes): after n pushes at least n−Lookahead frames are
// finished, though Push returns only those already out of the stages.
func (s *Stream) Lookahead() int { return s.lookahead }

// Push hands the next frame of the sequence to the stages and returns the frames finished
// so far, in order (possibly none). It blocks while the stages are full. The first error of
// any stage ends the stream: Push then returns it, with the frames that were finished.
func (s *Stream) Push(f *frame.Frame) ([]*frame.Frame, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, ErrClosed
	case s.flushed:
		return nil, ErrFlushed
	case f == nil:
		return nil, errors.New("denoise: Push of a nil frame")
	}
	if err := checkFrame(f); err != nil {
		return nil, err
	}
	if !s.started {
		s.start(f.Geometry())
	} else if g := f.Geometry(); g != s.geom {
		return nil, fmt.Errorf("denoise: frame %d is %s, the stream's frames are %s", s.pushed, g, s.geom)
	}
	c := s.pool.Like(f)
	c.CopyFrom(f)
	select {
	case s.in <- c:
		s.pushed++
	case <-s.done:
		c.Release()
		return s.out.take(), s.runErr()
	}
	select {
	case <-s.done:
		return s.out.take(), s.runErr()
	default:
		return s.out.take(), nil
	}
}

// Flush ends the sequence: it waits until the stages have finished every frame pushed and
// returns those not yet returned, in order. After Flush the stream takes no more frames
// (ErrFlushed); a new sequence needs a new stream.
func (s *Stream) Flush() ([]*frame.Frame, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if !s.flushed {
		s.flushed = true
		if s.started {
			close(s.in)
		}
	}
	if !s.started {
		return nil, nil
	}
	<-s.done
	return s.out.take(), s.runErr()
}

// Close stops the stream and releases what it holds; frames pushed and not yet returned are
// dropped. It returns a stage's error that Push and Flush have not returned. Close is safe
// to call more than once, and from another goroutine than Push.
func (s *Stream) Close() error {
	s.closing.Store(true)
	s.cancel() // first, without the lock: a Push waiting for room returns once the stages stop
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if !s.started {
		return nil
	}
	<-s.done
	for _, f := range s.out.take() {
		f.Release()
	}
	if s.seen || s.err == nil || (!s.flushed && errors.Is(s.err, context.Canceled)) {
		return nil
	}
	return s.runErr()
}

// start runs the stages on frames of geometry g, with the command's queue depth for it.
func (s *Stream) start(g frame.Geometry) {
	s.started, s.geom = true, g
	queue := s.queue
	if queue == pipeline.DefaultQueueDepth {
		queue = pipeline.QueueDepthFor(g, queue)
	}
	cfg := pipeline.Config{Source: source{s.in}, Stages: s.stages, Sink: &s.out, QueueDepth: queue}
	go func() {
		_, err := pipeline.Run(s.ctx, cfg)
		s.err = err
		close(s.done)
	}()
}

// runErr is the pipeline's error, once it has returned, marked as reported; ErrClosed
// when Close stopped it.
func (s *Stream) runErr() error {
	if s.err == nil {
		return nil
	}
	if s.closing.Load() && errors.Is(s.err, context.Canceled) {
		return ErrClosed
	}
	s.seen = true
	return fmt.Errorf("denoise: %w", s.err)
}

// checkFrame refuses a frame whose planes do not match its format and size.
func checkFrame(f *frame.Frame) error {
	if f.W <= 0 || f.H <= 0 || len(f.Planes) != f.Format.NumPlanes() {
		return fmt.Errorf("denoise: frame of %dx%d %s with %d planes", f.W, f.H, f.Format, len(f.Planes))
	}
	for i := range f.Planes {
		p := &f.Planes[i]
		w, h := f.Format.PlaneSize(i, f.W, f.H)
		if p.W != w || p.H != h || p.Stride < w || len(p.Pix) < (h-1)*p.Stride+w {
			return fmt.Errorf("denoise: plane %d of a %dx%d %s frame is %dx%d (stride %d, %d samples)", i, f.W, f.H, f.Format, p.W, p.H, p.Stride, len(p.Pix))
		}
	}
	return nil
}

// source is the pipeline's source: the frames Push hands over, io.EOF once Flush closes
// the channel.
type source struct{ in <-chan *frame.Frame }

func (src source) Next(ctx context.Context) (*frame.Frame, error) {
	select {
	case f, ok := <-src.in:
		if !ok {
			return nil, io.EOF
		}
		return f, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// collector is the pipeline's sink: it keeps the finished frames until Push or Flush takes
// them.
type collector struct {
	mu     sync.Mutex
	frames []*frame.Frame
}

func (c *collector) Write(f *frame.Frame) error {
	c.mu.Lock()
	c.frames = append(c.frames, f)
	c.mu.Unlock()
	return nil
}

func (c *collector) Close() error { return nil }

func (c *collector) take() []*frame.Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.frames
	c.frames = nil
	return out
}
