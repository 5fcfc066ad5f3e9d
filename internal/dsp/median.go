package dsp

// Median3Row writes into out the 3×3 medians of the middle row b, given the rows above (a)
// and below (c), all at least len(out) ≥ 2 long; columns beyond the ends are mirrored
// (Mirror: column −1 reads column 1, column n reads n−2). The fast kernel is exact: a median
// is a selection, and min and max select.
func Median3Row(out, a, b, c []float32) { median3Row(out, a, b, c) }

var median3Row = median3RowGeneric

var fastMedian3Row func(out, a, b, c []float32)

// median3RowGeneric sorts each column once (lo ≤ mid ≤ hi); the median of 3×3 is
// med3(max of the lows, med3 of the mids, min of the highs).
func median3RowGeneric(out, a, b, c []float32) {
	n := len(out)
	a, b, c = a[:n], b[:n], c[:n]
	l0, m0, h0 := median3Sort(a[1], b[1], c[1]) // column −1 mirrors column 1
	l1, m1, h1 := median3Sort(a[0], b[0], c[0])
	for x := 0; x < n; x++ {
		nx := x + 1
		if nx == n {
			nx = n - 2
		}
		l2, m2, h2 := median3Sort(a[nx], b[nx], c[nx])
		out[x] = median3Of(max(l0, l1, l2), median3Of(m0, m1, m2), min(h0, h1, h2))
		l0, m0, h0 = l1, m1, h1
		l1, m1, h1 = l2, m2, h2
	}
}

// median3Sort sorts three samples with min and max: no branch to mispredict on noise.
func median3Sort(x, y, z float32) (float32, float32, float32) {
	x, y = min(x, y), max(x, y)
	y, z = min(y, z), max(y, z)
	x, y = min(x, y), max(x, y)
	return x, y, z
}

// median3Of is the median of three.
func median3Of(x, y, z float32) float32 {
	return max(min(x, y), min(max(x, y), z))
}
