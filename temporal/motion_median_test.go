package temporal

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMedianFast holds median9 and isMedian to the sorted definition, with ties.
func TestMedianFast(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for it := range 20000 {
		n := 1 + it%9
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.IntN(7)-3) / 4
		}
		s := slices.Clone(v)
		slices.Sort(s)
		want := s[n/2]
		if got := median(slices.Clone(v)); got != want {
			t.Fatalf("median(%v) = %g, want %g", v, got, want)
		}
		for _, x := range []float32{-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1} {
			if got := isMedian(v, x); got != (x == want) {
				t.Fatalf("isMedian(%v, %g) = %v, median %g", v, x, got, want)
			}
		}
	}
}
