package temporal

import (
	"fmt"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// TestSTNLMOverlapSameOutput: with Overlap the frames come out later (at the next Push, at
// Settle or at Flush) but the same, bit for bit, in order, across a scene cut; Settle leaves
// no frame behind, so the lag after it is the stage's own lookahead.
func TestSTNLMOverlapSameOutput(t *testing.T) {
	g := yuvGeom(128, 96) // assertAllReleased's
	clean, _ := renderShots(g, []shot{{tex: newColourTexture(90), vx: 1.5, vy: -0.5, n: 5}, {tex: newColourTexture(91), vx: -1, n: 4}})
	src := noisy(clean, 20.0/255, 5)
	for _, cfg := range []STNLMConfig{
		{Window: WindowConfig{Radius: 1, Causal: true}},
		{Window: WindowConfig{Radius: 2}},
		{Window: WindowConfig{Radius: 0}, Sigma: 20},
		{Window: WindowConfig{Radius: 1, Causal: true}, Threads: 1},
	} {
		t.Run(fmt.Sprintf("r=%d causal=%v threads=%d", cfg.Window.Radius, cfg.Window.Causal, cfg.Threads), func(t *testing.T) {
			want := runTemporal(t, newSTNLM(t, cfg), src)
			st := newSTNLM(t, cfg)
			st.Overlap()
			pool := frame.NewPool(64)
			var got []*frame.Frame
			emit := func(f *frame.Frame) error { got = append(got, f); return nil }
			lookahead := st.Lookahead()
			for i, s := range src {
				f := pool.Get(s.Geometry())
				f.CopyFrom(s)
				if err := st.Push(f, emit); err != nil {
					t.Fatal(err)
				}
				if lag := i + 1 - len(got); lag > lookahead+1 {
					t.Fatalf("after %d pushes %d frames out: more than one frame held back", i+1, len(got))
				}
				if i%3 == 1 {
					if err := st.Settle(emit); err != nil {
						t.Fatal(err)
					}
					if lag := i + 1 - len(got); lag > lookahead {
						t.Fatalf("after %d pushes and Settle %d frames out, want a lag of at most %d", i+1, len(got), lookahead)
					}
				}
			}
			if err := st.Flush(emit); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d frames out, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i].Index != want[i].Index || got[i].Neighbours != want[i].Neighbours {
					t.Fatalf("output %d: index %d with %d neighbours, want %d with %d", i, got[i].Index, got[i].Neighbours, want[i].Index, want[i].Neighbours)
				}
				for p := range got[i].Planes {
					for j, v := range got[i].Planes[p].Pix {
						if w := want[i].Planes[p].Pix[j]; v != w {
							t.Fatalf("frame %d plane %d sample %d: %g with overlap, %g without", i, p, j, v, w)
						}
					}
				}
				got[i].Release()
			}
			assertAllReleased(t, "stnlm overlap", pool)
		})
	}
}

// TestSTNLMOverlapSteadyStateDoesNotAllocate: the overlapped path reuses what it retains.
func TestSTNLMOverlapSteadyStateDoesNotAllocate(t *testing.T) {
	for _, c := range steadyCases() {
		g, cfg := c.g, c.cfg
		clean, _ := renderShots(g, []shot{{tex: newColourTexture(80), vx: 1.3, vy: 0.4, n: 6}})
		src := noisy(clean, 15.0/255, 2)
		t.Run(c.name, func(t *testing.T) {
			st := newSTNLM(t, STNLMConfig{Window: cfg})
			st.Overlap()
			pool := frame.NewPool(32)
			emit := func(f *frame.Frame) error { f.Release(); return nil }
			i := 0
			push := func() {
				f := pool.Get(g)
				f.CopyFrom(src[i%len(src)])
				f.Index = int64(i)
				i++
				if err := st.Push(f, emit); err != nil {
					t.Fatal(err)
				}
				if i%2 == 0 {
					if err := st.Settle(emit); err != nil {
						t.Fatal(err)
					}
				}
			}
			assertSteadyState(t, st, pool, g, push, emit)
		})
	}
}

// TestSTNLMAnalyseOnlyBefore: frames numbered below the mark are analysed but not filtered
// (they come out as they went in), and every frame from the mark on comes out as in a run
// that filtered them all: the motion searches and noise estimates the skipped frames make
// are the ones a full run makes.
func TestSTNLMAnalyseOnlyBefore(t *testing.T) {
	g := yuvGeom(128, 96)
	clean, _ := renderShots(g, []shot{{tex: newColourTexture(92), vx: 1.25, vy: 0.5, n: 12}})
	src := noisy(clean, 20.0/255, 6)
	run := func(mark int64) []*frame.Frame {
		st := newSTNLM(t, STNLMConfig{Window: WindowConfig{Radius: 2}})
		st.Overlap()
		st.AnalyseOnlyBefore(mark)
		return runTemporal(t, st, src)
	}
	want, got := run(0), run(7)
	if len(got) != len(src) || len(want) != len(src) {
		t.Fatalf("%d and %d frames out of %d", len(want), len(got), len(src))
	}
	for i := range got {
		ref := want[i]
		if i < 7 {
			ref = src[i] // analysed only: as it came
		}
		for p := range got[i].Planes {
			for j, v := range got[i].Planes[p].Pix {
				if w := ref.Planes[p].Pix[j]; v != w {
					t.Fatalf("frame %d plane %d sample %d: %g, want %g", i, p, j, v, w)
				}
			}
		}
	}
	// The mark matters: the analysed frames are not the filtered ones.
	if got[3].Planes[0].Pix[500] == want[3].Planes[0].Pix[500] && got[3].Planes[0].Pix[900] == want[3].Planes[0].Pix[900] {
		t.Error("frame 3 was filtered")
	}
}

// TestSTNLMOverlapOneOutputFrame: with Overlap the output of a frame is taken from the
// stage's pool only once its neighbours are aligned (the bands' last steps are all that
// write it), so an output the sink lets go of meanwhile is reused: here each emitted frame
// is released while the next frame is being set up (OnSigmas), after the emit and before
// the alignment, and the pool allocates one output frame for the whole run, not two.
func TestSTNLMOverlapOneOutputFrame(t *testing.T) {
	g := yuvGeom(96, 64)
	clean, _ := renderShots(g, []shot{{tex: newColourTexture(70), vx: 1.2, vy: 0.3, n: 8}})
	src := noisy(clean, 20.0/255, 4)
	for _, cfg := range []STNLMConfig{{Window: WindowConfig{Radius: 2}}, {Window: WindowConfig{Radius: 1, Causal: true}}} {
		var last *frame.Frame
		out := 0
		cfg.OnSigmas = func(int64, frame.Layout, []float64) {
			if last != nil {
				last.Release()
				last = nil
			}
		}
		st := newSTNLM(t, cfg)
		st.Overlap()
		emit := func(f *frame.Frame) error {
			if last != nil {
				last.Release()
			}
			last = f
			out++
			return nil
		}
		pool := frame.NewPool(16)
		for _, s := range src {
			f := pool.Get(s.Geometry())
			f.CopyFrom(s)
			if err := st.Push(f, emit); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.Flush(emit); err != nil {
			t.Fatal(err)
		}
		if last != nil {
			last.Release()
		}
		if out != len(src) {
			t.Fatalf("radius %d: %d frames out, want %d", cfg.Window.Radius, out, len(src))
		}
		if n := st.Allocated(); n != 1 {
			t.Errorf("radius %d causal %v: %d output frames allocated, want 1", cfg.Window.Radius, cfg.Window.Causal, n)
		}
	}
}
