package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/denoise-go/denoise/frame"
)

// overlapTemporal holds the frame its last Push completed until the next Push, Settle or
// Flush, like a stage whose work on a frame goes on after Push returns.
type overlapTemporal struct {
	pending  *frame.Frame
	failAt   int64
	overlaps int
	settles  atomic.Int64 // Settle calls that emitted a frame
}

func (o *overlapTemporal) Name() string   { return "overlap" }
func (o *overlapTemporal) Lookahead() int { return 0 }
func (o *overlapTemporal) Overlap()       { o.overlaps++ }

func (o *overlapTemporal) Push(in *frame.Frame, emit func(*frame.Frame) error) error {
	if in.Index == o.failAt {
		in.Release()
		return errBoom
	}
	err := o.emitPending(emit)
	o.pending = in
	return err
}

func (o *overlapTemporal) Settle(emit func(*frame.Frame) error) error {
	if o.pending != nil {
		o.settles.Add(1)
	}
	return o.emitPending(emit)
}

func (o *overlapTemporal) Flush(emit func(*frame.Frame) error) error { return o.emitPending(emit) }

func (o *overlapTemporal) emitPending(emit func(*frame.Frame) error) error {
	f := o.pending
	if f == nil {
		return nil
	}
	o.pending = nil
	return emit(f)
}

// TestRunOverlappingOrder: an Overlapping stage is switched on once, its frames come out in
// order and all of them, and nothing leaks, with jitter before and after it.
func TestRunOverlappingOrder(t *testing.T) {
	const n = 300
	pool := newTestPool()
	src, sink := newGen(pool, n), newSink()
	ov := &overlapTemporal{failAt: -1}
	st, err := Run(context.Background(), Config{
		Source: src,
		Stages: []Stage{
			{Filter: jitter("jitter", 300*time.Microsecond, -1), Workers: 4},
			{Temporal: ov},
			{Filter: jitter("after", 100*time.Microsecond, -1), Workers: 3},
		},
		Sink:       sink,
		QueueDepth: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	sink.check(t, n)
	for i, idx := range sink.indices {
		if idx != int64(i) {
			t.Fatalf("frame %d has index %d", i, idx)
		}
	}
	if ov.overlaps != 1 || st.Stages[1].In != n || st.Stages[1].Out != n {
		t.Errorf("Overlap called %d times, stage stats %+v", ov.overlaps, st.Stages[1])
	}
	assertNoLeak(t, pool)
}

// pacedSource yields a frame only once the sink has written the one before it (or a second
// has passed): the pipeline keeps up, so an Overlapping stage must settle each frame while
// its input queue is empty instead of holding it back until the next one arrives.
type pacedSource struct {
	*genSource
	sink *countingSink
}

type countingSink struct {
	*memSink
	written atomic.Int64
}

func (s *countingSink) Write(f *frame.Frame) error {
	err := s.memSink.Write(f)
	s.written.Add(1)
	return err
}

func (s *pacedSource) Next(ctx context.Context) (*frame.Frame, error) {
	want := s.produced.Load()
	deadline := time.Now().Add(time.Second)
	for s.sink.written.Load() < want {
		if time.Now().After(deadline) {
			return nil, errors.New("frame held back: the previous frame was not written within a second")
		}
		time.Sleep(100 * time.Microsecond)
	}
	return s.genSource.Next(ctx)
}

func TestRunOverlappingSettlesWhenIdle(t *testing.T) {
	const n = 40
	pool := newTestPool()
	sink := &countingSink{memSink: newSink()}
	src := &pacedSource{genSource: newGen(pool, n), sink: sink}
	ov := &overlapTemporal{failAt: -1}
	for _, live := range []bool{false, true} {
		*sink.memSink = *newSink()
		sink.written.Store(0)
		src.produced.Store(0)
		ov.settles.Store(0)
		st, err := Run(context.Background(), Config{Source: src, Stages: []Stage{{Filter: Copy, Workers: 2}, {Temporal: ov}},
			Sink: sink, Live: live})
		if err != nil {
			t.Fatalf("live %v: %v", live, err)
		}
		sink.check(t, n)
		if st.Dropped != 0 || ov.settles.Load() < n-1 {
			t.Errorf("live %v: %d dropped, %d frames settled of %d", live, st.Dropped, ov.settles.Load(), n)
		}
	}
	assertNoLeak(t, pool)
}

// TestRunOverlappingError: a failing Overlapping stage is named, and its pending frame is
// released.
func TestRunOverlappingError(t *testing.T) {
	pool := newTestPool()
	src, sink := newGen(pool, 200), newSink()
	_, err := Run(context.Background(), Config{Source: src, Stages: []Stage{
		{Filter: jitter("before", 50*time.Microsecond, -1), Workers: 3},
		{Temporal: &overlapTemporal{failAt: 57}},
		{Filter: Copy, Workers: 2},
	}, Sink: sink})
	if !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), "overlap: ") {
		t.Fatalf("error %v, want overlap: … wrapping %v", err, errBoom)
	}
	sink.check(t, -1)
	assertNoLeak(t, pool)
}
