package temporal

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
)

var _ pipeline.Temporal = (*STNLM)(nil)

func newSTNLM(t testing.TB, cfg STNLMConfig) *STNLM {
	t.Helper()
	if cfg.Threads == 0 {
		cfg.Threads = 2
	}
	st, err := NewSTNLM(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// spatialNLM runs mode nlm's filter (σ estimated per frame and plane) on copies of src.
func spatialNLM(t testing.TB, src []*frame.Frame) []*frame.Frame {
	t.Helper()
	f, err := nlm.New(nlm.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*frame.Frame, len(src))
	for i, s := range src {
		out[i] = newFrame(s.Geometry())
		out[i].CopyFrom(s)
		if _, err := f.Process(out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// maskedPSNR is the luma PSNR of a against b over the pixels where in is true.
func maskedPSNR(a, b *frame.Plane, in func(x, y int) bool) (float64, int) {
	var s float64
	n := 0
	for y := 0; y < a.H; y++ {
		ra, rb := a.Row(y), b.Row(y)
		for x := range ra {
			if in(x, y) {
				d := float64(ra[x] - rb[x])
				s += d * d
				n++
			}
		}
	}
	return 10 * math.Log10(float64(n)/s), n
}

// TestSTNLMNoGhosting moves a textured square over a textured background: where it is, was
// or will be within the window (its trail included, where the background is uncovered),
// stnlm must not lose to spatial NLM, while it wins clearly on the whole frame.
func TestSTNLMNoGhosting(t *testing.T) {
	g := yuvGeom(192, 144)
	for _, sq := range []*movingSquare{
		{bg: newColourTexture(40), fg: newColourTexture(41), x: 20, y: 30, side: 48, vx: 6, vy: 2},
		// fast and diagonal: the uncovered trail is wide
		{bg: newColourTexture(42), fg: newColourTexture(43), x: 120, y: 80, side: 40, vx: -9, vy: -5},
	} {
		const n = 10
		clean := make([]*frame.Frame, n)
		for i := range clean {
			clean[i] = newFrame(g)
			renderFrame(clean[i], sq.at(float64(i)))
			clean[i].Index = int64(i)
		}
		src := noisy(clean, 20.0/255, 5)
		spatial := spatialNLM(t, src)
		for _, cfg := range []WindowConfig{{Radius: 2}, {Radius: 2, Causal: true}, {Radius: 1, Causal: true}} {
			out := runTemporal(t, newSTNLM(t, STNLMConfig{Window: cfg}), src)
			var moveS, moveN, allS, allN float64
			for i := 2; i < n-2; i++ {
				moving := func(x, y int) bool {
					for d := -2; d <= 2; d++ {
						if sq.inside(float64(i+d), x, y, 3) {
							return true
						}
					}
					return false
				}
				ps, _ := maskedPSNR(&out[i].Planes[0], &clean[i].Planes[0], moving)
				pn, _ := maskedPSNR(&spatial[i].Planes[0], &clean[i].Planes[0], moving)
				moveS += ps
				moveN += pn
				allS += psnr(&out[i].Planes[0], &clean[i].Planes[0], 0)
				allN += psnr(&spatial[i].Planes[0], &clean[i].Planes[0], 0)
			}
			k := float64(n - 4)
			t.Logf("square v=(%g,%g) r=%d causal=%v: moving region stnlm %.2f dB, nlm %.2f dB; whole frame %.2f, %.2f dB",
				sq.vx, sq.vy, cfg.Radius, cfg.Causal, moveS/k, moveN/k, allS/k, allN/k)
			if moveS < moveN {
				t.Errorf("square v=(%g,%g) r=%d causal=%v: moving region %.2f dB with stnlm, below spatial nlm's %.2f dB (ghosting)",
					sq.vx, sq.vy, cfg.Radius, cfg.Causal, moveS/k, moveN/k)
			}
			if allS/k < allN/k+0.5 {
				t.Errorf("square v=(%g,%g) r=%d causal=%v: whole frame %.2f dB, spatial nlm %.2f dB: want a gain ≥ 0.5 dB",
					sq.vx, sq.vy, cfg.Radius, cfg.Causal, allS/k, allN/k)
			}
		}
	}
}

// TestSTNLMSceneCut checks that the first frame after a cut is not blended with the frames
// before it: its output is the one it gets when the second shot is denoised on its own, and
// a frame of the first shot never borrows from the second either.
func TestSTNLMSceneCut(t *testing.T) {
	g := yuvGeom(160, 120)
	clean, starts := renderShots(g, []shot{
		{tex: newColourTexture(50), vx: 2.5, vy: -1.5, n: 6},
		{tex: newColourTexture(51), vx: -1.8, vy: 2.2, z: 1.02, n: 6}, // a zoom
	})
	src := noisy(clean, 20.0/255, 8)
	cut := starts[1]
	for _, cfg := range []WindowConfig{{Radius: 2}, {Radius: 1, Causal: true}} {
		name := fmt.Sprintf("r=%d causal=%v", cfg.Radius, cfg.Causal)
		sig := STNLMConfig{Window: cfg, Sigma: 20}
		all := runTemporal(t, newSTNLM(t, sig), src)
		second := runTemporal(t, newSTNLM(t, sig), reindex(src[cut:]))
		first := runTemporal(t, newSTNLM(t, sig), src[:cut])
		for _, c := range []struct {
			name      string
			got, want *frame.Frame
		}{
			{"first frame after the cut", all[cut], second[0]},
			{"last frame before the cut", all[cut-1], first[cut-1]},
		} {
			var worst float64
			for p := range c.got.Planes {
				for i, v := range c.got.Planes[p].Pix {
					worst = max(worst, math.Abs(float64(v-c.want.Planes[p].Pix[i])))
				}
			}
			t.Logf("%s %s: largest difference from the shot denoised alone %.2g (×255)", name, c.name, worst*255)
			if worst != 0 {
				t.Errorf("%s %s: differs by up to %.2f codes from its shot denoised alone: blended across the cut",
					name, c.name, worst*255)
			}
		}
		got, in := psnr(&all[cut].Planes[0], &clean[cut].Planes[0], 0), psnr(&src[cut].Planes[0], &clean[cut].Planes[0], 0)
		if got < in+4 {
			t.Errorf("%s: frame after the cut %.2f dB, noisy %.2f dB", name, got, in)
		}
		// Global motion (the pan, then the zoom) is followed: the temporal candidates pay.
		spatial := spatialNLM(t, src)
		var st, sp float64
		for i := range src {
			st += psnr(&all[i].Planes[0], &clean[i].Planes[0], 0)
			sp += psnr(&spatial[i].Planes[0], &clean[i].Planes[0], 0)
		}
		st, sp = st/float64(len(src)), sp/float64(len(src))
		t.Logf("%s: pan and zoom, stnlm %.2f dB, spatial nlm %.2f dB", name, st, sp)
		if st < sp+1 {
			t.Errorf("%s: pan and zoom: stnlm %.2f dB, spatial nlm %.2f dB, want ≥ +1 dB", name, st, sp)
		}
	}
}

// reindex copies frames with indices from 0.
func reindex(src []*frame.Frame) []*frame.Frame {
	out := make([]*frame.Frame, len(src))
	for i, s := range src {
		out[i] = newFrame(s.Geometry())
		out[i].CopyFrom(s)
		out[i].Index = int64(i)
	}
	return out
}

// TestSTNLMFormats runs every input kind: YUV 4:2:0, 4:2:2 and 4:4:4 at odd sizes, RGB, a
// 16-bit gray stack (fluorescence, MR slices) and a gray frame with alpha; every colour
// plane must gain clearly, alpha must pass through.
func TestSTNLMFormats(t *testing.T) {
	tex := newColourTexture(60)
	for _, tc := range []struct {
		name string
		f    frame.Format
		w, h int
	}{
		{"yuv420 odd", frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8}, 97, 71},
		{"yuv422", frame.Format{Layout: frame.YUV, ChromaShiftW: 1, BitDepth: 10}, 96, 64},
		{"yuv444", frame.Format{Layout: frame.YUV, BitDepth: 8}, 80, 64},
		{"rgb", frame.Format{Layout: frame.RGB, BitDepth: 8}, 64, 64},
		{"gray16", frame.Format{Layout: frame.Gray, BitDepth: 16}, 128, 96},
		{"gray+alpha", frame.Format{Layout: frame.Gray, Alpha: true, BitDepth: 8}, 64, 48},
	} {
		g := frame.Geometry{Format: tc.f, W: tc.w, H: tc.h}
		clean, _ := renderShots(g, []shot{{tex: tex, vx: 1.7, vy: 0.9, n: 6}})
		if tc.f.Alpha {
			for _, f := range clean {
				a := &f.Planes[1]
				for i := range a.Pix {
					a.Pix[i] = float32(i%7) / 6
				}
			}
		}
		src := noisy(clean, 15.0/255, 3)
		if tc.f.Alpha {
			for i := range src {
				src[i].Planes[1].CopyFrom(&clean[i].Planes[1])
			}
		}
		for _, cfg := range []WindowConfig{{Radius: 1}, {Radius: 2, Causal: true}} {
			out := runTemporal(t, newSTNLM(t, STNLMConfig{Window: cfg}), src)
			colour := tc.f.NumPlanes()
			if tc.f.Alpha {
				colour--
				for i := range out {
					for j, v := range out[i].Planes[colour].Pix {
						if v != clean[i].Planes[colour].Pix[j] {
							t.Fatalf("%s: alpha changed", tc.name)
						}
					}
				}
			}
			for p := 0; p < colour; p++ {
				var gain float64
				for i := range out {
					if out[i].Geometry() != g {
						t.Fatalf("%s: output %v, want %v", tc.name, out[i].Geometry(), g)
					}
					gain += psnr(&out[i].Planes[p], &clean[i].Planes[p], 0) - psnr(&src[i].Planes[p], &clean[i].Planes[p], 0)
				}
				gain /= float64(len(out))
				if gain < 4 {
					t.Errorf("%s %+v plane %d: %.2f dB over the noisy input, want ≥ 4", tc.name, cfg, p, gain)
				}
			}
		}
	}
}

// TestSTNLMLookahead checks the latency (r frames centred, none causal, where every push
// emits its own frame at once) and the neighbour count each output frame carries.
func TestSTNLMLookahead(t *testing.T) {
	g := yuvGeom(64, 48)
	clean, _ := renderShots(g, []shot{{tex: newColourTexture(70), vx: 1, n: 5}})
	src := noisy(clean, 10.0/255, 1)
	for _, cfg := range []WindowConfig{{Radius: 2}, {Radius: 2, Causal: true}, {Radius: 0}} {
		st := newSTNLM(t, STNLMConfig{Window: cfg})
		want := cfg.Radius
		if cfg.Causal {
			want = 0
		}
		if st.Lookahead() != want {
			t.Errorf("%+v: lookahead %d, want %d", cfg, st.Lookahead(), want)
		}
		emitted := 0
		var neighbours []int
		emit := func(f *frame.Frame) error {
			emitted++
			neighbours = append(neighbours, f.Neighbours)
			f.Release()
			return nil
		}
		for i, s := range src {
			f := newFrame(g)
			f.CopyFrom(s)
			if err := st.Push(f, emit); err != nil {
				t.Fatal(err)
			}
			if lag := i + 1 - emitted; lag != min(want, i+1) {
				t.Errorf("%+v: after %d frames %d emitted, want a lag of %d", cfg, i+1, emitted, want)
			}
		}
		if err := st.Flush(emit); err != nil {
			t.Fatal(err)
		}
		if emitted != len(src) {
			t.Errorf("%+v: %d frames out of %d", cfg, emitted, len(src))
		}
		// Frame.Neighbours: the frames of the window around each (a later stage reads it)
		for i, n := range neighbours {
			want := min(i, cfg.Radius)
			if !cfg.Causal {
				want += min(len(src)-1-i, cfg.Radius)
			}
			if n != want {
				t.Errorf("%+v: frame %d combined %d neighbours, want %d", cfg, i, n, want)
			}
		}
	}
}

func TestSTNLMSteadyStateDoesNotAllocate(t *testing.T) {
	for _, c := range steadyCases() {
		g, cfg := c.g, c.cfg
		clean, _ := renderShots(g, []shot{{tex: newColourTexture(80), vx: 1.3, vy: 0.4, n: 6}})
		src := noisy(clean, 15.0/255, 2)
		t.Run(c.name, func(t *testing.T) {
			st := newSTNLM(t, STNLMConfig{Window: cfg})
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
			}
			assertSteadyState(t, st, pool, g, push, emit)
		})
	}
}

func TestSTNLMConfigErrors(t *testing.T) {
	for _, cfg := range []STNLMConfig{
		{Sigma: -1}, {Sigma: 300}, {PatchRadius: -1}, {SearchRadius: 100}, {NeighbourSearch: 4},
		{NeighbourSearch: 35}, {HScale: -1}, {SigmaEvery: -2}, {Window: WindowConfig{Radius: -1}},
	} {
		if _, err := NewSTNLM(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// TestSTNLMParamsTable checks the table's shape: no neighbours gives the spatial table,
// the neighbours' h grows with σ, the centre frame's candidates weigh less the more
// neighbours there are, and radii stay in range.
func TestSTNLMParamsTable(t *testing.T) {
	if p := STNLMParams(20, 0); p.Spatial != nlm.DefaultParams(20) || p.Cross.H != 0 {
		t.Errorf("no neighbours: %v, want nlm's defaults", p)
	}
	prev := 0.0
	for s := 1.0; s <= 100; s += 3 {
		p := STNLMParams(s, 2)
		if p.Cross.H <= prev || p.Spatial.H <= 0 || p.Spatial.PatchRadius < 1 || p.Cross.PatchRadius < 1 ||
			p.Cross.SearchRadius < 0 || p.Spatial.SearchRadius > stSearch {
			t.Fatalf("σ=%g: %v", s, p)
		}
		prev = p.Cross.H
	}
	if a, b := STNLMParams(20, 1).Cross.SpatialWeight, STNLMParams(20, 4).Cross.SpatialWeight; !(a > b && b > 0 && a <= 1) {
		t.Errorf("spatial weights %g with 1 neighbour, %g with 4", a, b)
	}
}

// TestSTNLMFlushForgets: after Flush the stage starts afresh: a sequence denoised after
// another one (of another size, σ estimated) is what a new stage makes of it.
func TestSTNLMFlushForgets(t *testing.T) {
	for _, cfg := range []STNLMConfig{{Window: WindowConfig{Radius: 1}, Sigma: 20}, {Window: WindowConfig{Radius: 2}}} {
		a := noisy(renderShotsOnly(yuvGeom(96, 80), shot{tex: newColourTexture(60), vx: 1.5, vy: 0.5, n: 3}), 30.0/255, 3)
		b := noisy(renderShotsOnly(yuvGeom(112, 88), shot{tex: newColourTexture(61), vx: -2, vy: 1, n: 3}), 15.0/255, 4)
		st := newSTNLM(t, cfg)
		runTemporal(t, st, a)
		got := runTemporal(t, st, b)
		want := runTemporal(t, newSTNLM(t, cfg), b)
		for i := range b {
			for p := range got[i].Planes {
				for j, v := range got[i].Planes[p].Pix {
					if w := want[i].Planes[p].Pix[j]; v != w {
						t.Fatalf("σ %g: frame %d plane %d sample %d: %g after another sequence, %g alone", cfg.Sigma, i, p, j, v, w)
					}
				}
			}
		}
	}
}

func renderShotsOnly(g frame.Geometry, s shot) []*frame.Frame {
	f, _ := renderShots(g, []shot{s})
	return f
}

// assertSteadyState pushes 12 frames to warm st up, then checks that a push allocates nothing
// and takes no new frame from the pools, flushes st and checks every input frame came back.
// steadyCase is a geometry and window the steady-state tests run.
type steadyCase struct {
	name string
	g    frame.Geometry
	cfg  WindowConfig
}

// steadyCases: 4:2:0 with neighbours, centred and causal, and colour frames with none, which
// take nlm's joint path (an RGB and a 4:4:4 picture sequence at radius 0), and with
// neighbours, weighed jointly too (BeginJoint).
func steadyCases() []steadyCase {
	rgb := frame.Geometry{Format: frame.Format{Layout: frame.RGB, BitDepth: 8}, W: 96, H: 80}
	yuv444 := frame.Geometry{Format: frame.Format{Layout: frame.YUV, BitDepth: 8}, W: 96, H: 80}
	return []steadyCase{
		{"r=2", yuvGeom(128, 96), WindowConfig{Radius: 2}},
		{"r=1 causal", yuvGeom(128, 96), WindowConfig{Radius: 1, Causal: true}},
		{"rgb r=0", rgb, WindowConfig{}},
		{"yuv444 r=0", yuv444, WindowConfig{}},
		{"rgb r=2", rgb, WindowConfig{Radius: 2}},
		{"yuv444 r=1 causal", yuv444, WindowConfig{Radius: 1, Causal: true}},
	}
}

func assertSteadyState(t *testing.T, st *STNLM, pool *frame.Pool, g frame.Geometry, push func(), emit func(*frame.Frame) error) {
	t.Helper()
	for range 12 {
		push()
	}
	warm, outs := pool.Allocated(), st.Allocated()
	if a := testing.AllocsPerRun(20, push); a != 0 {
		t.Errorf("%v allocations per frame in the steady state", a)
	}
	if pool.Allocated() != warm || st.Allocated() != outs {
		t.Errorf("frames allocated after warm-up: %d input, %d output", pool.Allocated()-warm, st.Allocated()-outs)
	}
	if err := st.Flush(emit); err != nil {
		t.Fatal(err)
	}
	assertAllReleasedOf(t, "stnlm", pool, g)
}

// TestSTNLMColourStill checks that a colour picture with no neighbours (a single frame) is
// denoised with one set of weights for its three planes, exactly as mode nlm does it, RGB and
// YUV 4:4:4 alike, while a 4:2:0 one keeps per-plane weights (the same as nlm again).
func TestSTNLMColourStill(t *testing.T) {
	tex := newColourTexture(40)
	for _, f := range []frame.Format{
		{Layout: frame.RGB, BitDepth: 8},
		{Layout: frame.YUV, BitDepth: 8},
		{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8},
	} {
		g := frame.Geometry{Format: f, W: 75, H: 66}
		clean, _ := renderShots(g, []shot{{tex: tex, n: 1}})
		src := noisy(clean, 20.0/255, 5)
		want := spatialNLM(t, src)
		for _, cfg := range []WindowConfig{{Radius: 2}, {Radius: 1, Causal: true}} {
			out := runTemporal(t, newSTNLM(t, STNLMConfig{Window: cfg}), src)
			for p := range 3 {
				for y := range out[0].Planes[p].H {
					got, w := out[0].Planes[p].Row(y), want[0].Planes[p].Row(y)
					for x := range got {
						if got[x] != w[x] {
							t.Fatalf("%v %+v plane %d (%d,%d): stnlm %v, nlm %v", f, cfg, p, x, y, got[x], w[x])
						}
					}
				}
			}
		}
	}
}

// TestSTNLMColourJoint checks that the three planes of RGB frames with neighbours share one
// set of weights, and that it pays: on a moving colour texture with noise, the colour PSNR
// over all planes beats per-plane weights (PerPlane) by 1 dB, and every plane gains. A 4:4:4
// frame with neighbours is weighed per plane.
func TestSTNLMColourJoint(t *testing.T) {
	tex := newColourTexture(70)
	for _, f := range []frame.Format{{Layout: frame.RGB, BitDepth: 8}, {Layout: frame.YUV, BitDepth: 8}} {
		g := frame.Geometry{Format: f, W: 96, H: 80}
		clean := renderShotsOnly(g, shot{tex: tex, vx: 1.6, vy: -0.7, n: 8})
		src := noisy(clean, 20.0/255, 9)
		if f.Layout == frame.YUV {
			a := runTemporal(t, newSTNLM(t, STNLMConfig{Window: WindowConfig{Radius: 2}}), src)
			b := runTemporal(t, newSTNLM(t, STNLMConfig{Window: WindowConfig{Radius: 2}, PerPlane: true}), src)
			for i := range a {
				for p := range 3 {
					if !slices.Equal(a[i].Planes[p].Pix, b[i].Planes[p].Pix) {
						t.Fatalf("4:4:4 frame %d plane %d: differs from per-plane weights", i, p)
					}
				}
			}
			continue
		}
		var joint, plane [3]float64
		var jointAll, planeAll float64
		for _, perPlane := range []bool{false, true} {
			out := runTemporal(t, newSTNLM(t, STNLMConfig{Window: WindowConfig{Radius: 2}, PerPlane: perPlane}), src)
			res, all := &joint, &jointAll
			if perPlane {
				res, all = &plane, &planeAll
			}
			for i := range out {
				var mse float64
				for p := range 3 {
					ps := psnr(&out[i].Planes[p], &clean[i].Planes[p], 0)
					res[p] += ps / float64(len(out))
					mse += math.Pow(10, -ps/10) / 3
				}
				*all += -10 * math.Log10(mse) / float64(len(out))
			}
		}
		t.Logf("%v: joint %.2f dB %.2f, per plane %.2f dB %.2f", f, jointAll, joint, planeAll, plane)
		if jointAll < planeAll+1 {
			t.Errorf("%v: joint weights %.2f dB, per plane %.2f: want ≥ 1 dB more", f, jointAll, planeAll)
		}
		for p := range 3 {
			if joint[p] < plane[p] {
				t.Errorf("%v plane %d: joint %.2f dB, per plane %.2f", f, p, joint[p], plane[p])
			}
		}
	}
}
