package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/denoise-go/denoise/frame"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestRunOrderedWithManyWorkers(t *testing.T) {
	for _, depth := range []int{2, Unbuffered} {
		t.Run(fmt.Sprint("depth", depth), func(t *testing.T) {
			const n = 300
			pool := newTestPool()
			src, sink := newGen(pool, n), newSink()
			var calls int64
			st, err := Run(context.Background(), Config{
				Source: src,
				Stages: []Stage{
					{Filter: jitter("jitter", 400*time.Microsecond, -1), Workers: 8},
					{Name: "window", Temporal: &delayTemporal{k: 3, failAt: -1}},
					{Filter: Copy, Workers: 3},
					{Name: "jitter2", Filter: jitter("j2", 200*time.Microsecond, -1), Workers: 5},
				},
				Sink:       sink,
				QueueDepth: depth,
				OnFrame: func(s Stats) {
					calls++
					if s.FramesOut != calls || s.FramesOut > s.FramesIn {
						t.Errorf("OnFrame call %d: stats %+v", calls, s)
					}
				},
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
			if st.FramesIn != n || st.FramesOut != n || st.Dropped != 0 || calls != n {
				t.Errorf("stats %+v, OnFrame calls %d", st, calls)
			}
			wantNames := []string{"jitter", "window", "copy", "jitter2"}
			for i, s := range st.Stages {
				if s.Name != wantNames[i] || s.In != n || s.Out != n {
					t.Errorf("stage %d: %+v, want name %q and %d in and out", i, s, wantNames[i], n)
				}
			}
			assertNoLeak(t, pool)
		})
	}
}

func TestRunErrorStopsAndNamesStage(t *testing.T) {
	const n = 200
	cases := []struct {
		name   string
		setup  func(src *genSource, sink *memSink) []Stage
		prefix string
	}{
		{"filter", func(*genSource, *memSink) []Stage {
			return []Stage{
				{Filter: Copy, Workers: 2},
				{Name: "nlm", Filter: jitter("x", 100*time.Microsecond, 37), Workers: 4},
				{Filter: jitter("after", 0, -1), Workers: 2},
			}
		}, "nlm: "},
		{"temporal", func(*genSource, *memSink) []Stage {
			return []Stage{
				{Filter: jitter("before", 50*time.Microsecond, -1), Workers: 3},
				{Temporal: &delayTemporal{k: 2, failAt: 41}},
				{Filter: Copy, Workers: 2},
			}
		}, "delay: "},
		{"source", func(src *genSource, _ *memSink) []Stage {
			src.failAt = 23
			return []Stage{{Temporal: &delayTemporal{k: 2, failAt: -1}}, {Filter: Copy, Workers: 2}}
		}, "decode: "},
		{"sink", func(_ *genSource, sink *memSink) []Stage {
			sink.failAt = 11
			return []Stage{{Filter: jitter("j", 0, -1), Workers: 4}, {Temporal: &delayTemporal{k: 1, failAt: -1}}}
		}, "encode: "},
		{"factory", func(*genSource, *memSink) []Stage {
			return []Stage{
				{Filter: Copy, Workers: 1},
				{Name: "cnn", Filter: func() (Filter, error) { return nil, errBoom }, Workers: 2},
			}
		}, "cnn: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pool := newTestPool()
			src, sink := newGen(pool, n), newSink()
			_, err := Run(context.Background(), Config{Source: src, Stages: tc.setup(src, sink), Sink: sink})
			if !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), tc.prefix) {
				t.Fatalf("error %v, want %q… wrapping %v", err, tc.prefix, errBoom)
			}
			if errors.Is(err, context.Canceled) {
				t.Errorf("a stage error reads as a cancellation: %v", err)
			}
			if got := src.produced.Load(); got == n {
				t.Errorf("the source was read to the end (%d frames) despite the error", got)
			}
			sink.check(t, -1)
			assertNoLeak(t, pool)
		})
	}
}

