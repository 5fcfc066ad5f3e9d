package dsp

// Mirror maps any coordinate onto 0..n−1 by reflection about the edge samples without
// repeating them (…2 1 | 0 1 2 … n−1 | n−2 …; −1 → 1, n → n−2), as often as needed, so
// that planes smaller than a margin work too. n must be ≥ 1.
func Mirror(i, n int) int {
	if uint(i) < uint(n) {
		return i
	}
	if n == 1 {
		return 0
	}
	p := 2 * (n - 1)
	i %= p
	if i < 0 {
		i += p
	}
	if i >= n {
		i = p - i
	}
	return i
}

// MirrorRow writes samples x0 … x0+len(dst)−1 of the row src into dst, mirrored (Mirror)
// outside 0 … len(src)−1.
func MirrorRow(dst, src []float32, x0 int) {
	n := len(src)
	a, b := max(x0, 0), min(x0+len(dst), n)
	if a < b {
		copy(dst[a-x0:b-x0], src[a:b])
	} else {
		a, b = x0, x0 // no overlap: every sample is mirrored
	}
	for x := x0; x < a; x++ {
		dst[x-x0] = src[Mirror(x, n)]
	}
	for x := max(b, x0); x < x0+len(dst); x++ {
		dst[x-x0] = src[Mirror(x, n)]
	}
}

// PadPlane copies the w×h plane src (rows srcStride apart) into dst with a mirrored border of
// pad samples on every side: dst holds (h+2·pad) rows of dstStride ≥ w+2·pad samples, and
// src's sample (x, y) lands at dst[(y+pad)·dstStride + pad + x].
func PadPlane(dst []float32, dstStride, pad int, src []float32, srcStride, w, h int) {
	for y := -pad; y < h+pad; y++ {
		sy := Mirror(y, h)
		MirrorRow(dst[(y+pad)*dstStride:(y+pad)*dstStride+w+2*pad], src[sy*srcStride:sy*srcStride+w], -pad)
	}
}
