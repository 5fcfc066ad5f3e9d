//go:build goexperiment.simd && amd64

package dsp

import (
	"simd/archsimd"
	"time"
)

// slowTransitions: on this CPU a legacy-SSE instruction (the scalar float code the Go
// compiler emits) costs hundreds of cycles while the upper YMM halves are dirty, as on
// Intel processors before Skylake and on some virtual ones (an AMD EPYC under KVM measured
// ≈280 cycles per transition). The kernels that interleave scalar work with 256-bit
// operations inside their loops — the warp's gather, the motion search's block costs, the
// 16-bit conversions — then run several times slower than the portable ones, and those are
// used instead; the others leave their loops before any scalar code and are fast anywhere.
// Measured once at start (transitionProbe).
var slowTransitions = hasFast && transitionProbe()

var probeData [64]float32
var probeSink float32

// transitionProbe times a loop of 256-bit additions that does one scalar float addition an
// iteration against the same loop that sums its scalars after the vectors are done with
// (and the upper halves cleared), and reports whether the first is more than four times
// slower: without a penalty the two cost about the same, with one about fifty times more.
// The best of three runs of each, about a tenth of a millisecond in all.
func transitionProbe() bool {
	best := func(f func()) time.Duration {
		var b time.Duration
		for i := range 3 {
			t0 := time.Now()
			f()
			if d := time.Since(t0); i == 0 || d < b {
				b = d
			}
		}
		return b
	}
	const rounds = 64
	mixed := best(func() {
		acc := archsimd.LoadFloat32x8Slice(probeData[:])
		var s float32
		for i := range rounds {
			acc = acc.Add(archsimd.LoadFloat32x8Slice(probeData[i%8*8:]))
			s += probeData[i%64] // legacy SSE with the upper halves dirty
		}
		acc.StoreSlice(probeData[:8])
		archsimd.ClearAVXUpperBits()
		probeSink += s
	})
	apart := best(func() {
		acc := archsimd.LoadFloat32x8Slice(probeData[:])
		for i := range rounds {
			acc = acc.Add(archsimd.LoadFloat32x8Slice(probeData[i%8*8:]))
		}
		acc.StoreSlice(probeData[:8])
		archsimd.ClearAVXUpperBits()
		var s float32
		for i := range rounds {
			s += probeData[i%64]
		}
		probeSink += s
	})
	return mixed > 4*apart+2*time.Microsecond
}