func TestRunInvalidStage(t *testing.T) {
	sink := newSink()
	_, err := Run(context.Background(), Config{
		Source: newGen(newTestPool(), 1),
		Stages: []Stage{{Name: "both", Filter: Copy, Temporal: &delayTemporal{}}},
		Sink:   sink,
	})
	if err == nil || !strings.Contains(err.Error(), `"both"`) {
		t.Errorf("error %v, want one naming the stage", err)
	}
	sink.check(t, 0)
}

func TestRunCancelDrainsInFlight(t *testing.T) {
	t.Run("busy source", func(t *testing.T) {
		pool := newTestPool()
		src, sink := newGen(pool, -1), newSink()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		st, err := Run(ctx, Config{
			Source: src,
			Stages: []Stage{
				{Filter: jitter("a", 300*time.Microsecond, -1), Workers: 4},
				{Temporal: &delayTemporal{k: 3, failAt: -1}},
				{Filter: jitter("b", 300*time.Microsecond, -1), Workers: 4},
			},
			Sink: sink,
			OnFrame: func(s Stats) {
				if s.FramesOut == 20 {
					cancel()
				}
			},
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		produced := int(src.produced.Load())
		sink.check(t, produced) // everything read was written
		if st.FramesIn != int64(produced) || st.FramesOut != int64(produced) {
			t.Errorf("stats %+v, source produced %d", st, produced)
		}
		assertNoLeak(t, pool)
	})
	t.Run("blocked source", func(t *testing.T) {
		// The source waits for ctx after 5 frames; the delay stage still holds 3 of them,
		// which only a drain (flush) gets to the sink.
		pool := newTestPool()
		src, sink := newGen(pool, -1), newSink()
		src.blockAt = 5
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-src.blocked
			cancel()
		}()
		_, err := Run(ctx, Config{
			Source: src,
			Stages: []Stage{{Temporal: &delayTemporal{k: 3, failAt: -1}}, {Filter: Copy, Workers: 2}},
			Sink:   sink,
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		sink.check(t, 5)
		assertNoLeak(t, pool)
	})
}

// gateFilter holds every frame until the gate opens, so the queues before it fill up.
type gateFilter struct{ gate <-chan struct{} }

func (g gateFilter) Name() string { return "slow" }

func (g gateFilter) Process(in *frame.Frame) (*frame.Frame, error) {
	<-g.gate
	return in, nil
}

// gatedSource closes its gate once it has produced everything.
type gatedSource struct {
	*genSource
	once sync.Once
	gate chan struct{}
}

func (s *gatedSource) Next(ctx context.Context) (*frame.Frame, error) {
	f, err := s.genSource.Next(ctx)
	if err != nil {
		s.once.Do(func() { close(s.gate) })
	}
	return f, err
}

func TestRunLiveDropsNewest(t *testing.T) {
	for _, depth := range []int{2, Unbuffered} {
		t.Run(fmt.Sprint("depth", depth), func(t *testing.T) {
			const n = 100
			pool := newTestPool()
			gate := make(chan struct{})
			src := &gatedSource{genSource: newGen(pool, n), gate: gate}
			sink := newSink()
			var logBuf bytes.Buffer
			m := NewMetrics()
			st, err := Run(context.Background(), Config{
				Source: src,
				Stages: []Stage{
					{Filter: func() (Filter, error) { return gateFilter{gate}, nil }, Workers: 1},
					{Filter: Copy, Workers: 2},
				},
				Sink:       sink,
				QueueDepth: depth,
				Live:       true,
				Metrics:    m,
				Logger:     slog.New(slog.NewTextHandler(&logBuf, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			if st.Dropped == 0 {
				t.Fatal("nothing dropped although the first stage was stuck")
			}
			if st.FramesIn+st.Dropped != n || st.FramesOut != st.FramesIn {
				t.Errorf("stats %+v: want in+dropped = %d and out = in", st, n)
			}
			sink.check(t, int(st.FramesOut))
			var logged int64
			re := regexp.MustCompile(`pipeline is too slow, dropped (\d+) frames in the last second`)
			for _, mm := range re.FindAllStringSubmatch(logBuf.String(), -1) {
				k, _ := strconv.ParseInt(mm[1], 10, 64)
				logged += k
			}
			if logged != st.Dropped {
				t.Errorf("logged %d drops, stats say %d; log:\n%s", logged, st.Dropped, logBuf.String())
			}
			if got := testutil.ToFloat64(m.dropped); got != float64(st.Dropped) {
				t.Errorf("dropped metric %v, want %d", got, st.Dropped)
			}
			// decode counts every frame it read, and passes on those not dropped.
			if got := testutil.ToFloat64(m.framesIn.WithLabelValues(SourceName)); got != n {
				t.Errorf("decode frames in %v, want %d", got, n)
			}
			if got := testutil.ToFloat64(m.framesOut.WithLabelValues(SourceName)); got != float64(st.FramesIn) {
				t.Errorf("decode frames out %v, want %d", got, st.FramesIn)
			}
			assertNoLeak(t, pool)
		})
	}
}

func TestRunFileModeBackpressure(t *testing.T) {
	for _, depth := range []int{2, Unbuffered} {
		t.Run(fmt.Sprint("depth", depth), func(t *testing.T) {
			// In file mode a stuck stage must hold up the source, not lose frames: the source can
			// only get as far as the queues and the stage's workers hold.
			const n = 50
			pool := newTestPool()
			gate := make(chan struct{})
			src, sink := newGen(pool, n), newSink()
			done := make(chan struct{})
			var st Stats
			var err error
			go func() {
				defer close(done)
				st, err = Run(context.Background(), Config{
					Source:     src,
					Stages:     []Stage{{Filter: func() (Filter, error) { return gateFilter{gate}, nil }, Workers: 1}},
					Sink:       sink,
					QueueDepth: depth,
				})
			}()
			time.Sleep(20 * time.Millisecond)
			// the queue (2 or none) + one frame waiting to be dispatched + one in the worker + one
			// the source holds while it waits to send (unbuffered, it reads on demand: fewer).
			if got := src.produced.Load(); got > int64(max(depth, 0)+3) {
				t.Errorf("source ran %d frames ahead of a stuck stage", got)
			}
			close(gate)
			<-done
			if err != nil {
				t.Fatal(err)
			}
			sink.check(t, n)
			if st.Dropped != 0 {
				t.Errorf("file mode dropped %d frames", st.Dropped)
			}
			assertNoLeak(t, pool)
		})
	}
}

func TestRunRecyclesFrames(t *testing.T) {
	// The pool must only ever hold what can be in flight at once, however long the stream:
	// source 1 + queue 2 + dispatcher 1 + 2 jobs × (in, out) + queue 2 + sink 1 = 11.
	const n = 300
	pool := newTestPool()
	_, err := Run(context.Background(), Config{
		Source:     newGen(pool, n),
		Stages:     []Stage{{Filter: jitter("j", 50*time.Microsecond, -1), Workers: 2}},
		Sink:       newSink(),
		QueueDepth: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := pool.Allocated(); got > 11 {
		t.Errorf("pool allocated %d frames for %d in flight at most", got, 11)
	}
	assertNoLeak(t, pool)
}

// TestRunUnbufferedReadsOnDemand: handing frames over unbuffered, the source reads a frame
// only when the first stage has a worker free for it, instead of reading one more and holding
// it while the stage works: with the only worker stuck, one frame has been read, not two.
func TestRunUnbufferedReadsOnDemand(t *testing.T) {
	pool := newTestPool()
	gate := make(chan struct{})
	src, sink := newGen(pool, 20), newSink()
	done := make(chan error)
	go func() {
		_, err := Run(context.Background(), Config{
			Source:     src,
			Stages:     []Stage{{Filter: func() (Filter, error) { return gateFilter{gate}, nil }, Workers: 1}},
			Sink:       sink,
			QueueDepth: Unbuffered,
		})
		done <- err
	}()
	for src.produced.Load() < 1 { // the first frame read, then time for a second
		time.Sleep(time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond)
	if got := src.produced.Load(); got != 1 {
		t.Errorf("the source read %d frames for a stage stuck on its first, want 1", got)
	}
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sink.check(t, 20)
	assertNoLeak(t, pool)
}
