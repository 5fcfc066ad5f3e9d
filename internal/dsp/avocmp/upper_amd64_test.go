//go:build goexperiment.simd && amd64

package avocmp

import (
	"fmt"
	"math/rand/v2"
	"simd/archsimd"
	"testing"
)

// BenchmarkDirtyUpper: the Go compiler's scalar float code is legacy SSE, and archsimd does not
// issue VZEROUPPER on its own (Go 1.26). A kernel that returns with the upper halves of the
// YMM registers dirty slows the scalar float code that runs after it: here the generic SSD
// and column update of one row, after a 256-bit add that is (clean) or is not (dirty)
// followed by archsimd.ClearAVXUpperBits.
func BenchmarkDirtyUpper(b *testing.B) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, w := range []int{64, 1920} {
		x, y := randF32(r, w, 0, 1), randF32(r, w, 0, 1)
		col, ring := randF32(r, w, 0, 50), randF32(r, w, 0, 1)
		v := randF32(r, 8, 0, 1)
		for _, clean := range []bool{false, true} {
			name := map[bool]string{false: "dirty", true: "clean"}[clean]
			b.Run(fmt.Sprintf("ssdGeneric/w=%d/%s", w, name), func(b *testing.B) {
				var s float32
				for b.Loop() {
					touchYMM(v, clean)
					s += ssdGeneric(x, y)
				}
				sink = s
			})
			b.Run(fmt.Sprintf("updateColsGeneric/w=%d/%s", w, name), func(b *testing.B) {
				for b.Loop() {
					touchYMM(v, clean)
					updateColsGeneric(col, ring, x, y)
				}
			})
		}
	}
}

//go:noinline
func touchYMM(v []float32, clean bool) {
	a := archsimd.LoadFloat32x8Slice(v)
	a.Add(a).StoreSlice(v[:8:8])
	if clean {
		archsimd.ClearAVXUpperBits()
	}
}

// TestUpperClean: every fast version returns with the YMM upper halves clean (XINUSE bit 2
// clear), checked with XGETBV. The probe itself is checked first: a 256-bit add leaves the
// bit set, ClearAVXUpperBits clears it.
func TestUpperClean(t *testing.T) {
	if !hasXGETBV1() {
		t.Skip("no XGETBV with ECX=1 on this CPU")
	}
	v := make([]float32, 8)
	touchYMM(v, false)
	if xinuse()&4 == 0 {
		t.Skip("XINUSE does not report the YMM state here")
	}
	touchYMM(v, true)
	if xinuse()&4 != 0 {
		t.Fatal("ClearAVXUpperBits left XINUSE bit 2 set")
	}
	r := rand.New(rand.NewPCG(13, 14))
	for _, w := range []int{7, 123} {
		col, ring := randF32(r, w, 0, 50), randF32(r, w, 0, 1)
		x, y := randF32(r, w, 0, 1), randF32(r, w, 0, 1)
		for _, im := range updateColsImpls[1:] {
			touchYMM(v, false)
			im.fn(col, ring, x, y)
			if xinuse()&4 != 0 {
				t.Errorf("updateCols %s w=%d returns with the YMM upper halves dirty", im.name, w)
			}
		}
		for _, im := range ssdImpls[1:] {
			touchYMM(v, false)
			im.fn(x, y)
			if xinuse()&4 != 0 {
				t.Errorf("ssd %s w=%d returns with the YMM upper halves dirty", im.name, w)
			}
		}
	}
}
