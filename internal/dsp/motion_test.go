package dsp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// motionWidths are the parity widths and the window widths motion search uses (8×8 blocks,
// 12 with an overlap of 2, 16).
var motionWidths = append([]int{8, 12, 16}, parityWidths...)

// nanWindow returns a buffer whose rows are stride apart, starting off samples in, holding
// random samples in a w×h window and NaN everywhere else, cut right after the window's last
// sample: a kernel that reads outside the window gets NaN or panics.
func nanWindow(r *rand.Rand, w, h, stride, off int) []float32 {
	buf := make([]float32, off+(h-1)*stride+w)
	for i := range buf {
		buf[i] = guardF32
	}
	for y := range h {
		copy(buf[off+y*stride:][:w], randF32(r, w, 0, 1))
	}
	return buf[off:]
}

type ssdCase struct {
	name   string
	ax, ay float32
}

var ssdCases = []ssdCase{{"whole", 0, 0}, {"h", 0.25, 0}, {"v", 0, 0.75}, {"hv", 0.5, 0.25}, {"hv2", 0.75, 0.5}}

func TestSSDParity(t *testing.T) {
	needFast(t, fastSSD != nil && fastSSDLerpH != nil && fastSSDLerpV != nil && fastSSDBilinear != nil)
	rng := rand.New(rand.NewPCG(7, 8))
	inf := float32(math.Inf(1))
	for _, c := range ssdCases {
		gen, fast := pickSSD(c, false), pickSSD(c, true)
		for _, w := range motionWidths {
			for _, h := range []int{1, 2, 3, 8, 9, 12} {
				for _, off := range []int{0, 1, 3} {
					as, bs := w+off+5, w+2*off+9
					rw, rh := w, h
					if c.ax != 0 {
						rw++
					}
					if c.ay != 0 {
						rh++
					}
					a := nanWindow(rng, w, h, as, off)
					b := nanWindow(rng, rw, rh, bs, 2*off+1)
					what := fmt.Sprintf("%s %dx%d off %d", c.name, w, h, off)
					want := gen(a, as, b, bs, w, h, inf)
					got := fast(a, as, b, bs, w, h, inf)
					checkUpperClean(t, what)
					if !closeF32(got, want) {
						t.Fatalf("%s: %g, reference %g", what, got, want)
					}
					if math.IsNaN(float64(got)) {
						t.Fatalf("%s: read outside the window", what)
					}
					// A limit may stop the sum early, never below the limit.
					lim := want / 2
					got = fast(a, as, b, bs, w, h, lim)
					checkUpperClean(t, what+" stopped early")
					if got < lim {
						t.Fatalf("%s with limit %g: %g", what, lim, got)
					}
					// The sub-pixel search ranks candidates by the partial sums of those
					// that stopped early: those must stop where the reference does.
					if c.ax != 0 || c.ay != 0 {
						if ref := gen(a, as, b, bs, w, h, lim); !closeF32(got, ref) {
							t.Fatalf("%s with limit %g: stopped at %g, reference at %g", what, lim, got, ref)
						}
					}
					if got := fast(a, as, b, bs, w, h, want*2); !closeF32(got, want) {
						t.Fatalf("%s with a limit above it: %g, reference %g", what, got, want)
					}
				}
			}
		}
	}
}

// pickSSD returns the kernel SSDBilinear would use for c, fast or reference.
func pickSSD(c ssdCase, fast bool) func(a []float32, as int, b []float32, bs int, w, h int, limit float32) float32 {
	switch {
	case c.ax == 0 && c.ay == 0:
		if fast {
			return fastSSD
		}
		return ssdGeneric
	case c.ay == 0:
		f := ssdLerpHGeneric
		if fast {
			f = fastSSDLerpH
		}
		return func(a []float32, as int, b []float32, bs int, w, h int, limit float32) float32 {
			return f(a, as, b, bs, w, h, c.ax, limit)
		}
	case c.ax == 0:
		f := ssdLerpVGeneric
		if fast {
			f = fastSSDLerpV
		}
		return func(a []float32, as int, b []float32, bs int, w, h int, limit float32) float32 {
			return f(a, as, b, bs, w, h, c.ay, limit)
		}
	}
	f := ssdBilinearGeneric
	if fast {
		f = fastSSDBilinear
	}
	return func(a []float32, as int, b []float32, bs int, w, h int, limit float32) float32 {
		return f(a, as, b, bs, w, h, c.ax, c.ay, limit)
	}
}

