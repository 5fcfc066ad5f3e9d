package dsp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

func TestNLMExp2Neg(t *testing.T) {
	var worst float64
	for i := 0; i <= 300000; i++ {
		u := float32(float64(i) / 300000 * nlmTail2)
		got, want := float64(NLMExp2Neg(u)), math.Exp2(-float64(u))
		worst = max(worst, math.Abs(got-want)/want)
	}
	if worst > 1e-6 {
		t.Fatalf("NLMExp2Neg: relative error up to %.2e", worst)
	}
	t.Logf("NLMExp2Neg: relative error up to %.2e", worst)
}

// The weight against exp(−max(d²−2σ², 0)/h²) (the test the table it replaces passed).
func TestNLMWeight(t *testing.T) {
	for _, c := range []struct{ n, sigma, h float64 }{{9, 10, 4}, {25, 25, 10}, {49, 0, 8}, {81, 50, 17.5}} {
		w := NewNLMWeight(int(c.n), c.sigma/255, c.h/255)
		s2, h2 := math.Pow(c.sigma/255, 2), math.Pow(c.h/255, 2)
		for i := 0; i < 20000; i++ {
			ssd := float64(i) / 20000 * c.n * (2*s2 + 40*h2)
			tt := max(ssd/c.n-2*s2, 0) / h2
			want := math.Exp(-tt)
			if tt >= NLMTail {
				want = 0
			}
			got := float64(w.Of(float32(ssd)))
			if math.Abs(got-want) > 2e-5 && !(math.Abs(tt-NLMTail) < 1e-3) {
				t.Fatalf("n=%v σ=%v h=%v ssd=%g: weight %g exp %g", c.n, c.sigma, c.h, ssd, got, want)
			}
		}
	}
	if w := NewNLMWeight(9, 0.1, 0.05).Scaled(0.5); w.Of(0) != 0.5 {
		t.Fatalf("scaled weight of 0 = %g, want 0.5", w.Of(0))
	}
}

func TestNLMSumCols(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, box, stride = 37, 5, 41
	ring := randF32(r, box*stride, 0, 1)
	col := make([]float32, n)
	NLMSumCols(col, ring, stride, box)
	for i := range col {
		var s float32
		for k := range box {
			s += ring[k*stride+i]
		}
		if col[i] != s {
			t.Fatalf("col[%d] = %g, want %g", i, col[i], s)
		}
	}
}

// nlmWeights are the weights the parity tests use: σ and h like the presets', the SSDs of
// the random rows spanning the whole curve (flat part, exponential, cut-off).
var nlmWeights = []NLMWeight{
	NewNLMWeight(9, 15.0/255, 15.0/255),
	NewNLMWeight(25, 25.0/255, 20.0/255).Scaled(0.5),
	NewNLMWeight(49, 20.0/255, 4.0/255),
}

// colRow is a row of column sums for patches of box rows of squared differences in [0, 1)
// scaled like real ones: mostly small, some large.
func colRow(r *rand.Rand, n, box int) []float32 {
	c := make([]float32, n)
	for i := range c {
		v := r.Float32()
		c[i] = float32(box) * v * v * v * 0.05
	}
	return c
}

// Benchmarks: one 1280-sample row in cache, the reference and the fast kernel side by side;
// cpu-ns/px is the thread's CPU time per pixel (per pixel and offset for the three-offset
// kernels), steadier than the wall time on a shared machine.

