//go:build goexperiment.simd && amd64

package dsp

import "simd/archsimd"

func init() {
	if hasFast {
		fastCNNResidualRow = cnnResidualRowAVX2
		fastClamp01Row = clamp01RowAVX2
	}
	if UseFast() {
		cnnResidualRow = cnnResidualRowAVX2
		clamp01Row = clamp01RowAVX2
	}
}

func cnnResidualRowAVX2(dst, in, noise []float32) {
	n := len(dst)
	in, noise = in[:n], noise[:n]
	zero := archsimd.Float32x8{}
	one := archsimd.BroadcastFloat32x8(1)
	i := 0
	for ; i+16 <= n; i += 16 {
		a := archsimd.LoadFloat32x8Slice(in[i:]).Sub(archsimd.LoadFloat32x8Slice(noise[i:]))
		b := archsimd.LoadFloat32x8Slice(in[i+8:]).Sub(archsimd.LoadFloat32x8Slice(noise[i+8:]))
		a.Max(zero).Min(one).StoreSlice(dst[i:])
		b.Max(zero).Min(one).StoreSlice(dst[i+8:])
	}
	for ; i+8 <= n; i += 8 {
		a := archsimd.LoadFloat32x8Slice(in[i:]).Sub(archsimd.LoadFloat32x8Slice(noise[i:]))
		a.Max(zero).Min(one).StoreSlice(dst[i:])
	}
	archsimd.ClearAVXUpperBits()
	cnnResidualRowGeneric(dst[i:], in[i:], noise[i:])
}

func clamp01RowAVX2(dst, src []float32) {
	n := len(dst)
	src = src[:n]
	zero := archsimd.Float32x8{}
	one := archsimd.BroadcastFloat32x8(1)
	i := 0
	for ; i+8 <= n; i += 8 {
		archsimd.LoadFloat32x8Slice(src[i:]).Max(zero).Min(one).StoreSlice(dst[i:])
	}
	archsimd.ClearAVXUpperBits()
	clamp01RowGeneric(dst[i:], src[i:])
}
