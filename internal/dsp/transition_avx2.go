//go:build goexperiment.simd && amd64

package dsp

import (
	"os"
	"simd/archsimd"
	"time"
)

// slowTransitions: on this CPU a legacy-SSE instruction (the scalar float code the Go
// compiler emits) costs hundreds of cycles while the upper YMM halves are dirty, as on
// Intel processors before Skylake and on some virtual ones (an AMD EPYC under KVM measured
// ≈280 cycles per transition). The kernels that interleave scalar work with 256-bit
// operations inside their loops — the 16-bit conversions — then run several times slower
// than the portable ones, and those are used instead; the others keep scalar code out of
// their loops and are fast anywhere. Both choices give the same output (those kernels are
// exact). Measured once at start
// (transitionProbe); DENOISE_TRANSITIONS=slow or fast sets it instead.
var slowTransitions = hasFast && transitionsSlow()

func transitionsSlow() bool {
	switch os.Getenv("DENOISE_TRANSITIONS") {
	case "slow":
		return true
	case "fast":
		return false
	}
	return transitionProbe()
}

var probeData [64]float32 // zeros; the loops' results are stored back so that they stay

// transitionProbe times a loop of 256-bit additions that does one scalar float addition an
// iteration against the same loop that sums its scalars after the vectors are done with
// (and the upper halves cleared), and reports whether the first is more than four times
// slower: without a penalty the two cost about the same, where a transition costs 280 cycles
// about 25 times more (113 against 4.4 ns an iteration). 1024 iterations, the best of three
// runs of each: a few microseconds where transitions are cheap, about 0.4 ms where they are not,
// and far above the clock's resolution either way.
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
	const rounds = 1024
	mixed := best(func() {
		acc := archsimd.LoadFloat32x8Slice(probeData[:])
		var s float32
		for i := range rounds {
			acc = acc.Add(archsimd.LoadFloat32x8Slice(probeData[i%8*8:]))
			s += probeData[i%64] // legacy SSE with the upper halves dirty
		}
		acc.StoreSlice(probeData[:8])
		archsimd.ClearAVXUpperBits()
		probeData[63] = s
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
		probeData[63] = s
	})
	return mixed > 4*apart
}
