package dsp

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestIntegralBoxSum(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	const w, h = 17, 9
	src := randF32(r, w*h, 0, 1)
	for _, squares := range []bool{false, true} {
		sat := make([]float64, (w+1)*(h+1))
		for y := range h {
			IntegralRow(sat[(y+1)*(w+1):(y+2)*(w+1)], sat[y*(w+1):(y+1)*(w+1)], src[y*w:(y+1)*w], 3, squares)
		}
		for _, b := range [][4]int{{0, 0, w, h}, {2, 3, 7, 8}, {5, 5, 6, 6}, {4, 1, 4, 9}} {
			var want float64
			for y := b[1]; y < b[3]; y++ {
				for x := b[0]; x < b[2]; x++ {
					f := float64(src[y*w+x]) * 3
					if squares {
						f *= f
					}
					want += f
				}
			}
			if got := BoxSum(sat, w+1, b[0], b[1], b[2], b[3]); math.Abs(got-want) > 1e-9*math.Max(1, want) {
				t.Fatalf("squares=%v box %v: %g, want %g", squares, b, got, want)
			}
		}
	}
}

func TestGATRows(t *testing.T) {
	const alpha, c, sh = 2.0, 3.0, 0.5
	// A table of a strictly increasing expectation (any will do for the interpolation).
	lam := []float64{0, 1, 4, 9}
	ef := []float64{0.5, 1.5, 3, 5}
	row := []float32{0, 0.25, 0.5, 1}
	fw := append([]float32(nil), row...)
	GATForwardRow(fw, 255, alpha, c, 0.1)
	for i, v := range row {
		want := float32(2 / alpha * math.Sqrt(alpha*float64(v*255)+c) * 0.1)
		if fw[i] != want {
			t.Fatalf("forward %d: %g, want %g", i, fw[i], want)
		}
	}
	inv := []float32{0.2, 1, 2.25, 4, 50}
	got := append([]float32(nil), inv...)
	GATInverseRow(got, 1, lam, ef, sh, alpha, 7, 1)
	wants := []float64{7, 7 + 2*0.5, 7 + 2*(1+0.5*3), 7 + 2*(4+0.5*5), 7 + 2*GATClosedLambda(50, sh)}
	for i, w := range wants {
		if math.Abs(float64(got[i])-w) > 1e-4 {
			t.Fatalf("inverse of %g: %g, want %g", inv[i], got[i], w)
		}
	}
}
