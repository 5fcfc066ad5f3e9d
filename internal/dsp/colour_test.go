package dsp

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestMix3RowParity(t *testing.T) {
	needFast(t, fastMix3Row != nil)
	rng := rand.New(rand.NewPCG(21, 22))
	m := [9]float32{0.87, 0.87, 0.87, 0.27, 0, -0.27, 0.15, -0.31, 0.15}
	for _, n := range append([]int{8, 16, 40}, parityWidths...) {
		for _, off := range []int{0, 1, 3} {
			s0 := randF32(rng, n+off, -0.2, 1.2)[off:]
			s1 := randF32(rng, n+off, -0.2, 1.2)[off:]
			s2 := randF32(rng, n+off, -0.2, 1.2)[off:]
			var want [3][]float32
			for i := range want {
				want[i] = make([]float32, n)
			}
			mix3RowGeneric(want[0], want[1], want[2], s0, s1, s2, &m)
			g := [3]*guardedF32{newGuardedF32(n, off), newGuardedF32(n, off+1), newGuardedF32(n, off+2)}
			fastMix3Row(g[0].Data, g[1].Data, g[2].Data, s0, s1, s2, &m)
			for i := range g {
				what := fmt.Sprintf("mix3 output %d n=%d off %d", i, n, off)
				g[i].check(t, what)
				exactF32(t, what, g[i].Data, want[i])
			}
		}
	}
}

// TestMix3RowReference checks the reference against the matrix product written out.
func TestMix3RowReference(t *testing.T) {
	m := [9]float32{1, 2, 3, 0, -1, 0.5, 0.25, 0, 4}
	s := [3][]float32{{1, 0, 2}, {0, 1, -1}, {3, 2, 0.5}}
	var d [3][]float32
	for i := range d {
		d[i] = make([]float32, 3)
	}
	Mix3Row(d[0], d[1], d[2], s[0], s[1], s[2], &m)
	want := [3][]float32{{10, 8, 1.5}, {1.5, 0, 1.25}, {12.25, 8, 2.5}}
	for i := range d {
		for x := range d[i] {
			if d[i][x] != want[i][x] {
				t.Fatalf("d%d[%d] = %g, want %g", i, x, d[i][x], want[i][x])
			}
		}
	}
}
