//go:build !(goexperiment.simd && amd64)

package dsp

const simdBuilt = false

var hasFast = false