// TestSSDDefinition holds the references to the plain definition.
func TestSSDDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inf := float32(math.Inf(1))
	for _, c := range ssdCases {
		for _, w := range motionWidths {
			for _, h := range []int{1, 5, 8} {
				as, bs := w+3, w+7
				a := nanWindow(rng, w, h, as, 0)
				b := nanWindow(rng, w+1, h+1, bs, 0)
				var want float64
				for y := range h {
					for x := range w {
						p := b[y*bs+x]
						if c.ax != 0 || c.ay != 0 {
							p00, p01 := float64(b[y*bs+x]), float64(b[y*bs+x+1])
							p10, p11 := float64(b[(y+1)*bs+x]), float64(b[(y+1)*bs+x+1])
							ax, ay := float64(c.ax), float64(c.ay)
							p = float32((1-ay)*((1-ax)*p00+ax*p01) + ay*((1-ax)*p10+ax*p11))
						}
						e := float64(a[y*as+x] - p)
						want += e * e
					}
				}
				got := SSDBilinear(a, as, b, bs, w, h, c.ax, c.ay, inf)
				if c.ax == 0 && c.ay == 0 {
					got = SSD(a, as, b, bs, w, h, inf)
				}
				if math.Abs(float64(got)-want) > 1e-4*max(want, 1) {
					t.Errorf("%s %dx%d: %g, want %g", c.name, w, h, got, want)
				}
			}
		}
	}
}

func TestDownsample2RowParity(t *testing.T) {
	needFast(t, fastDownsample2Row != nil)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, w := range append([]int{2, 16, 32, 33, 48}, parityWidths...) {
		for _, off := range []int{0, 1, 3} {
			n := (w + 1) / 2
			r0 := randF32(rng, w+off, 0, 1)[off:]
			r1 := randF32(rng, w+off+4, 0, 1)[off:]
			want := make([]float32, n)
			downsample2RowGeneric(want, r0, r1)
			for _, m := range []int{n, n - 1} {
				if m < 1 {
					continue
				}
				g := newGuardedF32(m, off)
				fastDownsample2Row(g.Data, r0, r1)
				g.check(t, fmt.Sprintf("downsample w=%d off %d", w, off))
				for i := range m {
					if g.Data[i] != want[i] {
						t.Fatalf("downsample w=%d off %d: sample %d = %g, reference %g", w, off, i, g.Data[i], want[i])
					}
				}
			}
		}
	}
}

func BenchmarkSSD(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	const stride = 1024
	a := randF32(rng, stride*40, 0, 1)
	r := randF32(rng, stride*40, 0, 1)
	inf := float32(math.Inf(1))
	for _, c := range ssdCases {
		for _, w := range []int{8, 12} {
			for _, k := range []struct {
				name string
				f    func(a []float32, as int, b []float32, bs int, w, h int, limit float32) float32
			}{{"generic", pickSSD(c, false)}, {"avx2", fastIfAny(c)}} {
				if k.f == nil {
					continue
				}
				b.Run(fmt.Sprintf("%s/%dx%d/%s", c.name, w, w, k.name), func(b *testing.B) {
					var s float32
					for i := 0; b.Loop(); i++ {
						o := (i * 37) % 512
						s += k.f(a[o:], stride, r[o+3:], stride, w, w, inf)
					}
					motionSink = s
				})
			}
		}
	}
}

func fastIfAny(c ssdCase) func(a []float32, as int, b []float32, bs int, w, h int, limit float32) float32 {
	if fastSSD == nil {
		return nil
	}
	return pickSSD(c, true)
}

func BenchmarkDownsample2Row(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	r0, r1 := randF32(rng, 1280, 0, 1), randF32(rng, 1280, 0, 1)
	dst := make([]float32, 640)
	b.Run("generic", func(b *testing.B) {
		for b.Loop() {
			downsample2RowGeneric(dst, r0, r1)
		}
	})
	if fastDownsample2Row != nil {
		b.Run("avx2", func(b *testing.B) {
			for b.Loop() {
				fastDownsample2Row(dst, r0, r1)
			}
		})
	}
}

var motionSink float32
