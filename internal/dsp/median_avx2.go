//go:build goexperiment.simd && amd64

package dsp

import "simd/archsimd"

func init() {
	if hasFast {
		fastMedian3Row = median3RowAVX2
	}
	if UseFast() {
		median3Row = median3RowAVX2
	}
}

// median3RowAVX2 runs the reference's column sorts as a min/max network on 8 columns at a
// time over the interior (columns 1 … n−2, whose neighbours need no mirroring); the two end
// columns and the rest of the row go to the reference on a 2-column or wider window.
func median3RowAVX2(out, a, b, c []float32) {
	n := len(out)
	a, b, c = a[:n], b[:n], c[:n]
	if n < 10 {
		median3RowGeneric(out, a, b, c)
		return
	}
	median3RowGeneric(out[:2], a[:2], b[:2], c[:2]) // out[0]; out[1] is rewritten below
	x := 1
	for ; x+9 <= n; x += 8 {
		l0, m0, h0 := median3Sort8(a[x-1:], b[x-1:], c[x-1:])
		l1, m1, h1 := median3Sort8(a[x:], b[x:], c[x:])
		l2, m2, h2 := median3Sort8(a[x+1:], b[x+1:], c[x+1:])
		lo := l0.Max(l1).Max(l2)
		hi := h0.Min(h1).Min(h2)
		mid := median3Of8(m0, m1, m2)
		median3Of8(lo, mid, hi).StoreSlice(out[x:])
	}
	// the rest: columns x … n−1 from columns x−1 … n−1 (the last mirrored as the reference does)
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	median3Tail(out[x:], a[x-1:], b[x-1:], c[x-1:])
}

// median3Tail writes the 3×3 medians of columns 1 … len(a)−1 of the rows a, b, c (whose column 0 is
// the left neighbour of out[0]) into out, mirroring past the right end.
func median3Tail(out, a, b, c []float32) {
	n := len(a)
	l0, m0, h0 := median3Sort(a[0], b[0], c[0])
	l1, m1, h1 := median3Sort(a[1], b[1], c[1])
	for x := 1; x < n; x++ {
		nx := x + 1
		if nx == n {
			nx = n - 2
		}
		l2, m2, h2 := median3Sort(a[nx], b[nx], c[nx])
		out[x-1] = median3Of(max(l0, l1, l2), median3Of(m0, m1, m2), min(h0, h1, h2))
		l0, m0, h0 = l1, m1, h1
		l1, m1, h1 = l2, m2, h2
	}
}

func median3Sort8(a, b, c []float32) (lo, mid, hi archsimd.Float32x8) {
	x := archsimd.LoadFloat32x8Slice(a)
	y := archsimd.LoadFloat32x8Slice(b)
	z := archsimd.LoadFloat32x8Slice(c)
	x, y = x.Min(y), x.Max(y)
	y, z = y.Min(z), y.Max(z)
	x, y = x.Min(y), x.Max(y)
	return x, y, z
}

func median3Of8(x, y, z archsimd.Float32x8) archsimd.Float32x8 {
	return x.Min(y).Max(x.Max(y).Min(z))
}
