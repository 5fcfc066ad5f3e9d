//go:build goexperiment.simd && amd64

package avocmp

import "simd/archsimd"

func init() {
	if archsimd.X86.AVX2() && archsimd.X86.FMA() {
		updateColsImpls = append(updateColsImpls, impl[updateColsFunc]{"archsimd", updateColsSIMD})
		ssdImpls = append(ssdImpls, impl[ssdFunc]{"archsimd", ssdSIMD})
	}
}

// updateColsSIMD is updateColsGeneric with Float32x8: same operation order, bit-exact.
// The [:n:n] reslices matter: with the capacities known, a[i:] is a plain address; without
// them the compiler masks every a[i:] in case it is empty (four more instructions per load or
// store), and the loop ran 270–300 ns at width 1920 in every code placement instead of 180.
func updateColsSIMD(col, ring, a, b []float32) {
	n := len(col)
	ring, a, b = ring[:n:n], a[:n:n], b[:n:n]
	i := 0
	for ; i <= n-8; i += 8 {
		d := archsimd.LoadFloat32x8Slice(a[i:]).Sub(archsimd.LoadFloat32x8Slice(b[i:]))
		d2 := d.Mul(d)
		t := d2.Sub(archsimd.LoadFloat32x8Slice(ring[i:]))
		d2.StoreSlice(ring[i:])
		archsimd.LoadFloat32x8Slice(col[i:]).Add(t).StoreSlice(col[i:])
	}
	archsimd.ClearAVXUpperBits() // VZEROUPPER before the SSE tail, as the avo version does
	for ; i < n; i++ {
		d := a[i] - b[i]
		d2 := d * d
		col[i] += d2 - ring[i]
		ring[i] = d2
	}
}

// ssdSIMD is ssdGeneric with four Float32x8 FMA accumulators, the loops of gen/main.go's ssd.
func ssdSIMD(a, b []float32) float32 {
	n := len(a)
	a, b = a[:n:n], b[:n:n]
	var acc0, acc1, acc2, acc3 archsimd.Float32x8
	i := 0
	for ; i <= n-32; i += 32 {
		x, y := a[i:i+32:i+32], b[i:i+32:i+32]
		d0 := archsimd.LoadFloat32x8Slice(x[0:8]).Sub(archsimd.LoadFloat32x8Slice(y[0:8]))
		d1 := archsimd.LoadFloat32x8Slice(x[8:16]).Sub(archsimd.LoadFloat32x8Slice(y[8:16]))
		d2 := archsimd.LoadFloat32x8Slice(x[16:24]).Sub(archsimd.LoadFloat32x8Slice(y[16:24]))
		d3 := archsimd.LoadFloat32x8Slice(x[24:32]).Sub(archsimd.LoadFloat32x8Slice(y[24:32]))
		acc0 = d0.MulAdd(d0, acc0)
		acc1 = d1.MulAdd(d1, acc1)
		acc2 = d2.MulAdd(d2, acc2)
		acc3 = d3.MulAdd(d3, acc3)
	}
	for ; i <= n-8; i += 8 {
		d := archsimd.LoadFloat32x8Slice(a[i:]).Sub(archsimd.LoadFloat32x8Slice(b[i:]))
		acc0 = d.MulAdd(d, acc0)
	}
	acc := acc0.Add(acc1).Add(acc2.Add(acc3))
	s4 := acc.GetLo().Add(acc.GetHi())
	s4 = s4.AddPairs(s4)
	s4 = s4.AddPairs(s4)
	s := s4.GetElem(0)
	for ; i < n; i++ {
		d := a[i] - b[i]
		s += d * d
	}
	// VZEROUPPER last: placed before the tail, the compiler hoists it above the reduction
	// and spills the four accumulators around it.
	archsimd.ClearAVXUpperBits()
	return s
}
