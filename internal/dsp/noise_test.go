package dsp

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestLaplaceAbsRowParity(t *testing.T) {
	needFast(t, fastLaplaceAbsRow != nil)
	r := rand.New(rand.NewPCG(1, 2))
	for _, w := range parityWidths {
		for _, off := range []int{0, 1, 3} {
			n := w + 2
			rows := make([][]float32, 3)
			for i := range rows {
				// a stride wider than the row: the kernel must read only n samples
				rows[i] = randF32(r, n+off+5, -0.5, 1.5)[off : off+n]
			}
			want := make([]float32, w)
			laplaceAbsRowGeneric(want, rows[0], rows[1], rows[2])
			g := newGuardedF32(w, off)
			fastLaplaceAbsRow(g.Data, rows[0], rows[1], rows[2])
			g.check(t, "laplaceAbsRow")
			for i := range want {
				if g.Data[i] != want[i] {
					t.Fatalf("w=%d off=%d: sample %d = %g, reference %g", w, off, i, g.Data[i], want[i])
				}
			}
		}
	}
}

func TestHaarDiagAbsRowParity(t *testing.T) {
	needFast(t, fastHaarDiagAbsRow != nil)
	r := rand.New(rand.NewPCG(1, 3))
	for _, w := range parityWidths {
		for _, off := range []int{0, 1, 3} {
			a := randF32(r, 2*w+off+5, -0.5, 1.5)[off : off+2*w]
			b := randF32(r, 2*w+off+5, -0.5, 1.5)[off : off+2*w]
			want := make([]float32, w)
			haarDiagAbsRowGeneric(want, a, b)
			g := newGuardedF32(w, off)
			fastHaarDiagAbsRow(g.Data, a, b)
			g.check(t, "haarDiagAbsRow")
			for i := range want {
				if g.Data[i] != want[i] {
					t.Fatalf("w=%d off=%d: sample %d = %g, reference %g", w, off, i, g.Data[i], want[i])
				}
			}
		}
	}
}

func TestLaplaceAbsRowValue(t *testing.T) {
	a := []float32{1, 2, 3}
	b := []float32{4, 5, 6}
	c := []float32{7, 8, 10}
	dst := []float32{0}
	LaplaceAbsRow(dst, a, b, c)
	// 1−4+3 −2(4+6) +20 +7−16+10 = 1
	if dst[0] != 1 {
		t.Fatalf("LaplaceAbsRow = %g, want 1", dst[0])
	}
}

func TestSelect(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var s SelectScratch
	for _, n := range []int{1, 2, 7, 100, selectRadixMin - 1, selectRadixMin, 50_000} {
		for _, dist := range []string{"uniform", "abs-normal", "ties", "signed"} {
			v := make([]float32, n)
			for i := range v {
				switch dist {
				case "uniform":
					v[i] = r.Float32()
				case "abs-normal":
					v[i] = float32(max(r.NormFloat64(), -r.NormFloat64())) * 0.03
				case "ties":
					v[i] = float32(r.IntN(5)) / 4
				case "signed":
					v[i] = float32(r.NormFloat64())
				}
			}
			sorted := slices.Clone(v)
			slices.Sort(sorted)
			for _, k := range []int{0, (n - 1) / 2, n - 1} {
				w := slices.Clone(v)
				if got := Select(w, k, &s); got != sorted[k] {
					t.Fatalf("n=%d %s k=%d: Select = %g, want %g", n, dist, k, got, sorted[k])
				}
				// the same values in pieces of 37, never stored together
				var st SelectScratch
				st.Begin()
				for i := 0; i < n; i += 37 {
					st.CountHigh(v[i:min(i+37, n)])
				}
				st.Narrow(k)
				for i := 0; i < n; i += 37 {
					st.CountLow(v[i:min(i+37, n)])
				}
				if got := st.Kth(); got != sorted[k] {
					t.Fatalf("n=%d %s k=%d: Kth = %g, want %g", n, dist, k, got, sorted[k])
				}
			}
		}
	}
}

func BenchmarkSelectMedian(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	const n = 1278 * 718 // the Laplacian responses of a 1280×720 plane
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(max(r.NormFloat64(), -r.NormFloat64())) * 0.03
	}
	w := make([]float32, n)
	b.Run("quickselect", func(b *testing.B) {
		for b.Loop() {
			copy(w, v)
			quickSelect(w, (n-1)/2)
		}
	})
	b.Run("radix", func(b *testing.B) {
		var s SelectScratch
		for b.Loop() {
			copy(w, v)
			Select(w, (n-1)/2, &s)
		}
	})
}

func BenchmarkLaplaceAbsRow(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	const w = 1280
	a, m, c := randF32(r, w+2, 0, 1), randF32(r, w+2, 0, 1), randF32(r, w+2, 0, 1)
	dst := make([]float32, w)
	b.Run("generic", func(b *testing.B) {
		for b.Loop() {
			laplaceAbsRowGeneric(dst, a, m, c)
		}
	})
	if fastLaplaceAbsRow != nil {
		b.Run("avx2", func(b *testing.B) {
			for b.Loop() {
				fastLaplaceAbsRow(dst, a, m, c)
			}
		})
	}
}

// TestSelectTies: short inputs with many ties (quickselect), k over every rank.
func TestSelectTies(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n < 60; n++ {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.IntN(7))
		}
		for k := 0; k < n; k++ {
			c := append([]float32(nil), v...)
			got := Select(c, k, nil)
			less, eq := 0, 0
			for _, x := range v {
				if x < got {
					less++
				} else if x == got {
					eq++
				}
			}
			if !(less <= k && k < less+eq) {
				t.Fatalf("Select(%v, %d) = %v", v, k, got)
			}
		}
	}
}
