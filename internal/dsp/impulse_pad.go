package dsp

// The impulse detector's border: reflection that repeats the edge sample (…1 0 | 0 1 … n−1 |
// n−1 n−2 …), where Mirror does not. A one-sample line along the border (a black frame edge)
// then reads as a two-sample band rather than as an isolated outlier; the detector's
// statistics and its replacement were tuned with it.

// MirrorEdge maps any coordinate onto 0 … n−1 by reflection that repeats the edge sample
// (−1 → 0, −2 → 1, n → n−1), as often as needed. n must be ≥ 1.
func MirrorEdge(i, n int) int {
	if uint(i) < uint(n) {
		return i
	}
	period := 2 * n
	i %= period
	if i < 0 {
		i += period
	}
	if i >= n {
		i = period - 1 - i
	}
	return i
}

// MirrorEdgeRow writes samples x0 … x0+len(dst)−1 of the row src into dst, reflected
// (MirrorEdge) outside 0 … len(src)−1.
func MirrorEdgeRow(dst, src []float32, x0 int) {
	n := len(src)
	a, b := max(x0, 0), min(x0+len(dst), n)
	if a < b {
		copy(dst[a-x0:b-x0], src[a:b])
	} else {
		a, b = x0, x0
	}
	for x := x0; x < a; x++ {
		dst[x-x0] = src[MirrorEdge(x, n)]
	}
	for x := max(b, x0); x < x0+len(dst); x++ {
		dst[x-x0] = src[MirrorEdge(x, n)]
	}
}

// PadPlaneEdge is PadPlane with MirrorEdge's reflection, for the rows y0 … y1−1 of the w×h
// plane src (rows srcStride apart) and pad rows on either side: sample (x, y) lands in dst at
// (x+pad, y−y0+pad), rows dstStride ≥ w+2·pad apart (y0 = 0, y1 = h: the whole plane).
func PadPlaneEdge(dst []float32, dstStride, pad int, src []float32, srcStride, w, h, y0, y1 int) {
	for y := y0 - pad; y < y1+pad; y++ {
		sy := MirrorEdge(y, h)
		o := (y - y0 + pad) * dstStride
		MirrorEdgeRow(dst[o:o+w+2*pad], src[sy*srcStride:sy*srcStride+w], -pad)
	}
}

// PadMaskEdge writes 0 where the w×h mask (rows w apart) is set and 1 elsewhere into dst,
// for the rows y0 … y1−1, laid out and reflected as PadPlaneEdge lays out a plane's.
func PadMaskEdge(dst []float32, dstStride, pad int, mask []bool, w, h, y0, y1 int) {
	for y := y0 - pad; y < y1+pad; y++ {
		m := mask[MirrorEdge(y, h)*w:][:w]
		d := dst[(y-y0+pad)*dstStride:][:w+2*pad]
		for x, set := range m {
			d[pad+x] = keepOf(set)
		}
		for x := 0; x < pad; x++ {
			d[x] = keepOf(m[MirrorEdge(x-pad, w)])
			d[pad+w+x] = keepOf(m[MirrorEdge(w+x, w)])
		}
	}
}

// WindowEdge returns dst[:0] with the (2r+1)² samples around (x, y) of the w×h plane pix
// (rows stride apart) appended row by row, reflected at the borders with MirrorEdge.
func WindowEdge(dst, pix []float32, stride, w, h, x, y, r int) []float32 {
	dst = dst[:0]
	for j := y - r; j <= y+r; j++ {
		row := pix[MirrorEdge(j, h)*stride:][:w]
		if x-r >= 0 && x+r < w {
			dst = append(dst, row[x-r:x+r+1]...)
			continue
		}
		for i := x - r; i <= x+r; i++ {
			dst = append(dst, row[MirrorEdge(i, w)])
		}
	}
	return dst
}

// keepOf is 0 for a masked sample, 1 for another.
func keepOf(masked bool) float32 {
	if masked {
		return 0
	}
	return 1
}
