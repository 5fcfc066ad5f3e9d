//go:build goexperiment.simd && amd64

package dsp

import "simd/archsimd"

func init() {
	if hasFast {
		fastLaplaceAbsRow = laplaceAbsRowAVX2
		fastHaarDiagAbsRow = haarDiagAbsRowAVX2
	}
	if UseFast() {
		laplaceAbsRow = laplaceAbsRowAVX2
		haarDiagAbsRow = haarDiagAbsRowAVX2
	}
}

func laplaceAbsRowAVX2(dst, a, b, c []float32) {
	n := len(dst)
	a, b, c = a[:n+2], b[:n+2], c[:n+2]
	two := archsimd.BroadcastFloat32x8(2)
	four := archsimd.BroadcastFloat32x8(4)
	zero := archsimd.Float32x8{}
	i := 0
	for ; i+8 <= n; i += 8 {
		a0 := archsimd.LoadFloat32x8Slice(a[i:])
		a1 := archsimd.LoadFloat32x8Slice(a[i+1:])
		a2 := archsimd.LoadFloat32x8Slice(a[i+2:])
		b0 := archsimd.LoadFloat32x8Slice(b[i:])
		b1 := archsimd.LoadFloat32x8Slice(b[i+1:])
		b2 := archsimd.LoadFloat32x8Slice(b[i+2:])
		c0 := archsimd.LoadFloat32x8Slice(c[i:])
		c1 := archsimd.LoadFloat32x8Slice(c[i+1:])
		c2 := archsimd.LoadFloat32x8Slice(c[i+2:])
		corners := a0.Add(a2).Add(c0.Add(c2))
		edges := a1.Add(c1).Add(b0.Add(b2))
		v := corners.Sub(two.Mul(edges)).Add(four.Mul(b1))
		v = v.Max(zero.Sub(v))
		v.StoreSlice(dst[i:])
	}
	archsimd.ClearAVXUpperBits()
	laplaceAbsRowGeneric(dst[i:], a[i:], b[i:], c[i:])
}

// haarPairOrder puts VHSUBPS's lane-grouped pair differences back in sample order.
var haarPairOrder = []uint32{0, 1, 4, 5, 2, 3, 6, 7}

func haarDiagAbsRowAVX2(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:2*n:2*n], b[:2*n:2*n]
	half := archsimd.BroadcastFloat32x8(0.5)
	zero := archsimd.Float32x8{}
	order := archsimd.LoadUint32x8Slice(haarPairOrder)
	i := 0
	for ; i+8 <= n; i += 8 {
		d0 := archsimd.LoadFloat32x8Slice(a[2*i:]).Sub(archsimd.LoadFloat32x8Slice(b[2*i:]))
		d1 := archsimd.LoadFloat32x8Slice(a[2*i+8:]).Sub(archsimd.LoadFloat32x8Slice(b[2*i+8:]))
		v := d0.SubPairsGrouped(d1).Permute(order).Mul(half)
		v = v.Max(zero.Sub(v))
		v.StoreSlice(dst[i:])
	}
	archsimd.ClearAVXUpperBits()
	haarDiagAbsRowGeneric(dst[i:], a[2*i:], b[2*i:])
}
