package gst

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/av"
	"github.com/denoise-go/denoise/modes"
	"github.com/denoise-go/denoise/pipeline"
)

// Meta is what a buffer carries besides its samples, handed back unchanged on the output
// buffer made from it. Times are GStreamer's nanoseconds (math.MaxUint64: none).
type Meta struct {
	PTS, DTS, Duration, Offset, OffsetEnd uint64
	Flags                                 uint32
}

// None is GStreamer's "no time" (GST_CLOCK_TIME_NONE).
const None = math.MaxUint64

// Host is the GStreamer side of an element: it makes and pushes the output buffers and
// the events held back behind frames, and posts the live policy's drops. Its methods are
// called from the run's sink goroutine, one at a time, and from Drain and Discard.
type Host interface {
	// Output pushes f as a buffer of the negotiated format with m's times and flags; the
	// host allocates the buffer and fills it with c.Write. An error (not linked, flushing,
	// EOS) ends the run: Push and Drain return it.
	Output(f *frame.Frame, m Meta, c *Converter) error
	// Event pushes an event Hold was given; with push false it only releases it.
	Event(ev unsafe.Pointer, push bool)
	// Dropped reports a frame the live policy dropped (processed and dropped count the
	// run's frames so far).
	Dropped(m Meta, processed, dropped uint64)
}

// Stats are the element's read-only properties.
type Stats struct {
	Frames, Dropped uint64
	Sigma           float64       // the last frame's noise level (0–255), estimated or given
	Latency         time.Duration // the last buffer's time from its arrival to its output
}

// Element runs the stages of one configuration on the buffers of a GStreamer element:
// Start for each stream (or new caps), Push for each buffer, Drain at EOS or before new
// caps, Discard on a flush. The outputs reach the Host on the run's goroutine. Element's
// methods must not be called concurrently, except Stats, Lookahead and Discard.
type Element struct {
	host  Host
	cfg   *configs.Config
	ahead int

	mu  sync.Mutex // guards run against Discard from another thread
	run *run

	frames, dropped atomic.Uint64
	sigma, latency  atomic.Uint64 // float64 bits; nanoseconds
}

// New returns an element that outputs to host, for the settings of p (errors name the
// property).
func New(host Host, p Props) (*Element, error) {
	cfg, err := p.Config()
	if err != nil {
		return nil, err
	}
	stages, err := modes.BuildWith(cfg, modes.Hooks{})
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	e := &Element{host: host, cfg: cfg, ahead: pipeline.Lookahead(stages)}
	closeStages(stages)
	return e, nil
}

// closeStages releases what building stages created and no run took over.
func closeStages(stages []pipeline.Stage) {
	for _, s := range stages {
		if c, ok := s.Temporal.(io.Closer); ok {
			_ = c.Close()
		}
	}
}

// Lookahead is how many later frames a frame waits for (the latency the element adds, in
// frames); 0 for spatial modes and causal ones.
func (e *Element) Lookahead() int { return e.ahead }

// Stats returns the counters so far.
func (e *Element) Stats() Stats {
	return Stats{Frames: e.frames.Load(), Dropped: e.dropped.Load(),
		Sigma: math.Float64frombits(e.sigma.Load()), Latency: time.Duration(e.latency.Load())}
}

// Running says whether a run has started and not been drained or discarded.
func (e *Element) Running() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.run != nil
}

