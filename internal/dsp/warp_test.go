package dsp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The warp kernels are exact: the fast versions must match the references bit for bit.

func exactF32(t testing.TB, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: sample %d = %g, reference %g", what, i, got[i], want[i])
		}
	}
}

// warpTaps places n samples on a grid of blocks of bs, as the compensator does.
func warpTaps(n, bs int) ([]WarpTap, int) {
	nb := (n + bs - 1) / bs
	taps := make([]WarpTap, n)
	for i := range taps {
		t := (float32(i)+0.5)/float32(bs) - 0.5
		switch {
		case !(t > 0):
			taps[i] = WarpTap{0, 0, 0}
		case t >= float32(nb-1):
			taps[i] = WarpTap{int32(nb - 1), int32(nb - 1), 0}
		default:
			k := int(t)
			taps[i] = WarpTap{int32(k), int32(k + 1), t - float32(k)}
		}
	}
	return taps, nb
}

func warpCols(taps []WarpTap) *WarpCols {
	var c WarpCols
	c.Set(taps)
	return &c
}

func TestWarpRowParity(t *testing.T) {
	needFast(t, fastWarpRow != nil)
	rng := rand.New(rand.NewPCG(9, 10))
	for _, w := range append([]int{8, 16, 64}, parityWidths...) {
		for _, h := range []int{1, 2, 9} {
			for _, off := range []int{0, 1, 3} {
				stride := w + off + 3
				src := randF32(rng, off+(h-1)*stride+w, 0, 1)[off:]
				taps, nb := warpTaps(w, 4+4*(off&1)) // chroma's runs of 4, luma's of 8
				cols := warpCols(taps)
				for _, motion := range []string{"still", "pan", "smooth", "zoom", "tilt", "shrink", "wild", "edge"} {
					vx, vy := make([]float32, nb), make([]float32, nb)
					if off != 1 {
						// room past the vectors, as the compensator leaves it, with
						// values the warp must not pick
						vx, vy = make([]float32, nb, nb+8), make([]float32, nb, nb+8)
						for i := nb; i < nb+8; i++ {
							vx[:nb+8][i], vy[:nb+8][i] = float32(math.NaN()), float32(math.Inf(1))
						}
					}
					for i := range vx {
						switch motion {
						case "pan":
							vx[i], vy[i] = 1.25, -0.5
						case "smooth":
							vx[i], vy[i] = 0.3+0.02*float32(i), 0.7-0.01*float32(i)
						case "zoom": // 1/16 more per block of 8 or 4: taps 1 to 2 columns apart
							vx[i], vy[i] = 0.3+0.5*float32(i), 0.45+0.3*float32(i)
						case "tilt": // rows that cross a whole pixel inside a group, up or down
							vx[i], vy[i] = 0.2, 0.1+0.35*float32(i%5)-0.5*float32(i%3)
						case "shrink": // and the other way: two pixels apart
							vx[i], vy[i] = 0.3-2*float32(i), 0.7
						case "wild":
							vx[i], vy[i] = 8*rng.Float32()-4, 8*rng.Float32()-4
						case "edge":
							vx[i], vy[i] = -float32(w), float32(h)
						}
					}
					for _, y := range []int{0, h / 2, h - 1} {
						want := make([]float32, w)
						warpRowGeneric(want, y, vx, vy, cols, src, stride, w, h)
						what := fmt.Sprintf("warp %s %dx%d y=%d off %d", motion, w, h, y, off)
						g := newGuardedF32(w, off)
						fastWarpRow(g.Data, y, vx, vy, cols, src, stride, w, h)
						g.check(t, what)
						exactF32(t, what, g.Data, want)
					}
				}
			}
		}
	}
}

func TestWarpRowKernelsParity(t *testing.T) {
	needFast(t, fastWarpSqDiffRow != nil && fastWarpBoxMeanRow != nil && fastWarpAddRow != nil &&
		fastWarpSubRow != nil && fastWarpScaleRow != nil && fastWarpScalePosRow != nil &&
		fastWarpTrustRow != nil && fastWarpAccumRow != nil && fastWarpDivRow != nil)
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range append([]int{8, 16, 40}, parityWidths...) {
		for _, off := range []int{0, 1, 3} {
			a := randF32(rng, n+off, -0.5, 1)[off:]
			b := randF32(rng, n+off, 0, 1)[off:]
			ws := randF32(rng, n+off, 0.5, 3)[off:]
			rel := randF32(rng, 2*n+off, 0, 1)[off:]
			run := func(name string, gen, fast func(d []float32), init []float32) {
				t.Helper()
				want := append([]float32(nil), init...)
				gen(want)
				what := fmt.Sprintf("%s n=%d off %d", name, n, off)
				g := newGuardedF32(n, off)
				g.fill(init)
				fast(g.Data)
				g.check(t, what)
				exactF32(t, what, g.Data, want)
			}
			run("sqdiff", func(d []float32) { warpSqDiffRowGeneric(d, a, b) }, func(d []float32) { fastWarpSqDiffRow(d, a, b) }, b)
			for _, r := range []int{0, 1, 2, 5, 16} {
				run(fmt.Sprintf("box r=%d", r), func(d []float32) { warpBoxMeanRowGeneric(d, b, r) }, func(d []float32) { fastWarpBoxMeanRow(d, b, r) }, a)
			}
			run("add", func(d []float32) { warpAddRowGeneric(d, b) }, func(d []float32) { fastWarpAddRow(d, b) }, a)
			run("sub", func(d []float32) { warpSubRowGeneric(d, b) }, func(d []float32) { fastWarpSubRow(d, b) }, a)
			run("scale", func(d []float32) { warpScaleRowGeneric(d, 0.37) }, func(d []float32) { fastWarpScaleRow(d, 0.37) }, a)
			run("scalepos", func(d []float32) { warpScalePosRowGeneric(d, a, 0.2) }, func(d []float32) { fastWarpScalePosRow(d, a, 0.2) }, b)
			run("trust", func(d []float32) { warpTrustRowGeneric(d, 3.5, 1.5, 1) }, func(d []float32) { fastWarpTrustRow(d, 3.5, 1.5, 1) }, b)
			run("div", func(d []float32) { warpDivRowGeneric(d, ws) }, func(d []float32) { fastWarpDivRow(d, ws) }, a)
			for _, sw := range []int{0, 1} {
				// d and ws are both outputs: run twice, checking each.
				wsG, wsF := append([]float32(nil), ws...), newGuardedF32(n, off)
				wsF.fill(ws)
				run(fmt.Sprintf("accum sw=%d", sw), func(d []float32) { warpAccumRowGeneric(d, wsG, b, rel, sw) },
					func(d []float32) { fastWarpAccumRow(d, wsF.Data, b, rel, sw) }, a)
				wsF.check(t, "accum weights")
				exactF32(t, fmt.Sprintf("accum weights sw=%d n=%d", sw, n), wsF.Data, wsG)
			}
		}
	}
}

