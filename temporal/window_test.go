package temporal

import (
	"errors"
	"fmt"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// windowShots is three shots with cuts between them: two pans and a zoom.
func windowShots(g frame.Geometry) ([]*frame.Frame, []int) {
	a, b := newColourTexture(20), newColourTexture(21)
	clean, starts := renderShots(g, []shot{
		{tex: a, vx: 2.3, vy: -1.1, n: 7},
		{tex: b, vx: -3.6, vy: 0.7, z: 1.02, n: 5},
		{tex: a, x0: 400, y0: 250, vx: 0.6, vy: 2.4, n: 6},
	})
	return noisy(clean, 10.0/255, 11), starts
}

// shotOf returns the shot frame i belongs to.
func shotOf(starts []int, i int) int {
	s := 0
	for k, st := range starts {
		if i >= st {
			s = k
		}
	}
	return s
}

func TestWindowNeighbours(t *testing.T) {
	g := yuvGeom(128, 96)
	src, starts := windowShots(g)
	for _, tc := range []struct {
		r      int
		causal bool
		scale  MotionScale
	}{{1, false, MotionScaleFull}, {2, false, MotionScaleFull}, {3, false, MotionScaleFull}, {1, true, MotionScaleFull},
		{2, true, MotionScaleFull}, {0, false, MotionScaleFull}, {1, true, MotionScaleHalf}, {2, false, MotionScaleHalf}} {
		name := fmt.Sprintf("r=%d causal=%v scale=%v", tc.r, tc.causal, tc.scale)
		pool := frame.NewPool(64)
		w, err := NewWindow(WindowConfig{Radius: tc.r, Causal: tc.causal, Motion: MotionConfig{Scale: tc.scale}})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		pushed := 0
		var gain, gains float64
		ready := func(c *Centre) error {
			i := int(c.Frame.Index)
			got = append(got, c.Frame.Index)
			if lag := pushed - 1 - i; lag > w.Lookahead() {
				t.Errorf("%s: centre %d handed out %d frames late, lookahead %d", name, i, lag, w.Lookahead())
			}
			if want := i == starts[shotOf(starts, i)]; c.SceneStart != want {
				t.Errorf("%s: centre %d SceneStart %v, want %v", name, i, c.SceneStart, want)
			}
			// The neighbours are exactly the frames of the centre's shot within reach.
			var want []int
			for j := i - tc.r; j <= i+tc.r; j++ {
				if j != i && j >= 0 && j < len(src) && shotOf(starts, j) == shotOf(starts, i) && (!tc.causal || j < i) {
					want = append(want, j)
				}
			}
			if len(c.Neighbours) != len(want) {
				t.Fatalf("%s: centre %d has %d neighbours, want %v", name, i, len(c.Neighbours), want)
			}
			for k, nb := range c.Neighbours {
				if j := int(nb.Frame.Index); j != want[k] || nb.Offset != j-i {
					t.Errorf("%s: centre %d neighbour %d is frame %d at offset %d, want frame %d", name, i, k, j, nb.Offset, want[k])
				}
				a := c.Aligned(k)
				if c.Aligned(k) != a {
					t.Errorf("%s: aligning twice computed twice", name)
				}
				if a.Frame.Geometry() != g || a.Frame.Index != nb.Frame.Index {
					t.Errorf("%s: aligned frame %v index %d", name, a.Frame.Geometry(), a.Frame.Index)
				}
				if (a.Backward != nil) != !tc.causal {
					t.Errorf("%s: backward field %v", name, a.Backward != nil)
				}
				rel := &a.Reliability.Planes[0]
				for y := 0; y < rel.H; y++ {
					for _, v := range rel.Row(y) {
						if !(v >= 0 && v <= 1) {
							t.Fatalf("%s: reliability %g", name, v)
						}
					}
				}
				gain += psnr(&a.Frame.Planes[0], &c.Frame.Planes[0], 8) - psnr(&nb.Frame.Planes[0], &c.Frame.Planes[0], 8)
				gains++
			}
			return nil
		}
		for _, s := range src {
			f := pool.Get(g)
			f.CopyFrom(s)
			pushed++
			if err := w.Push(f, ready); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(ready); err != nil {
			t.Fatal(err)
		}
		for i, idx := range got {
			if idx != int64(i) {
				t.Fatalf("%s: centres handed out as %v", name, got)
			}
		}
		if len(got) != len(src) {
			t.Fatalf("%s: %d centres for %d frames", name, len(got), len(src))
		}
		if gains > 0 {
			t.Logf("%s: aligned neighbours are %.1f dB closer to their centre than unaligned, on average", name, gain/gains)
			if gain/gains < 3 {
				t.Errorf("%s: alignment gains %.1f dB on average, want ≥ 3", name, gain/gains)
			}
		}
		assertAllReleased(t, name, pool)
		// At half scale the scene cuts above were judged on the window's own fields: the
		// detector never estimated one.
		if ownEstimates := w.cut.est.levels != nil; ownEstimates != (tc.scale != MotionScaleHalf) {
			t.Errorf("%s: the scene-cut detector estimated its own fields: %v", name, ownEstimates)
		}
		if n := w.warpPool.Allocated(); n > int64(2*tc.r) {
			t.Errorf("%s: %d warped frames allocated, want ≤ %d", name, n, 2*tc.r)
		}
	}
}

// assertAllReleased checks that every frame pool has handed out is back: getting that many
// frames again allocates none.
func assertAllReleased(t *testing.T, name string, pool *frame.Pool) {
	t.Helper()
	assertAllReleasedOf(t, name, pool, yuvGeom(128, 96))
}

// assertAllReleasedOf is assertAllReleased for a pool of frames of geometry g.
func assertAllReleasedOf(t *testing.T, name string, pool *frame.Pool, g frame.Geometry) {
	t.Helper()
	n := pool.Allocated()
	var held []*frame.Frame
	for range n {
		held = append(held, pool.Get(g))
	}
	if pool.Allocated() != n {
		t.Errorf("%s: %d of %d frames were not released", name, pool.Allocated()-n, n)
	}
	for _, f := range held {
		f.Release()
	}
}

func TestWindowErrorReleasesFrames(t *testing.T) {
	g := yuvGeom(128, 96)
	src, _ := windowShots(g)
	boom := errors.New("boom")
	for _, causal := range []bool{false, true} {
		pool := frame.NewPool(64)
		w, _ := NewWindow(WindowConfig{Radius: 2, Causal: causal})
		calls := 0
		ready := func(c *Centre) error {
			calls++
			for k := range c.Neighbours {
				c.Aligned(k)
			}
			if calls == 4 {
				return boom
			}
			return nil
		}
		var err error
		for _, s := range src {
			f := pool.Get(g)
			f.CopyFrom(s)
			if err = w.Push(f, ready); err != nil {
				break
			}
		}
		if !errors.Is(err, boom) {
			t.Fatalf("causal=%v: Push returned %v", causal, err)
		}
		// The runner aborts a stage by flushing it into a callback that drops everything.
		if err := w.Flush(func(*Centre) error { return nil }); err != nil {
			t.Fatal(err)
		}
		assertAllReleased(t, fmt.Sprintf("causal=%v", causal), pool)
	}
}

func TestWindowGeometryChangeRestarts(t *testing.T) {
	small, big := yuvGeom(96, 64), yuvGeom(128, 96)
	tex := newColourTexture(22)
	w, _ := NewWindow(WindowConfig{Radius: 1, NoSceneCuts: true})
	var centres [][]int
	ready := func(c *Centre) error {
		var nb []int
		for k, n := range c.Neighbours {
			c.Aligned(k)
			nb = append(nb, int(n.Frame.Index))
		}
		centres = append(centres, nb)
		return nil
	}
	for i := range 6 {
		g := small
		if i >= 3 {
			g = big
		}
		f := newFrame(g)
		renderFrame(f, shifted(tex, float64(i), 0))
		f.Index = int64(i)
		if err := w.Push(f, ready); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(ready); err != nil {
		t.Fatal(err)
	}
	want := "[[1] [0 2] [1] [4] [3 5] [4]]"
	if fmt.Sprint(centres) != want {
		t.Errorf("neighbours %v, want %v", centres, want)
	}
}

func TestWindowSteadyStateDoesNotAllocate(t *testing.T) {
	g := yuvGeom(128, 96)
	tex := newColourTexture(23)
	var frames []*frame.Frame
	for i := range 8 {
		f := newFrame(g)
		renderFrame(f, shifted(tex, 1.7*float64(i), 0))
		frames = append(frames, f)
	}
	pool := frame.NewPool(16)
	w, _ := NewWindow(WindowConfig{Radius: 1})
	ready := func(c *Centre) error {
		for k := range c.Neighbours {
			c.Aligned(k)
		}
		return nil
	}
	i := 0
	push := func() {
		f := pool.Get(g)
		f.CopyFrom(frames[i%len(frames)])
		i++
		if err := w.Push(f, ready); err != nil {
			t.Fatal(err)
		}
	}
	for range 6 {
		push()
	}
	if n := testing.AllocsPerRun(20, push); n != 0 {
		t.Errorf("%.1f allocations per frame in the steady state", n)
	}
	if err := w.Flush(ready); err != nil {
		t.Fatal(err)
	}
}

// An analysis luma given by the caller (say impulse-cleaned) is what motion is estimated on.
func TestWindowAnalysisLuma(t *testing.T) {
	g := yuvGeom(128, 96)
	tex := newColourTexture(24)
	const dx = 2.25
	clean := map[int64]*frame.Plane{}
	var src []*frame.Frame
	for i := range 4 {
		f := newFrame(g)
		renderFrame(f, shifted(tex, dx*float64(i), 0))
		f.Index = int64(i)
		c := f.Planes[0]
		c.Pix = append([]float32(nil), c.Pix...)
		clean[f.Index] = &c
		// 20 % salt and pepper on the luma the frame carries.
		for k := range f.Planes[0].Pix {
			if (k*7919+i*104729)%5 == 0 {
				f.Planes[0].Pix[k] = float32(k % 2)
			}
		}
		src = append(src, f)
	}
	w, err := NewWindow(WindowConfig{Radius: 1, Luma: func(f *frame.Frame) *frame.Plane { return clean[f.Index] }})
	if err != nil {
		t.Fatal(err)
	}
	ready := func(c *Centre) error {
		for k, nb := range c.Neighbours {
			within, _ := vectorErrors(c.Aligned(k).Field, -dx*float64(nb.Offset), 0, 0.25) // frame i shows tex(p + i·dx)
			if within < 0.95 {
				t.Errorf("centre %d neighbour %+d: %.0f%% of vectors within 0.25 px", c.Frame.Index, nb.Offset, 100*within)
			}
		}
		return nil
	}
	for _, f := range src {
		if err := w.Push(f, ready); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(ready); err != nil {
		t.Fatal(err)
	}

	bad, _ := NewWindow(WindowConfig{Luma: func(*frame.Frame) *frame.Plane { return &frame.Plane{W: 3, H: 3, Stride: 3, Pix: make([]float32, 9)} }})
	if err := bad.Push(newFrame(g), ready); err == nil {
		t.Error("a luma of the wrong size was accepted")
	}
}
