package dsp

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// The parity harness, after FFmpeg's checkasm: every fast kernel is run beside its reference
// on odd widths, unaligned starts and strides wider than the row, with guard values around
// every output; integer outputs must match exactly, float ones within 1e-5 relative.

// parityWidths are the row widths every kernel is tried on.
var parityWidths = []int{1, 3, 7, 15, 17, 31, 123}

// guardF32 is the bit pattern written around outputs: a NaN no kernel produces.
var guardF32 = math.Float32frombits(0x7fc0dead)

const guardLen = 16

// guardedF32 is a float32 buffer of n samples starting off samples into its storage (for
// unaligned starts), with guard values on both sides.
type guardedF32 struct {
	all  []float32
	off  int
	n    int
	Data []float32
}

func newGuardedF32(n, off int) *guardedF32 {
	g := &guardedF32{all: make([]float32, guardLen+off+n+guardLen), off: guardLen + off, n: n}
	for i := range g.all {
		g.all[i] = guardF32
	}
	g.Data = g.all[g.off : g.off+n : g.off+n]
	return g
}

// fill sets the data to v's values (copied).
func (g *guardedF32) fill(v []float32) { copy(g.Data, v) }

// check fails t when a guard value changed.
func (g *guardedF32) check(t testing.TB, what string) {
	t.Helper()
	checkUpperClean(t, what)
	for i, v := range g.all {
		if (i < g.off || i >= g.off+g.n) && math.Float32bits(v) != math.Float32bits(guardF32) {
			t.Fatalf("%s: wrote outside its output at %d (of %d..%d)", what, i-g.off, 0, g.n)
		}
	}
}

// guardedU8 is guardedF32 for bytes.
type guardedU8 struct {
	all  []byte
	off  int
	n    int
	Data []byte
}

const guardU8 = 0xa5

func newGuardedU8(n, off int) *guardedU8 {
	g := &guardedU8{all: make([]byte, guardLen+off+n+guardLen), off: guardLen + off, n: n}
	for i := range g.all {
		g.all[i] = guardU8
	}
	g.Data = g.all[g.off : g.off+n : g.off+n]
	return g
}

func (g *guardedU8) check(t testing.TB, what string) {
	t.Helper()
	checkUpperClean(t, what)
	for i, v := range g.all {
		if (i < g.off || i >= g.off+g.n) && v != guardU8 {
			t.Fatalf("%s: wrote outside its output at %d (of %d..%d)", what, i-g.off, 0, g.n)
		}
	}
}

// checkUpperClean fails t when the kernel just run left the upper YMM halves dirty (see
// xinuse_amd64.go): every AVX2 kernel must end with archsimd.ClearAVXUpperBits(), placed
// after all of its 256-bit work (the compiler keeps it in order only with memory operations,
// so put it after the last vector store, before any scalar tail).
func checkUpperClean(t testing.TB, what string) {
	t.Helper()
	if dirty, ok := upperDirty(); ok && dirty {
		t.Fatalf("%s: returned with the upper YMM halves dirty: end the AVX2 kernel with archsimd.ClearAVXUpperBits() after its last vector store (scalar float code runs 3-7x slower after it)", what)
	}
}

// randF32 returns n samples in [lo, hi) from a seeded source.
func randF32(r *rand.Rand, n int, lo, hi float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = lo + (hi-lo)*r.Float32()
	}
	return v
}

// closeF32 reports whether got is within 1e-5 relative (or abs, near 0) of want.
func closeF32(got, want float32) bool {
	if math.IsNaN(float64(got)) || math.IsNaN(float64(want)) {
		return math.IsNaN(float64(got)) == math.IsNaN(float64(want))
	}
	d := math.Abs(float64(got - want))
	return d <= 1e-5*math.Max(1, math.Abs(float64(want)))
}

// compareF32 fails t on the first sample of got that is not close to want.
func compareF32(t testing.TB, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if !closeF32(got[i], want[i]) {
			t.Fatalf("%s: sample %d = %g, reference %g", what, i, got[i], want[i])
		}
	}
}

// needFast skips a parity test when this build or CPU has no fast kernels, and fails it
// when they exist but this one (registered says whether its fast variable is set) is missing.
func needFast(t testing.TB, registered bool) {
	t.Helper()
	if !HasFast() {
		t.Skipf("no fast kernels here: %s", Kernels())
	}
	if !registered {
		t.Fatal("the CPU has AVX2 and FMA but the fast kernel is not registered")
	}
}

// sameFunc reports whether a and b are the same function.
func sameFunc(a, b any) bool { return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer() }

// forEachTier runs f with the fast kernels of each width the CPU has: with AVX-512 (see
// nlm_avx512.go) once with those and once with the AVX2 ones they replace.
var forEachTier = func(t *testing.T, f func(t *testing.T)) { f(t) }

func TestKernelsNamed(t *testing.T) {
	k := Kernels()
	if k == "" {
		t.Fatal("Kernels() is empty")
	}
	if UseFast() && !strings.HasPrefix(k, "avx2+fma") {
		t.Fatalf("fast kernels in use but Kernels() = %q", k)
	}
	if UseFast() && slowTransitions != strings.Contains(k, "slow SSE/AVX transitions") {
		t.Fatalf("slowTransitions %v but Kernels() = %q", slowTransitions, k)
	}
	if forcedGeneric && UseFast() {
		t.Fatal("DENOISE_CPU=generic did not force the portable kernels")
	}
	t.Logf("kernels: %s", k)
}

// TestMixedKernelsFollowTransitions: where legacy-SSE transitions are slow the kernels that
// interleave scalar and vector work are the portable ones, elsewhere the fast ones.
func TestMixedKernelsFollowTransitions(t *testing.T) {
	if !UseFast() {
		t.Skipf("portable kernels: %s", Kernels())
	}
	for _, c := range []struct {
		name        string
		inUse, fast any
	}{
		{"u16ToF32", u16ToF32, fastU16ToF32}, {"f32ToU16", f32ToU16, fastF32ToU16},
	} {
		if sameFunc(c.inUse, c.fast) == slowTransitions {
			t.Errorf("%s: fast kernel in use %v, slow transitions %v", c.name, sameFunc(c.inUse, c.fast), slowTransitions)
		}
	}
	// The warp keeps scalar code out of its loop (exact, like the references); the block
	// costs too (not bit-exact, so the output does not depend on the check): fast everywhere.
	if !sameFunc(warpRow, fastWarpRow) {
		t.Error("the warp is not the fast one")
	}
	if !sameFunc(ssd, fastSSD) || !sameFunc(ssdLerpH, fastSSDLerpH) || !sameFunc(ssdLerpV, fastSSDLerpV) || !sameFunc(ssdBilinear, fastSSDBilinear) {
		t.Error("a block-cost kernel is not the fast one")
	}
	t.Logf("slow transitions: %v", slowTransitions)
}
