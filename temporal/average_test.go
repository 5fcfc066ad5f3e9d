package temporal

import (
	"context"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
)

var _ pipeline.Temporal = (*Average)(nil)

// An odd-sized 4:2:0 frame, so the chroma planes are rounded up and differ from luma.
var geom = frame.Geometry{
	Format: frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 10},
	W:      7, H: 5,
}

// value is the test sequence: a constant, plus a ramp in time, plus a fixed pattern in space.
func value(i int64, p, x, y int) float32 {
	return 0.1 + 0.01*float32(i) + 0.001*float32(p*100+y*10+x)
}

// want is the closed form of the clipped centred mean: the ramp averages to its midpoint.
func want(i, n int64, r int, p, x, y int) float32 {
	lo, hi := max(0, i-int64(r)), min(n-1, i+int64(r))
	return 0.1 + 0.01*float32(lo+hi)/2 + 0.001*float32(p*100+y*10+x)
}

func fill(f *frame.Frame, i int64) {
	f.Index, f.PTS = i, 1000+3*i
	for p := range f.Planes {
		pl := &f.Planes[p]
		for y := 0; y < pl.H; y++ {
			row := pl.Row(y)
			for x := range row {
				row[x] = value(i, p, x, y)
			}
		}
	}
}

func TestAverageClosedForm(t *testing.T) {
	for _, tc := range []struct{ window, frames int }{
		{1, 4}, {3, 10}, {5, 10}, {7, 3}, {5, 1}, {9, 9},
	} {
		pool := frame.NewPool(64)
		a, err := NewAverage(tc.window)
		if err != nil {
			t.Fatal(err)
		}
		var got []*frame.Frame
		emit := func(f *frame.Frame) error { got = append(got, f); return nil }
		for i := range int64(tc.frames) {
			f := pool.Get(geom)
			fill(f, i)
			if err := a.Push(f, emit); err != nil {
				t.Fatal(err)
			}
			if lag := int(i) + 1 - len(got); lag != min(int(i)+1, a.Lookahead()) {
				t.Fatalf("n=%d: after frame %d, %d outputs lag behind, want %d", tc.window, i, lag, a.Lookahead())
			}
		}
		if err := a.Flush(emit); err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.frames {
			t.Fatalf("n=%d: %d frames out of %d", tc.window, len(got), tc.frames)
		}
		for i, f := range got {
			if f.Index != int64(i) || f.PTS != 1000+3*int64(i) {
				t.Errorf("n=%d: output %d has index %d pts %d", tc.window, i, f.Index, f.PTS)
			}
			for p := range f.Planes {
				pl := &f.Planes[p]
				for y := 0; y < pl.H; y++ {
					for x, v := range pl.Row(y) {
						w := want(int64(i), int64(tc.frames), tc.window/2, p, x, y)
						if math.Abs(float64(v-w)) > 1e-5 {
							t.Fatalf("n=%d: frame %d plane %d (%d,%d) = %v, want %v", tc.window, i, p, x, y, v, w)
						}
					}
				}
			}
			f.Release()
		}
		// All inputs and outputs are back: taking them out again allocates nothing.
		n := pool.Allocated()
		var again []*frame.Frame
		for range n {
			again = append(again, pool.Get(geom))
		}
		if pool.Allocated() != n {
			t.Errorf("n=%d: %d frames never released", tc.window, pool.Allocated()-n)
		}
		for _, f := range again {
			f.Release()
		}
	}
}

func TestNewAverageRejectsEvenWindows(t *testing.T) {
	for _, n := range []int{0, -1, 2, 4} {
		if _, err := NewAverage(n); err == nil {
			t.Errorf("NewAverage(%d) accepted", n)
		}
	}
}

func TestAverageSteadyStateDoesNotAllocate(t *testing.T) {
	pool := frame.NewPool(64)
	a, _ := NewAverage(5)
	emit := func(f *frame.Frame) error { f.Release(); return nil }
	var i int64
	push := func() {
		f := pool.Get(geom)
		fill(f, i)
		i++
		if err := a.Push(f, emit); err != nil {
			t.Fatal(err)
		}
	}
	for range 20 {
		push()
	}
	warm := pool.Allocated()
	if allocs := testing.AllocsPerRun(200, push); allocs != 0 {
		t.Errorf("%v allocations per frame in the steady state", allocs)
	}
	if pool.Allocated() != warm {
		t.Errorf("pool allocated %d new frames after warm-up", pool.Allocated()-warm)
	}
	if err := a.Flush(emit); err != nil {
		t.Fatal(err)
	}
}

