package avocmp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The parity checks, in the checkasm style of ../checkasm_test.go (copied small here: this is
// another module): odd widths, unaligned starts, NaN guards around every buffer.

var widths = []int{1, 3, 7, 15, 17, 31, 123}

var guard = math.Float32frombits(0x7fc0dead)

const guardLen = 16

type guarded struct {
	all  []float32
	lo   int
	Data []float32
}

func newGuarded(v []float32, off int) *guarded {
	g := &guarded{all: make([]float32, guardLen+off+len(v)+guardLen), lo: guardLen + off}
	for i := range g.all {
		g.all[i] = guard
	}
	g.Data = g.all[g.lo : g.lo+len(v) : g.lo+len(v)]
	copy(g.Data, v)
	return g
}

func (g *guarded) check(t *testing.T, what string) {
	t.Helper()
	for i, v := range g.all {
		if (i < g.lo || i >= g.lo+len(g.Data)) && math.Float32bits(v) != math.Float32bits(guard) {
			t.Fatalf("%s: wrote outside its output at %d", what, i-g.lo)
		}
	}
}

func randF32(r *rand.Rand, n int, lo, hi float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = lo + (hi-lo)*r.Float32()
	}
	return v
}

func TestImplsPresent(t *testing.T) {
	var names []string
	for _, im := range updateColsImpls {
		names = append(names, im.name)
	}
	t.Logf("versions in this build: %v", names)
}

// TestUpdateColsParity: every version equals the reference bit for bit (same operation
// order) over several successive rows, and writes nothing outside col and ring.
func TestUpdateColsParity(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, im := range updateColsImpls[1:] {
		for _, w := range widths {
			for off := range 4 {
				col0, ring0 := randF32(r, w, 0, 50), randF32(r, w, 0, 1)
				wantCol, wantRing := append([]float32(nil), col0...), append([]float32(nil), ring0...)
				col, ring := newGuarded(col0, off), newGuarded(ring0, (off+1)%4)
				for row := range 5 {
					a := newGuarded(randF32(r, w, 0, 1), (off+2)%4)
					b := newGuarded(randF32(r, w, 0, 1), (off+3)%4)
					updateColsGeneric(wantCol, wantRing, a.Data, b.Data)
					im.fn(col.Data, ring.Data, a.Data, b.Data)
					what := fmt.Sprintf("%s w=%d off=%d row=%d", im.name, w, off, row)
					col.check(t, what+" col")
					ring.check(t, what+" ring")
					a.check(t, what+" a")
					b.check(t, what+" b")
					for i := range w {
						if math.Float32bits(col.Data[i]) != math.Float32bits(wantCol[i]) ||
							math.Float32bits(ring.Data[i]) != math.Float32bits(wantRing[i]) {
							t.Fatalf("%s: sample %d col %g ring %g, reference %g %g",
								what, i, col.Data[i], ring.Data[i], wantCol[i], wantRing[i])
						}
					}
				}
			}
		}
	}
}

// TestSSDParity: every version within 1e-5 relative of the reference (the summation order
// differs), the NaN guards around the inputs unread, and the SIMD versions equal to each
// other bit for bit (they share one loop structure).
func TestSSDParity(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, w := range append(widths, 64, 1280) {
		for off := range 4 {
			a := newGuarded(randF32(r, w, 0, 1), off)
			b := newGuarded(randF32(r, w, 0, 1), (off+1)%4)
			want := ssdGeneric(a.Data, b.Data)
			var got []float32
			for _, im := range ssdImpls[1:] {
				s := im.fn(a.Data, b.Data)
				if math.IsNaN(float64(s)) || math.Abs(float64(s-want)) > 1e-5*math.Max(1, math.Abs(float64(want))) {
					t.Fatalf("%s w=%d off=%d: %g, reference %g", im.name, w, off, s, want)
				}
				got = append(got, s)
			}
			for k := 1; k < len(got); k++ {
				if math.Float32bits(got[k]) != math.Float32bits(got[0]) {
					t.Fatalf("w=%d off=%d: %s %g != %s %g", w, off, ssdImpls[k+1].name, got[k], ssdImpls[1].name, got[0])
				}
			}
		}
	}
}

// Benchmark widths: 64 (a block row, where call overhead shows), 1280 and 1920 (frame rows).
var benchWidths = []int{8, 64, 1280, 1920}

// BenchmarkUpdateCols: bytes are those moved, 24 per sample (four float32 loads, two stores).
func BenchmarkUpdateCols(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, w := range benchWidths {
		col, ring := randF32(r, w, 0, 50), randF32(r, w, 0, 1)
		x, y := randF32(r, w, 0, 1), randF32(r, w, 0, 1)
		for _, im := range updateColsImpls {
			b.Run(fmt.Sprintf("w=%d/%s", w, im.name), func(b *testing.B) {
				b.SetBytes(int64(24 * w))
				for b.Loop() {
					im.fn(col, ring, x, y)
				}
			})
		}
	}
}

// BenchmarkSSD: bytes are those read, 8 per sample.
func BenchmarkSSD(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, w := range benchWidths {
		x, y := randF32(r, w, 0, 1), randF32(r, w, 0, 1)
		for _, im := range ssdImpls {
			b.Run(fmt.Sprintf("w=%d/%s", w, im.name), func(b *testing.B) {
				b.SetBytes(int64(8 * w))
				var s float32
				for b.Loop() {
					s += im.fn(x, y)
				}
				sink = s
			})
		}
	}
}

var sink float32
