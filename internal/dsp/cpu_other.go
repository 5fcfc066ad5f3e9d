//go:build !(goexperiment.simd && amd64)

package dsp

const simdBuilt = false

var hasFast = false

// slowTransitions: no fast kernels here.
const slowTransitions = false
