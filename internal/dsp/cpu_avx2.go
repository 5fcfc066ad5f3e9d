//go:build goexperiment.simd && amd64

package dsp

const simdBuilt = true

// hasFast: this build carries the AVX2 kernels and the CPU runs them. A package-level
// variable, so that it is set before any file's init looks at it.
var hasFast = cpuHasAVX2FMA