func benchKernels(b *testing.B, generic, fast func(), px int) {
	for _, k := range []struct {
		name string
		fn   func()
	}{{"generic", generic}, {"avx2", fast}} {
		b.Run(k.name, func(b *testing.B) {
			if k.fn == nil {
				b.Skip("no fast kernel")
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			c0 := benchCPU()
			for b.Loop() {
				k.fn()
			}
			b.ReportMetric(float64(benchCPU()-c0)/float64(b.N)/float64(px), "cpu-ns/px")
		})
	}
}

func BenchmarkNLMUpdateCols(b *testing.B) {
	const n = 1280
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randF32(r, n+2, 0, 1), randF32(r, n+2, 0, 1)
	col, ring := make([]float32, n), make([]float32, n)
	var fast func()
	if fastNLMUpdateCols != nil {
		fast = func() { fastNLMUpdateCols(col, ring, x, y) }
	}
	b.Run("1", func(b *testing.B) {
		benchKernels(b, func() { nlmUpdateColsGeneric(col, ring, x, y) }, fast, n)
	})
	var c, rg [3][]float32
	for i := range c {
		c[i], rg[i] = make([]float32, n), make([]float32, n)
	}
	fast = nil
	if fastNLMUpdateCols3 != nil {
		fast = func() { fastNLMUpdateCols3(c[0], c[1], c[2], rg[0], rg[1], rg[2], x, y) }
	}
	b.Run("3", func(b *testing.B) {
		benchKernels(b, func() { nlmUpdateCols3Generic(c[0], c[1], c[2], rg[0], rg[1], rg[2], x, y) }, fast, 3*n)
	})
}

func BenchmarkNLMAccumRow(b *testing.B) {
	const n = 1280
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randF32(r, n, 0, 1), randF32(r, n, 0, 1)
	acc := make([]float32, 4*n)
	for _, box := range []int{3, 5, 7} {
		col := colRow(r, n+box-1, box)
		wt := NewNLMWeight(box*box, 25.0/255, 17.0/255)
		var fast func()
		if fastNLMAccumRow != nil {
			fast = func() { fastNLMAccumRow(wt, col, box, x, y, acc[:n], acc[n:2*n], acc[2*n:3*n], acc[3*n:]) }
		}
		b.Run(fmt.Sprintf("box=%d", box), func(b *testing.B) {
			benchKernels(b, func() { nlmAccumRowGeneric(wt, col, box, x, y, acc[:n], acc[n:2*n], acc[2*n:3*n], acc[3*n:]) }, fast, n)
		})
	}
}

func BenchmarkNLMAccumRow3(b *testing.B) {
	const n = 1280
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randF32(r, n, 0, 1), randF32(r, n+2, 0, 1)
	acc := make([]float32, 4*(n+2))
	m := n + 2
	for _, box := range []int{3, 5, 7} {
		c0, c1, c2 := colRow(r, n+box-1, box), colRow(r, n+box-1, box), colRow(r, n+box-1, box)
		wt := NewNLMWeight(box*box, 25.0/255, 17.0/255)
		var fast func()
		if fastNLMAccumRow3 != nil {
			fast = func() { fastNLMAccumRow3(wt, c0, c1, c2, box, x, y, acc[:n], acc[m:m+n], acc[2*m:3*m], acc[3*m:]) }
		}
		b.Run(fmt.Sprintf("box=%d", box), func(b *testing.B) {
			benchKernels(b, func() { nlmAccumRow3Generic(wt, c0, c1, c2, box, x, y, acc[:n], acc[m:m+n], acc[2*m:3*m], acc[3*m:]) }, fast, 3*n)
		})
	}
}

func BenchmarkNLMCrossRow3(b *testing.B) {
	const n = 1280
	r := rand.New(rand.NewPCG(1, 1))
	vq, rel := randF32(r, n+2, 0, 1), randF32(r, n+2, 0, 1)
	acc := make([]float32, 2*n)
	for _, box := range []int{3, 5} {
		c0, c1, c2 := colRow(r, n+box-1, box), colRow(r, n+box-1, box), colRow(r, n+box-1, box)
		wt := NewNLMWeight(box*box, 20.0/255, 20.0/255)
		var fast func()
		if fastNLMCrossRow3 != nil {
			fast = func() { fastNLMCrossRow3(wt, c0, c1, c2, box, vq, rel, acc[:n], acc[n:]) }
		}
		b.Run(fmt.Sprintf("box=%d", box), func(b *testing.B) {
			benchKernels(b, func() { nlmCrossRow3Generic(wt, c0, c1, c2, box, vq, rel, acc[:n], acc[n:]) }, fast, 3*n)
		})
	}
}

func TestNLMAddSumCols(t *testing.T) {
	const n, stride, box = 37, 41, 5
	rng := rand.New(rand.NewPCG(3, 4))
	ring := make([]float32, stride*box)
	for i := range ring {
		ring[i] = rng.Float32()
	}
	col := make([]float32, n)
	for i := range col {
		col[i] = rng.Float32()
	}
	want := make([]float64, n)
	for i := range want {
		want[i] = float64(col[i])
		for k := range box {
			want[i] += float64(ring[k*stride+i])
		}
	}
	NLMAddSumCols(col, ring, stride, box)
	for i, v := range col {
		if math.Abs(float64(v)-want[i]) > 1e-5 {
			t.Fatalf("col[%d] = %v, want %v", i, v, want[i])
		}
	}
}

// TestNLMAccumRow3Joint checks the joint kernel against NLMAccumRow3's reference run once per
// channel on the same column sums (the weights accumulated once).
func TestNLMAccumRow3Joint(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, w := range []int{1, 7, 40, nlmChunk + 11} {
		const box = 3
		var cols [3][]float32
		for i := range cols {
			cols[i] = colRow(r, w+box-1, box)
		}
		var vp, vq, dv, rv, wdv, wrv [3][]float32
		for c := range 3 {
			vp[c], vq[c] = randF32(r, w, 0, 1), randF32(r, w+2, 0, 1)
			dv[c], rv[c] = randF32(r, w, 0, 3), randF32(r, w+2, 0, 3)
			wdv[c], wrv[c] = append([]float32(nil), dv[c]...), append([]float32(nil), rv[c]...)
		}
		dw, rw := randF32(r, w, 0, 3), randF32(r, w+2, 0, 3)
		wdw, wrw := append([]float32(nil), dw...), append([]float32(nil), rw...)
		for c := range 3 {
			tw, trw := wdw, wrw
			if c > 0 {
				tw, trw = make([]float32, w), make([]float32, w+2)
			}
			nlmAccumRow3Generic(nlmWeights[1], cols[0], cols[1], cols[2], box, vp[c], vq[c], tw, wdv[c], trw, wrv[c])
		}
		NLMAccumRow3Joint(nlmWeights[1], cols[0], cols[1], cols[2], box, &vp, &vq, &dv, &rv, dw, rw)
		what := fmt.Sprintf("NLMAccumRow3Joint w=%d", w)
		compareF32(t, what+" dw", dw, wdw)
		compareF32(t, what+" rw", rw, wrw)
		for c := range 3 {
			compareF32(t, what+" dv", dv[c], wdv[c])
			compareF32(t, what+" rv", rv[c], wrv[c])
		}
	}
}

// TestNLMAccumRowJoint checks the one-offset joint kernel against NLMAccumRow's reference run
// once per channel on the same column sums (the weights accumulated once).
func TestNLMAccumRowJoint(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, w := range []int{1, 7, 40, nlmChunk + 11} {
		const box = 3
		col := colRow(r, w+box-1, box)
		var vp, vq, dv, rv, wdv, wrv [3][]float32
		for c := range 3 {
			vp[c], vq[c] = randF32(r, w, 0, 1), randF32(r, w, 0, 1)
			dv[c], rv[c] = randF32(r, w, 0, 3), randF32(r, w, 0, 3)
			wdv[c], wrv[c] = append([]float32(nil), dv[c]...), append([]float32(nil), rv[c]...)
		}
		dw, rw := randF32(r, w, 0, 3), randF32(r, w, 0, 3)
		wdw, wrw := append([]float32(nil), dw...), append([]float32(nil), rw...)
		for c := range 3 {
			tw, trw := wdw, wrw
			if c > 0 {
				tw, trw = make([]float32, w), make([]float32, w)
			}
			nlmAccumRowGeneric(nlmWeights[1], col, box, vp[c], vq[c], tw, wdv[c], trw, wrv[c])
		}
		NLMAccumRowJoint(nlmWeights[1], col, box, &vp, &vq, &dv, &rv, dw, rw)
		what := fmt.Sprintf("NLMAccumRowJoint w=%d", w)
		compareF32(t, what+" dw", dw, wdw)
		compareF32(t, what+" rw", rw, wrw)
		for c := range 3 {
			compareF32(t, what+" dv", dv[c], wdv[c])
			compareF32(t, what+" rv", rv[c], wrv[c])
		}
	}
}

// TestNLMCrossRowRelJoint checks the joint cross kernel against NLMCrossRowRel's reference
// run once per channel on the same column sums (the weights accumulated once).
func TestNLMCrossRowRelJoint(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, w := range []int{1, 7, 40, nlmChunk + 11} {
		const box = 3
		col := colRow(r, w+box-1, box)
		rel := randF32(r, w, 0, 1)
		var vq, dv, wdv [3][]float32
		for c := range 3 {
			vq[c], dv[c] = randF32(r, w, 0, 1), randF32(r, w, 0, 3)
			wdv[c] = append([]float32(nil), dv[c]...)
		}
		dw := randF32(r, w, 0, 3)
		wdw := append([]float32(nil), dw...)
		for c := range 3 {
			tw := wdw
			if c > 0 {
				tw = make([]float32, w)
			}
			nlmCrossRowRelGeneric(nlmWeights[1], col, box, vq[c], rel, tw, wdv[c])
		}
		NLMCrossRowRelJoint(nlmWeights[1], col, box, &vq, rel, dw, &dv)
		what := fmt.Sprintf("NLMCrossRowRelJoint w=%d", w)
		compareF32(t, what+" dw", dw, wdw)
		for c := range 3 {
			compareF32(t, what+" dv", dv[c], wdv[c])
		}
	}
}
