package dsp

import (
	"math/rand/v2"
	"testing"
)

func TestCNNResidualRowGeneric(t *testing.T) {
	in := []float32{0.5, 0.2, 0.9, 1, 0, 0.3}
	nz := []float32{0.1, 0.3, -0.2, 0, 0.5, 0.3}
	want := []float32{0.4, 0, 1, 1, 0, 0}
	dst := make([]float32, len(in))
	cnnResidualRowGeneric(dst, in, nz)
	for i := range want {
		if !closeF32(dst[i], want[i]) {
			t.Fatalf("sample %d = %g, want %g", i, dst[i], want[i])
		}
	}
	cl := make([]float32, 3)
	clamp01RowGeneric(cl, []float32{-1, 0.25, 7})
	if cl[0] != 0 || cl[1] != 0.25 || cl[2] != 1 {
		t.Fatalf("clamp01 = %v", cl)
	}
}

func TestCNNResidualRowParity(t *testing.T) {
	needFast(t, fastCNNResidualRow != nil)
	r := rand.New(rand.NewPCG(3, 4))
	for _, w := range parityWidths {
		for off := range 3 {
			in := randF32(r, w, -0.2, 1.2)
			nz := randF32(r, w, -0.3, 0.3)
			got, want := newGuardedF32(w, off), newGuardedF32(w, 0)
			ga, gb := newGuardedF32(w, off), newGuardedF32(w, (off+1)%3)
			ga.fill(in)
			gb.fill(nz)
			fastCNNResidualRow(got.Data, ga.Data, gb.Data)
			cnnResidualRowGeneric(want.Data, in, nz)
			got.check(t, "CNNResidualRow")
			for i := range want.Data { // exact: one subtraction and a clamp
				if got.Data[i] != want.Data[i] {
					t.Fatalf("w=%d off=%d: sample %d = %g, reference %g", w, off, i, got.Data[i], want.Data[i])
				}
			}
		}
	}
}

func TestClamp01RowParity(t *testing.T) {
	needFast(t, fastClamp01Row != nil)
	r := rand.New(rand.NewPCG(5, 6))
	for _, w := range parityWidths {
		for off := range 3 {
			src := randF32(r, w, -0.5, 1.5)
			got, want := newGuardedF32(w, off), newGuardedF32(w, 0)
			gs := newGuardedF32(w, (off+2)%3)
			gs.fill(src)
			fastClamp01Row(got.Data, gs.Data)
			clamp01RowGeneric(want.Data, src)
			got.check(t, "Clamp01Row")
			for i := range want.Data {
				if got.Data[i] != want.Data[i] {
					t.Fatalf("w=%d off=%d: sample %d = %g, reference %g", w, off, i, got.Data[i], want.Data[i])
				}
			}
		}
	}
}
