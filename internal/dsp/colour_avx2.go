//go:build goexperiment.simd && amd64

package dsp

import "simd/archsimd"

func init() {
	if hasFast {
		fastMix3Row = mix3RowAVX2
	}
	if UseFast() {
		mix3Row = mix3RowAVX2
	}
}

func mix3RowAVX2(d0, d1, d2, s0, s1, s2 []float32, m *[9]float32) {
	n := len(d0)
	d1, d2, s0, s1, s2 = d1[:n], d2[:n], s0[:n], s1[:n], s2[:n]
	var k [9]archsimd.Float32x8
	for i := range k {
		k[i] = archsimd.BroadcastFloat32x8(m[i])
	}
	x := 0
	for ; x+8 <= n; x += 8 {
		a := archsimd.LoadFloat32x8Slice(s0[x:])
		b := archsimd.LoadFloat32x8Slice(s1[x:])
		c := archsimd.LoadFloat32x8Slice(s2[x:])
		k[0].Mul(a).Add(k[1].Mul(b)).Add(k[2].Mul(c)).StoreSlice(d0[x:])
		k[3].Mul(a).Add(k[4].Mul(b)).Add(k[5].Mul(c)).StoreSlice(d1[x:])
		k[6].Mul(a).Add(k[7].Mul(b)).Add(k[8].Mul(c)).StoreSlice(d2[x:])
	}
	archsimd.ClearAVXUpperBits() // after the last vector store: the scalar tail runs clean
	mix3RowGeneric(d0[x:], d1[x:], d2[x:], s0[x:], s1[x:], s2[x:], m)
}