func TestAverageEmitErrorReleasesWindow(t *testing.T) {
	pool := frame.NewPool(64)
	a, _ := NewAverage(5)
	failing := errors.New("downstream gone")
	emit := func(f *frame.Frame) error { f.Release(); return failing }
	for i := range int64(4) {
		f := pool.Get(geom)
		fill(f, i)
		err := a.Push(f, emit)
		if (i >= 2) != errors.Is(err, failing) {
			t.Fatalf("push %d: error %v", i, err)
		}
	}
	if err := a.Flush(emit); !errors.Is(err, failing) {
		t.Fatalf("flush: error %v", err)
	}
	n := pool.Allocated()
	for range n {
		pool.Get(geom) // would allocate if a window frame had not come back
	}
	if pool.Allocated() != n {
		t.Errorf("%d frames held after Flush", pool.Allocated()-n)
	}
}

func TestAverageGeometryChangeRestartsWindow(t *testing.T) {
	a, _ := NewAverage(3)
	small := frame.Geometry{Format: frame.Format{Layout: frame.Gray, BitDepth: 8}, W: 2, H: 2}
	var got []*frame.Frame
	emit := func(f *frame.Frame) error { got = append(got, f); return nil }
	for i, g := range []frame.Geometry{geom, geom, small, small, small} {
		f := frame.New(g.Format, g.W, g.H)
		f.Index = int64(i)
		for p := range f.Planes {
			for k := range f.Planes[p].Pix {
				f.Planes[p].Pix[k] = float32(i)
			}
		}
		if err := a.Push(f, emit); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Flush(emit); err != nil {
		t.Fatal(err)
	}
	// Means within each run of one geometry: {0,1} → 0.5, 0.5; {2,3,4} → 2.5, 3, 3.5.
	wants := []float32{0.5, 0.5, 2.5, 3, 3.5}
	if len(got) != len(wants) {
		t.Fatalf("%d frames out, want %d", len(got), len(wants))
	}
	for i, f := range got {
		if f.Index != int64(i) || f.Planes[0].Pix[0] != wants[i] {
			t.Errorf("output %d: index %d value %v, want %v", i, f.Index, f.Planes[0].Pix[0], wants[i])
		}
	}
}

// seqSource feeds the test sequence into a pipeline.
type seqSource struct {
	pool *frame.Pool
	i, n int64
}

func (s *seqSource) Next(context.Context) (*frame.Frame, error) {
	if s.i == s.n {
		return nil, io.EOF
	}
	f := s.pool.Get(geom)
	fill(f, s.i)
	s.i++
	return f, nil
}

type checkSink struct {
	t      *testing.T
	n      int64
	r      int
	got    int64
	closes int
}

func (s *checkSink) Write(f *frame.Frame) error {
	defer f.Release()
	if f.Index != s.got {
		s.t.Errorf("frame %d arrived as %d", f.Index, s.got)
	}
	if v, w := f.Planes[0].Pix[0], want(f.Index, s.n, s.r, 0, 0, 0); math.Abs(float64(v-w)) > 1e-5 {
		s.t.Errorf("frame %d: %v, want %v", f.Index, v, w)
	}
	s.got++
	return nil
}

func (s *checkSink) Close() error { s.closes++; return nil }

func TestAverageInPipeline(t *testing.T) {
	const n = 40
	pool := frame.NewPool(256)
	a, _ := NewAverage(5)
	sink := &checkSink{t: t, n: n, r: 2}
	st, err := pipeline.Run(context.Background(), pipeline.Config{
		Source: &seqSource{pool: pool, n: n},
		Stages: []pipeline.Stage{
			{Filter: pipeline.Copy, Workers: 3},
			{Temporal: a},
			{Filter: pipeline.Copy, Workers: 2},
		},
		Sink: sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.FramesIn != n || st.FramesOut != n || sink.got != n || sink.closes != 1 {
		t.Errorf("stats %+v, sink got %d, closed %d times", st, sink.got, sink.closes)
	}
	if st.Stages[1].Name != "average" {
		t.Errorf("stage named %q", st.Stages[1].Name)
	}
}
