package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/denoise-go/denoise/frame"
)

// Names the source and sink go by in errors, stats and metrics.
const (
	SourceName = "decode"
	SinkName   = "encode"
)

// DefaultQueueDepth is the capacity of the channels between stages when Config leaves it 0.
const DefaultQueueDepth = 4

// Unbuffered is the QueueDepth that hands every frame from one stage straight to the next
// (QueueDepthFor's choice for large frames). In live mode the source's queue still holds one
// frame: the drop policy drops a frame when that queue is full, and an unbuffered one is full
// whenever the first stage is busy.
const Unbuffered = -1

// Config is one pipeline run.
type Config struct {
	Source Source
	Stages []Stage
	Sink   Sink
	// QueueDepth is the capacity of each channel between two stages (Unbuffered, or ≤ 0:
	// DefaultQueueDepth).
	QueueDepth int
	// Live selects the policy for a pipeline slower than its source. File mode (false) loses
	// nothing: a full queue blocks the stage before it, down to the source. Live mode never
	// blocks the source: when the queue into the first stage is full, the frame just read (the
	// newest) is dropped, so the frames already queued keep their order and the output has no
	// gaps inside what was accepted. Every drop is counted in Stats.Dropped and the dropped
	// frames metric, and logged at most once a second.
	Live bool
	// Metrics, when set, receives the run's counters, latencies and queue depths.
	Metrics *Metrics
	// Logger gets drop reports and lifecycle lines (nil: discard).
	Logger *slog.Logger
	// OnFrame, when set, is called by the sink goroutine after each written frame; it must be
	// quick, since it holds up the sink.
	OnFrame func(Stats)
}

// Stats counts what a run did. FramesIn + Dropped is the number of frames the source gave.
type Stats struct {
	FramesIn  int64 // frames read from the source and sent into the pipeline
	FramesOut int64 // frames written to the sink
	Dropped   int64 // live mode: frames read from the source and dropped
	Elapsed   time.Duration
	Stages    []StageStats // in the order of Config.Stages
}

// StageStats counts one stage's frames.
type StageStats struct {
	Name    string
	In, Out int64
}

// errAborted is what emit returns to a Temporal once another stage has failed; it is never
// reported, since the failure that caused it is.
var errAborted = errors.New("pipeline aborted")

// Run reads the source until io.EOF, passes every frame through the stages and writes it to
// the sink, each on its own goroutines. The first error aborts the run, and Run returns it
// wrapped with the failing stage's name; a source error only ends the input, so the frames
// read before it are still written, and then Run returns it. Cancelling ctx stops reading
// the source; frames already read are still processed and written (drained), and Run then
// returns an error wrapping ctx.Err(). On every path each frame is released exactly once and Sink.Close is
// called exactly once, after the last Write. Filters that implement io.Closer are closed.
func Run(ctx context.Context, cfg Config) (Stats, error) {
	r := &runner{cfg: cfg, start: time.Now(), log: cfg.Logger, abort: make(chan struct{})}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Sink == nil {
		return Stats{}, errors.New("pipeline: no sink")
	}
	err := r.prepare()
	if err == nil && cfg.Source == nil {
		err = errors.New("pipeline: no source")
	}
	if err != nil {
		r.closeFilters()
		if cerr := cfg.Sink.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("%s: close: %w", SinkName, cerr))
		}
		return r.stats(), err
	}
	return r.run(ctx)
}

// runner is the state of one Run shared by its goroutines.
type runner struct {
	cfg    Config
	log    *slog.Logger
	start  time.Time
	stages []*stageRun

	abort    chan struct{} // closed by the first failure
	failOnce sync.Once
	err      error // the first failure, wrapped; read after all goroutines are done

	interrupted bool  // the source stopped because ctx was cancelled; read after the source is done
	srcErr      error // the source's own error: it ends the input, the frames read are still written

	// demand, when not nil, is the first stage's call for its next frame: the source reads
	// one only when called for (see run).
	demand chan struct{}

	framesIn, framesOut, dropped atomic.Int64
}

// stageRun is one configured stage at run time.
type stageRun struct {
	name     string
	filters  []Filter // one per worker
	temporal Temporal
	in, out  atomic.Int64
	m        stageMetrics
	demand   chan<- struct{} // the first stage: the runner's demand
}

func (r *runner) prepare() error {
	for i, st := range r.cfg.Stages {
		s := &stageRun{name: st.Name, temporal: st.Temporal}
		r.stages = append(r.stages, s)
		if (st.Filter == nil) == (st.Temporal == nil) {
			return fmt.Errorf("pipeline: stage %d (%q): set exactly one of Filter and Temporal", i, st.Name)
		}
		if st.Temporal != nil {
			if s.name == "" {
				s.name = st.Temporal.Name()
			}
			continue
		}
		n := st.Workers
		if n <= 0 {
			n = runtime.GOMAXPROCS(0)
		}
		for range n {
			f, err := st.Filter()
			if err != nil {
				name := s.name
				if name == "" {
					name = fmt.Sprintf("stage %d", i)
				}
				return fmt.Errorf("%s: %w", name, err)
			}
			s.filters = append(s.filters, f)
		}
		if s.name == "" {
			s.name = s.filters[0].Name()
		}
	}
	// Names label metrics and queues, which must be unique; a repeated name gets a number.
	seen := map[string]int{SourceName: 1, SinkName: 1}
	for _, s := range r.stages {
		base := s.name
		for seen[s.name] > 0 {
			seen[base]++
			s.name = fmt.Sprintf("%s-%d", base, seen[base])
		}
		seen[s.name]++
	}
	return nil
}