// Start begins a run over frames of GStreamer video format name (GRAY8, I420, …) and
// size w×h. live applies the command's live policy: when the stages are behind, the newest
// frame is dropped (and reported) rather than the upstream thread held up.
func (e *Element) Start(format string, w, h int, live bool) error {
	if e.Running() {
		return errors.New("a run is already going")
	}
	conv, err := NewConverter(format, w, h)
	if err != nil {
		return err
	}
	stages, err := modes.BuildWith(e.cfg, modes.Hooks{
		OnSigma: func(_ string, _ int64, s float64) { e.sigma.Store(math.Float64bits(s)) },
		OnSigmas: func(_ string, _ int64, _ frame.Layout, s []float64) {
			e.sigma.Store(math.Float64bits(s[0]))
		},
	})
	if err != nil {
		conv.Free()
		return fmt.Errorf("settings: %w", err)
	}
	g := conv.Geometry()
	queue := e.cfg.Pipeline.Queue
	if queue == pipeline.DefaultQueueDepth {
		queue = pipeline.QueueDepthFor(g, queue)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &run{e: e, conv: conv, geom: g, in: make(chan *frame.Frame), done: make(chan struct{}),
		cancel: cancel, pending: map[int64]pending{},
		pool: frame.NewPool(2*max(queue, 1) + 2*e.ahead + len(stages) + 4)}
	cfg := pipeline.Config{Source: r, Stages: stages, Sink: r, QueueDepth: queue, Live: live}
	go func() {
		_, err := pipeline.Run(ctx, cfg)
		r.err = err
		close(r.done)
	}()
	e.mu.Lock()
	e.run = r
	e.mu.Unlock()
	return nil
}

// Push converts one buffer (its planes and their strides, as mapped) into a frame and
// hands it to the run, waiting while the stages are full (in live mode the run's source
// never waits: the policy drops instead). An error is the run's: a stage failed, or the
// host could not push an output.
func (e *Element) Push(planes [4]unsafe.Pointer, strides [4]int, m Meta) error {
	r := e.current()
	if r == nil {
		return errors.New("no run: the format was not negotiated")
	}
	if err := r.failed(); err != nil {
		return err
	}
	f := r.pool.Get(r.geom)
	r.convMu.Lock()
	if r.convFreed { // a flush on another thread discarded the run meanwhile
		r.convMu.Unlock()
		f.Release()
		return nil
	}
	r.conv.Read(planes, strides, f)
	r.convMu.Unlock()
	return e.send(r, f, m)
}

// Geometry is the working format and size of the run's frames (false: no run).
func (e *Element) Geometry() (frame.Geometry, bool) {
	r := e.current()
	if r == nil {
		return frame.Geometry{}, false
	}
	return r.geom, true
}

// PushFrame is Push for a frame already in the working format (of the run's geometry),
// which the element takes over.
func (e *Element) PushFrame(f *frame.Frame, m Meta) error {
	r := e.current()
	if r == nil {
		return errors.New("no run: the format was not negotiated")
	}
	if f.Geometry() != r.geom {
		return fmt.Errorf("frame of %s, the run's are %s", f.Geometry(), r.geom)
	}
	if err := r.failed(); err != nil {
		return err
	}
	return e.send(r, f, m)
}

// send numbers f, keeps m for its output and hands f to the run.
func (e *Element) send(r *run, f *frame.Frame, m Meta) error {
	f.Index = r.next
	f.TimeBase = frame.Rational{Num: 1, Den: 1e9}
	f.PTS, f.Duration = int64(r.next), 1
	if m.PTS != None {
		f.PTS = int64(m.PTS)
	}
	if m.Duration != None {
		f.Duration = int64(m.Duration)
	}
	r.mu.Lock()
	r.pending[r.next] = pending{m, time.Now()}
	r.mu.Unlock()
	r.next++
	select {
	case r.in <- f:
		return nil
	case <-r.done:
		f.Release()
		return r.failed()
	}
}

// Hold keeps a serialized event behind the frames pushed before it, so that it reaches
// downstream in the order it came; with no frame in flight it is pushed at once.
func (e *Element) Hold(ev unsafe.Pointer) {
	r := e.current()
	if r == nil {
		e.host.Event(ev, true)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) == 0 && len(r.events) == 0 {
		e.host.Event(ev, true)
		return
	}
	r.events = append(r.events, held{before: r.next, ev: ev})
}

// Drain ends the run: every frame pushed comes out (the window emptied, as at the end of
// a file), then the events held behind them. It returns the run's error.
func (e *Element) Drain() error {
	r := e.current()
	if r == nil {
		return nil
	}
	close(r.in)
	<-r.done
	r.finish(true)
	e.clear(r)
	return r.failed()
}

// Discard stops the run without output: the frames in flight and the held events are
// dropped (a flushing seek). Safe from another thread than Push.
func (e *Element) Discard() {
	r := e.current()
	if r == nil {
		return
	}
	r.discarding.Store(true)
	r.cancel()
	<-r.done
	r.finish(false)
	e.clear(r)
}

// Close discards any run.
func (e *Element) Close() { e.Discard() }

func (e *Element) current() *run {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.run
}

func (e *Element) clear(r *run) {
	e.mu.Lock()
	if e.run == r {
		e.run = nil
	}
	e.mu.Unlock()
	r.convMu.Lock()
	if !r.convFreed {
		r.conv.Free()
		r.convFreed = true
	}
	r.convMu.Unlock()
}

type pending struct {
	m  Meta
	t0 time.Time
}

type held struct {
	before int64 // the event goes out before the output of this input frame
	ev     unsafe.Pointer
}

// run is one pipeline.Run: its source is the frames Push sends, its sink the host.
type run struct {
	e      *Element
	conv   *Converter
	geom   frame.Geometry
	pool   *frame.Pool
	in     chan *frame.Frame
	done   chan struct{}
	cancel context.CancelFunc
	err    error // the pipeline's, read after done
	next   int64 // the index of the next frame pushed

	discarding atomic.Bool
	flowErr    atomic.Pointer[error] // the host's first failure to push

	convMu    sync.Mutex // Push's Read against clear's Free, which a flush may run on another thread
	convFreed bool

	mu      sync.Mutex
	pending map[int64]pending // frames in flight by index
	events  []held
	outs    uint64 // frames output
	drops   uint64
}

func (r *run) Next(ctx context.Context) (*frame.Frame, error) {
	select {
	case f, ok := <-r.in:
		if !ok {
			return nil, io.EOF
		}
		return f, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Write pushes the events held before f, reports the frames the live policy dropped
// before it, then has the host output f.
func (r *run) Write(f *frame.Frame) error {
	defer f.Release()
	if err := r.failed(); err != nil {
		return err
	}
	r.mu.Lock()
	r.release(f.Index, true)
	p := r.pending[f.Index]
	delete(r.pending, f.Index)
	r.mu.Unlock()
	if r.discarding.Load() {
		return context.Canceled
	}
	if err := r.e.host.Output(f, p.m, r.conv); err != nil {
		r.flowErr.CompareAndSwap(nil, &err)
		return err
	}
	r.e.frames.Add(1)
	r.e.latency.Store(uint64(time.Since(p.t0)))
	r.mu.Lock()
	r.outs++
	r.mu.Unlock()
	return nil
}

func (r *run) Close() error { return nil }

// release pushes (or only frees) the events held before input index upto, and reports the
// frames in flight before it as dropped; r.mu is held.
func (r *run) release(upto int64, push bool) {
	for len(r.events) > 0 && r.events[0].before <= upto {
		r.e.host.Event(r.events[0].ev, push)
		r.events = r.events[1:]
	}
	for idx, p := range r.pending {
		if idx < upto {
			delete(r.pending, idx)
			if push {
				r.drops++
				r.e.dropped.Add(1)
				r.e.host.Dropped(p.m, r.outs, r.drops)
			}
		}
	}
}

// finish lets go of what the run still holds once it has returned: with push, the held
// events go out and frames never output count as dropped; without, all is discarded.
func (r *run) finish(push bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.release(math.MaxInt64, push)
}

// failed is the run's error so far: the host's failure to push first, then a stage's.
func (r *run) failed() error {
	if p := r.flowErr.Load(); p != nil {
		return *p
	}
	select {
	case <-r.done:
		if r.err != nil && !r.discarding.Load() {
			return r.err
		}
	default:
	}
	return nil
}

// Converter turns the mapped planes of one GStreamer video format into working-format
// frames and back, with the command's conversions (FFmpeg's pixel-format descriptors).
type Converter struct {
	pf     av.PixFmt
	w, h   int
	rv, wv *av.View // Read's and Write's: they run on different threads
	rd     *av.Reader
	wr     *av.Writer
}

// pixFmts maps the GStreamer formats the element takes to FFmpeg's names.
var pixFmts = map[string]string{
	"GRAY8": "gray", "GRAY16_LE": "gray16le", "I420": "yuv420p", "NV12": "nv12", "Y42B": "yuv422p",
	"Y444": "yuv444p", "I420_10LE": "yuv420p10le", "RGB": "rgb24", "BGR": "bgr24", "RGBA": "rgba",
	"BGRA": "bgra",
}

// NewConverter returns the converter of GStreamer format name at w×h.
func NewConverter(name string, w, h int) (*Converter, error) {
	ff, ok := pixFmts[name]
	if !ok {
		return nil, fmt.Errorf("video format %s is not supported", name)
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("frame size %dx%d", w, h)
	}
	pf, err := av.Describe(av.PixFmtID(ff))
	if err != nil {
		return nil, err
	}
	rv, err := av.NewView()
	if err != nil {
		return nil, err
	}
	wv, err := av.NewView()
	if err != nil {
		rv.Free()
		return nil, err
	}
	return &Converter{pf: pf, w: w, h: h, rv: rv, wv: wv, rd: av.NewReader(pf), wr: av.NewWriter(pf)}, nil
}

// Geometry is the working format and size of the converter's frames.
func (c *Converter) Geometry() frame.Geometry {
	return frame.Geometry{Format: c.pf.Format, W: c.w, H: c.h}
}

// Read fills f from the planes of a mapped buffer.
func (c *Converter) Read(planes [4]unsafe.Pointer, strides [4]int, f *frame.Frame) {
	for i := range planes {
		c.rv.Set(i, planes[i], strides[i])
	}
	c.rd.Read(c.rv.Pointer(), f)
}

// Write stores f, rounded and clipped, into the planes of a mapped buffer.
func (c *Converter) Write(f *frame.Frame, planes [4]unsafe.Pointer, strides [4]int) {
	for i := range planes {
		c.wv.Set(i, planes[i], strides[i])
	}
	c.wr.Write(f, c.wv.Pointer())
}

// Free releases the converter's C memory.
func (c *Converter) Free() {
	c.rv.Free()
	c.wv.Free()
}