func BenchmarkWarpRow(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	const w, h = 1280, 32
	stride := w
	src := randF32(rng, w*h, 0, 1)
	taps, nb := warpTaps(w, 8)
	cols := warpCols(taps)
	vec := func() []float32 { return make([]float32, nb, nb+8) } // room past the vectors, as the compensator leaves it
	pan, zoom := [2][]float32{vec(), vec()}, [2][]float32{vec(), vec()}
	for i := range nb {
		pan[0][i], pan[1][i] = 3.3+0.01*float32(i%7), -2.1+0.01*float32(i%5)
		// a zoom of 0.5 % a frame about the row's middle, as a camera's
		zoom[0][i], zoom[1][i] = 0.005*(float32(8*i+4)-w/2), 0.3
	}
	noisy := [2][]float32{vec(), vec()}
	for i := range nb {
		// an estimated field: neighbouring blocks' vectors up to half a pixel apart
		noisy[0][i], noisy[1][i] = 3.3+0.5*rng.Float32(), -2.1+0.5*rng.Float32()
	}
	dst := make([]float32, w)
	for _, k := range []struct {
		name string
		f    func(dst []float32, y int, vx, vy []float32, cols *WarpCols, src []float32, stride, w, h int)
	}{{"generic", warpRowGeneric}, {"avx2", fastWarpRow}} {
		if k.f == nil {
			continue
		}
		for _, m := range []struct {
			name string
			v    [2][]float32
		}{{"pan", pan}, {"zoom", zoom}, {"noisy", noisy}} {
			b.Run(k.name+"/"+m.name, func(b *testing.B) {
				for b.Loop() {
					k.f(dst, 16, m.v[0], m.v[1], cols, src, stride, w, h)
				}
			})
		}
	}
}

func TestWarpTapsAndGradParity(t *testing.T) {
	needFast(t, fastWarpTapsMulRow != nil && fastWarpGradRow != nil)
	rng := rand.New(rand.NewPCG(15, 16))
	for _, n := range append([]int{8, 16, 64, 65, 200, 256, 300, 1283}, parityWidths...) {
		for _, bs := range []int{4, 8, 16, 6} {
			taps, nb := warpTaps(n, bs)
			cols := warpCols(taps)
			runs, wts := cols.Runs, cols.W
			f0, f1 := randF32(rng, nb, 0, 1), randF32(rng, nb, 0, 1)
			d0 := randF32(rng, n, 0, 1)
			want := append([]float32(nil), d0...)
			warpTapsMulRowGeneric(want, f0, f1, 0.3, runs, wts)
			what := fmt.Sprintf("taps n=%d bs=%d", n, bs)
			g := newGuardedF32(n, 1)
			g.fill(d0)
			fastWarpTapsMulRow(g.Data, f0, f1, 0.3, runs, wts)
			g.check(t, what)
			exactF32(t, what, g.Data, want)

			row, next := randF32(rng, n, 0, 1), randF32(rng, n, 0, 1)
			for _, nx := range [][]float32{next, nil} {
				gw := randF32(rng, nb, 0, 1)
				what := fmt.Sprintf("grad n=%d bs=%d next %v", n, bs, nx != nil)
				gg := newGuardedF32(nb, 1)
				gg.fill(gw)
				// the definition: every column's differences added into its block, in order
				ref := append([]float32(nil), gw...)
				for x := range row {
					ref[x/bs] += warpGradAt(row, nx, x)
				}
				warpGradRowGeneric(gw, row, nx, bs)
				exactF32(t, what+" (reference)", gw, ref)
				fastWarpGradRow(gg.Data, row, nx, bs)
				gg.check(t, what)
				exactF32(t, what, gg.Data, gw)
			}
		}
	}
}
