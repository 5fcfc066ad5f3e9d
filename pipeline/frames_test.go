package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/denoise-go/denoise/frame"
)

// testFrames returns n pooled frames with Index i and first sample i.
func testFrames(p *frame.Pool, n int) []*frame.Frame {
	fs := make([]*frame.Frame, n)
	for i := range fs {
		fs[i] = p.Get(testGeom)
		fs[i].Index = int64(i)
		fs[i].Planes[0].Pix[0] = float32(i)
	}
	return fs
}

// checkFrames checks that fs are the n test frames in order, and releases them.
func checkFrames(t *testing.T, fs []*frame.Frame, n int, add float32) {
	t.Helper()
	if len(fs) != n {
		t.Errorf("got %d frames, want %d", len(fs), n)
	}
	for i, f := range fs {
		if f.Index != int64(i) || f.Planes[0].Pix[0] != float32(i)+add {
			t.Errorf("output %d: frame %d with sample %g", i, f.Index, f.Planes[0].Pix[0])
		}
		f.Release()
	}
}

// addOne adds 1 to the first sample, in place.
func addOne() (Filter, error) { return addOneFilter{}, nil }

type addOneFilter struct{}

func (addOneFilter) Name() string { return "add" }

func (addOneFilter) Process(in *frame.Frame) (*frame.Frame, error) {
	in.Planes[0].Pix[0]++
	return in, nil
}

func TestRunFramesOrderAndLookahead(t *testing.T) {
	const n = 60
	pool := newTestPool()
	out, st, err := RunFrames(context.Background(), []Stage{
		{Filter: jitter("jitter", 300*time.Microsecond, -1), Workers: 6},
		{Name: "window", Temporal: &delayTemporal{k: 5, failAt: -1}},
		{Filter: addOne, Workers: 3},
		{Name: "tail", Temporal: &delayTemporal{k: 2, failAt: -1}},
	}, testFrames(pool, n), WithQueueDepth(1))
	if err != nil {
		t.Fatal(err)
	}
	checkFrames(t, out, n, 1)
	if st.FramesIn != n || st.FramesOut != n || len(st.Stages) != 4 || st.Stages[1].Out != n {
		t.Errorf("stats %+v", st)
	}
	assertNoLeak(t, pool)
}

func TestRunFramesOneFrameThroughLookahead(t *testing.T) {
	pool := newTestPool()
	out, _, err := RunFrames(context.Background(), []Stage{{Temporal: &delayTemporal{k: 4, failAt: -1}}}, testFrames(pool, 1))
	if err != nil {
		t.Fatal(err)
	}
	checkFrames(t, out, 1, 0)
	assertNoLeak(t, pool)
}

func TestRunFramesNoStagesNoFrames(t *testing.T) {
	pool := newTestPool()
	out, _, err := RunFrames(context.Background(), nil, testFrames(pool, 3))
	if err != nil {
		t.Fatal(err)
	}
	checkFrames(t, out, 3, 0)
	out, _, err = RunFrames(context.Background(), []Stage{{Filter: Copy}}, nil)
	if err != nil || len(out) != 0 {
		t.Errorf("no frames: %d frames, %v", len(out), err)
	}
	assertNoLeak(t, pool)
}

func TestRunFramesCopyInputs(t *testing.T) {
	const n = 20
	pool := newTestPool()
	in := testFrames(pool, n)
	out, _, err := RunFrames(context.Background(), []Stage{{Filter: addOne, Workers: 4}}, in, CopyInputs())
	if err != nil {
		t.Fatal(err)
	}
	checkFrames(t, out, n, 1)
	checkFrames(t, in, n, 0) // untouched, and still the caller's to release
	assertNoLeak(t, pool)
}

func TestRunFramesFailingStage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stage Stage
	}{
		{"bad", Stage{Name: "bad", Filter: jitter("j", 200*time.Microsecond, 17), Workers: 4}},
		{"delay", Stage{Temporal: &delayTemporal{k: 3, failAt: 9}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pool := newTestPool()
			out, _, err := RunFrames(context.Background(), []Stage{
				{Filter: jitter("before", 100*time.Microsecond, -1), Workers: 3},
				tc.stage,
				{Temporal: &delayTemporal{k: 2, failAt: -1}},
			}, testFrames(pool, 40))
			if !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), tc.name+": ") {
				t.Errorf("error %v, want %s: %v", err, tc.name, errBoom)
			}
			if out != nil {
				t.Errorf("%d frames on error", len(out))
			}
			assertNoLeak(t, pool)
		})
	}
}

// loseTemporal releases frame drop instead of emitting it.
type loseTemporal struct{ drop int64 }

func (l loseTemporal) Name() string   { return "lose" }
func (l loseTemporal) Lookahead() int { return 0 }
func (l loseTemporal) Flush(func(*frame.Frame) error) error {
	return nil
}

func (l loseTemporal) Push(in *frame.Frame, emit func(*frame.Frame) error) error {
	if in.Index == l.drop {
		in.Release()
		return nil
	}
	return emit(in)
}

func TestRunFramesLostFrame(t *testing.T) {
	pool := newTestPool()
	out, _, err := RunFrames(context.Background(), []Stage{{Temporal: loseTemporal{drop: 3}}}, testFrames(pool, 8))
	if err == nil || out != nil || !strings.Contains(err.Error(), "7 frames out for 8 in") {
		t.Errorf("%d frames, error %v", len(out), err)
	}
	assertNoLeak(t, pool)
}

func TestRunFramesCancelled(t *testing.T) {
	t.Run("before", func(t *testing.T) {
		pool := newTestPool()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		out, st, err := RunFrames(ctx, []Stage{{Filter: Copy}}, testFrames(pool, 5))
		if !errors.Is(err, context.Canceled) || out != nil || st.FramesIn != 0 {
			t.Errorf("%d frames, stats %+v, error %v", len(out), st, err)
		}
		assertNoLeak(t, pool)
	})
	t.Run("during", func(t *testing.T) {
		pool := newTestPool()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cancelAt := func() (Filter, error) { return cancelFilter{at: 10, cancel: cancel}, nil }
		out, st, err := RunFrames(ctx, []Stage{
			{Filter: cancelAt, Workers: 1},
			{Temporal: &delayTemporal{k: 3, failAt: -1}},
			{Filter: jitter("j", 100*time.Microsecond, -1), Workers: 2},
		}, testFrames(pool, 200), WithQueueDepth(1))
		if !errors.Is(err, context.Canceled) || out != nil || st.FramesIn >= 200 {
			t.Errorf("%d frames, stats %+v, error %v", len(out), st, err)
		}
		assertNoLeak(t, pool)
	})
}

// cancelFilter cancels the run's context when it sees frame at.
type cancelFilter struct {
	at     int64
	cancel context.CancelFunc
}

func (c cancelFilter) Name() string { return "cancel" }

func (c cancelFilter) Process(in *frame.Frame) (*frame.Frame, error) {
	if in.Index == c.at {
		c.cancel()
	}
	return in, nil
}