func (r *runner) closeFilters() {
	for _, s := range r.stages {
		for _, f := range s.filters {
			if c, ok := f.(io.Closer); ok {
				if err := c.Close(); err != nil {
					r.log.Warn("closing filter", "stage", s.name, "err", err)
				}
			}
		}
		if c, ok := s.temporal.(io.Closer); ok {
			if err := c.Close(); err != nil {
				r.log.Warn("closing stage", "stage", s.name, "err", err)
			}
		}
	}
}

func (r *runner) run(ctx context.Context) (Stats, error) {
	depth := r.cfg.QueueDepth
	switch {
	case depth == Unbuffered:
		depth = 0
	case depth <= 0:
		depth = DefaultQueueDepth
	}
	queues := make([]chan *frame.Frame, len(r.stages)+1)
	refs := make([]queueRef, len(queues))
	for i := range queues {
		c := depth
		if i == 0 && r.cfg.Live {
			c = max(c, 1) // the drop policy needs a slot (Unbuffered)
		}
		queues[i] = make(chan *frame.Frame, c)
		refs[i] = queueRef{name: SinkName, ch: queues[i]}
		if i < len(r.stages) {
			refs[i].name = r.stages[i].name
		}
	}
	for _, s := range r.stages {
		s.m = r.cfg.Metrics.stage(s.name)
	}
	// Handing frames over unbuffered, a source that read ahead would hold one more frame,
	// waiting while the first stage works (at 1080p, 12 MB of peak RSS): a filter stage
	// calls for each frame instead, when it has a worker free, and the source reads it then.
	// With one worker the frame is then read while the worker waits, not while it works;
	// reading a frame costs little beside a stage's work (1080p quality preset, one impulse
	// worker: wall ×1.01). A temporal first stage settles whenever its queue is empty, and a
	// live source is never held back: both keep the read-ahead.
	if r.cfg.QueueDepth == Unbuffered && !r.cfg.Live && len(r.stages) > 0 && r.stages[0].temporal == nil {
		r.demand = make(chan struct{}, 1)
		r.stages[0].demand = r.demand
	}
	if m := r.cfg.Metrics; m != nil {
		m.setQueues(refs)
		m.lookahead.Set(float64(Lookahead(r.cfg.Stages)))
		// Each frame's framesIn increment happens before its framesOut one, so loading out
		// first never shows more out than in.
		m.setInFlight(func() int64 {
			out := r.framesOut.Load()
			return r.framesIn.Load() - out
		})
	}

	// The source alone watches ctx: cancelling it must stop the reading but not the stages,
	// which drain what was read. A failure stops the source through the same context.
	srcCtx, stopSource := context.WithCancel(ctx)
	defer stopSource()
	go func() {
		select {
		case <-r.abort:
			stopSource()
		case <-srcCtx.Done():
		}
	}()

	var drops *dropLog
	if r.cfg.Live {
		drops = newDropLog(r.log)
		defer drops.stop()
	}

	var wg sync.WaitGroup
	wg.Go(func() { r.readSource(ctx, srcCtx, queues[0], drops) })
	for i, s := range r.stages {
		in, out := queues[i], queues[i+1]
		if s.temporal != nil {
			wg.Go(func() { r.runTemporal(s, in, out) })
		} else {
			wg.Go(func() { r.runFilter(s, in, out) })
		}
	}
	wg.Go(func() { r.writeSink(queues[len(queues)-1]) })
	r.log.Debug("pipeline started", "stages", len(r.stages), "queue_depth", depth, "live", r.cfg.Live)
	wg.Wait()

	r.closeFilters()
	err := r.err
	if r.srcErr != nil {
		err = r.srcErr // it came first: what failed later may be its echo
	}
	if err == nil && r.interrupted {
		err = fmt.Errorf("pipeline interrupted after %d frames: %w", r.framesOut.Load(), ctx.Err())
	}
	if cerr := r.cfg.Sink.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("%s: close: %w", SinkName, cerr))
	}
	if m := r.cfg.Metrics; m != nil {
		m.fps.Set(0)
		m.setInFlight(nil) // every frame is written or released
	}
	return r.stats(), err
}

// fail records the first error and aborts the run; later errors are usually its echoes.
func (r *runner) fail(stage string, err error) {
	r.failOnce.Do(func() {
		r.err = fmt.Errorf("%s: %w", stage, err)
		close(r.abort)
	})
}

