package dsp

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestMedian3RowReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 1))
	for _, w := range []int{2, 3, 7, 17} {
		a, b, c := randF32(r, w, 0, 1), randF32(r, w, 0, 1), randF32(r, w, 0, 1)
		out := make([]float32, w)
		median3RowGeneric(out, a, b, c)
		for x := range w {
			var v []float32
			for _, row := range [][]float32{a, b, c} {
				for i := x - 1; i <= x+1; i++ {
					v = append(v, row[Mirror(i, w)])
				}
			}
			slices.Sort(v)
			if out[x] != v[4] {
				t.Fatalf("w %d x %d: %g, want %g", w, x, out[x], v[4])
			}
		}
	}
}

func TestMedian3RowParity(t *testing.T) {
	needFast(t, fastMedian3Row != nil)
	r := rand.New(rand.NewPCG(7, 2))
	for _, w := range append([]int{2, 9, 10, 11, 16, 18}, parityWidths[1:]...) {
		for off := range 3 {
			stride := w + 5 // rows of a plane wider than the row
			plane := randF32(r, 3*stride+off, 0, 1)
			if w%2 == 0 { // many ties: few levels
				for i := range plane {
					plane[i] = float32(int(plane[i]*4)) / 4
				}
			}
			a, b, c := plane[off:off+w], plane[off+stride:off+stride+w], plane[off+2*stride:off+2*stride+w]
			got, want := newGuardedF32(w, off), newGuardedF32(w, 0)
			fastMedian3Row(got.Data, a, b, c)
			median3RowGeneric(want.Data, a, b, c)
			got.check(t, "Median3Row")
			for i := range want.Data {
				if got.Data[i] != want.Data[i] {
					t.Fatalf("w %d off %d: sample %d = %g, reference %g", w, off, i, got.Data[i], want.Data[i])
				}
			}
		}
	}
}

func BenchmarkMedian3Row720p(b *testing.B) {
	const w, h = 1280, 720
	r := rand.New(rand.NewPCG(7, 3))
	p := randF32(r, w*h, 0, 1)
	out := make([]float32, w)
	impls := []struct {
		name string
		k    func(out, a, b, c []float32)
	}{{"generic", median3RowGeneric}, {"avx2", fastMedian3Row}}
	for _, im := range impls {
		if im.k == nil {
			continue
		}
		b.Run(im.name, func(b *testing.B) {
			for b.Loop() {
				for y := 1; y < h-1; y++ {
					im.k(out, p[(y-1)*w:], p[y*w:], p[(y+1)*w:])
				}
			}
		})
	}
}