func (r *runner) aborted() bool {
	select {
	case <-r.abort:
		return true
	default:
		return false
	}
}

// send hands f to out, or releases it if the run aborts first, so a sender never blocks on a
// consumer that has stopped.
func (r *runner) send(out chan<- *frame.Frame, f *frame.Frame) bool {
	select {
	case out <- f:
		return true
	case <-r.abort:
		f.Release()
		return false
	}
}

func (r *runner) stats() Stats {
	st := Stats{
		FramesIn:  r.framesIn.Load(),
		FramesOut: r.framesOut.Load(),
		Dropped:   r.dropped.Load(),
		Elapsed:   time.Since(r.start),
		Stages:    make([]StageStats, len(r.stages)),
	}
	for i, s := range r.stages {
		st.Stages[i] = StageStats{Name: s.name, In: s.in.Load(), Out: s.out.Load()}
	}
	return st
}

func (r *runner) readSource(ctx, srcCtx context.Context, out chan<- *frame.Frame, drops *dropLog) {
	defer close(out)
	m := r.cfg.Metrics.stage(SourceName)
	for {
		if r.demand != nil {
			select {
			case <-r.demand:
			case <-srcCtx.Done():
			}
		}
		if srcCtx.Err() != nil {
			r.noteStop(ctx)
			return
		}
		t0 := time.Now()
		f, err := r.cfg.Source.Next(srcCtx)
		if err != nil {
			switch {
			case errors.Is(err, io.EOF):
			case srcCtx.Err() != nil:
				r.noteStop(ctx)
			default:
				// Not an abort: the frames already read are decoded data, and are written
				// before Run returns the error.
				r.srcErr = fmt.Errorf("%s: %w", SourceName, err)
			}
			return
		}
		m.observe(time.Since(t0))
		m.incIn()
		// Counted before the send so that a snapshot never shows more out than in.
		r.framesIn.Add(1)
		if r.cfg.Live {
			select {
			case out <- f:
				m.incOut()
			default:
				f.Release()
				r.framesIn.Add(-1)
				r.dropped.Add(1)
				if r.cfg.Metrics != nil {
					r.cfg.Metrics.dropped.Inc()
				}
				drops.add()
			}
			continue
		}
		if !r.send(out, f) {
			r.framesIn.Add(-1)
			return
		}
		m.incOut()
	}
}

// noteStop records whether the source stopped for the caller's cancellation rather than for
// an abort, which reports its own error.
func (r *runner) noteStop(ctx context.Context) {
	if ctx.Err() != nil && !r.aborted() {
		r.interrupted = true
		r.log.Debug("interrupted: draining frames in flight")
	}
}

func (r *runner) writeSink(in <-chan *frame.Frame) {
	m := r.cfg.Metrics.stage(SinkName)
	var fpsStart time.Time
	var fpsFrames int
	for f := range in {
		if r.aborted() {
			f.Release()
			continue
		}
		m.incIn()
		t0 := time.Now()
		if err := r.cfg.Sink.Write(f); err != nil {
			r.fail(SinkName, err)
			continue
		}
		now := time.Now()
		m.observe(now.Sub(t0))
		m.incOut()
		r.framesOut.Add(1)
		if r.cfg.Metrics != nil {
			if fpsStart.IsZero() {
				fpsStart = now
			}
			fpsFrames++
			if d := now.Sub(fpsStart); d >= time.Second {
				r.cfg.Metrics.fps.Set(float64(fpsFrames) / d.Seconds())
				fpsStart, fpsFrames = now, 0
			}
		}
		if r.cfg.OnFrame != nil {
			r.cfg.OnFrame(r.stats())
		}
	}
}

// QueueBytes is how much frame memory QueueDepthFor lets one queue hold.
const QueueBytes = 16 << 20

// QueueDepthFor is the queue depth for frames of geometry g when depth is the default: no
// more frames than fit in QueueBytes, and never more than depth; where only one would fit,
// Unbuffered. Working frames are float32, so a 1920×1080 4:2:0 frame takes 12.4 MB: the
// queues hand frames over unbuffered there, hold 3 at 1280×720 and 4 at 640×480. The queues
// only need to absorb jitter (each stage is parallel inside or the slowest one), and every
// frame held in a queue adds to the frames a temporal window holds: at 1080p, 40 frames of
// the quality preset, unbuffered queues take the peak RSS from 437 to 415 MB at the same
// speed (CPU time ×1.03 in pairs, within the machine's noise), as 1 frame a queue against 2
// had taken 30 frames from 620 to 562 MB.
func QueueDepthFor(g frame.Geometry, depth int) int {
	bytes := 0
	for i := range g.Format.NumPlanes() {
		w, h := g.Format.PlaneSize(i, g.W, g.H)
		bytes += 4 * w * h
	}
	if bytes == 0 {
		return depth
	}
	if n := min(depth, QueueBytes/bytes); n > 1 || depth <= 1 {
		return max(1, n)
	}
	return Unbuffered
}
