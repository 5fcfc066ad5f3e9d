//go:build goexperiment.simd && amd64

package dsp

import "simd/archsimd"

func init() {
	if hasFast {
		fastSSD = ssdAVX2
		fastSSDLerpH = ssdLerpHAVX2
		fastSSDLerpV = ssdLerpVAVX2
		fastSSDBilinear = ssdBilinearAVX2
		fastDownsample2Row = downsample2RowAVX2
	}
	if UseFast() {
		downsample2Row = downsample2RowAVX2
	}
	if useMixed() { // the block costs check their bound in scalar code between rows
		ssd = ssdAVX2
		ssdLerpH = ssdLerpHAVX2
		ssdLerpV = ssdLerpVAVX2
		ssdBilinear = ssdBilinearAVX2
	}
}

// motionReduce sums the lanes of a row sum and a 4-wide tail sum into lane 0 with 128-bit
// (VEX) operations.
func motionReduce(v archsimd.Float32x8, v4 archsimd.Float32x4) archsimd.Float32x4 {
	s := v.GetLo().Add(v.GetHi()).Add(v4)
	s = s.AddPairs(s)
	return s.AddPairs(s)
}

// motionDone returns lane 0 of r plus t with the upper YMM halves cleared: r goes through
// memory, the one thing ClearAVXUpperBits is ordered against, so no 256-bit work can be
// moved after it, and the scalar code that follows runs without the dirty-upper penalty.
// It is the value the early-exit tests compare (lane 0 plus t).
func motionDone(r archsimd.Float32x4, t float32) float32 {
	var m [4]float32
	r.Store(&m)
	archsimd.ClearAVXUpperBits()
	return m[0] + t
}

// The 8-wide windows of the default blocks keep the sum in one register; other widths go by
// 8 samples, then 4, then one at a time. The sub-pixel kernels test the limit after every
// row, as the references do: the search ranks candidates by the partial sums of the ones
// that stopped early, so where they stop is part of the result. The whole-pixel search only
// keeps sums below the limit, so where it stops is free: its 8-wide path tests once, after 4 rows
// (a test after every second row, the general path's, cost more in reductions than it saved in
// rows on the 720p benchmark).

func ssdAVX2(a []float32, as int, b []float32, bs int, w, h int, limit float32) float32 {
	var acc archsimd.Float32x8
	var z4 archsimd.Float32x4
	if w == 8 {
		o, p := 0, 0
		y := 0
		for ; y+2 <= h; y += 2 {
			d0 := archsimd.LoadFloat32x8Slice(a[o:]).Sub(archsimd.LoadFloat32x8Slice(b[p:]))
			d1 := archsimd.LoadFloat32x8Slice(a[o+as:]).Sub(archsimd.LoadFloat32x8Slice(b[p+bs:]))
			acc = d0.MulAdd(d0, acc)
			acc = d1.MulAdd(d1, acc)
			o += 2 * as
			p += 2 * bs
			if y == 2 && y+2 < h { // after 4 rows only: see above
				if r := motionReduce(acc, z4); r.GetElem(0) >= limit {
					return motionDone(r, 0)
				}
			}
		}
		if y < h {
			d0 := archsimd.LoadFloat32x8Slice(a[o:]).Sub(archsimd.LoadFloat32x8Slice(b[p:]))
			acc = d0.MulAdd(d0, acc)
		}
		return motionDone(motionReduce(acc, z4), 0)
	}
	var acc4 archsimd.Float32x4
	var s float32
	o, p := 0, 0
	for y := 0; y < h; y++ {
		ra, rb := a[o:o+w], b[p:p+w]
		x := 0
		for ; x+8 <= w; x += 8 {
			d := archsimd.LoadFloat32x8Slice(ra[x:]).Sub(archsimd.LoadFloat32x8Slice(rb[x:]))
			acc = d.MulAdd(d, acc)
		}
		if x+4 <= w {
			d := archsimd.LoadFloat32x4Slice(ra[x:]).Sub(archsimd.LoadFloat32x4Slice(rb[x:]))
			acc4 = d.MulAdd(d, acc4)
			x += 4
		}
		for ; x < w; x++ {
			d := ra[x] - rb[x]
			s += d * d
		}
		if y&1 == 1 && y+1 < h {
			if r := motionReduce(acc, acc4); r.GetElem(0)+s >= limit {
				return motionDone(r, s)
			}
		}
		o += as
		p += bs
	}
	return motionDone(motionReduce(acc, acc4), s)
}

func ssdLerpHAVX2(a []float32, as int, b []float32, bs int, w, h int, ax, limit float32) float32 {
	var acc archsimd.Float32x8
	var z4 archsimd.Float32x4
	vx := archsimd.BroadcastFloat32x8(ax)
	o, p := 0, 0
	if w == 8 {
		for y := 0; y < h; y++ {
			r0 := archsimd.LoadFloat32x8Slice(b[p:])
			r1 := archsimd.LoadFloat32x8Slice(b[p+1:])
			d := archsimd.LoadFloat32x8Slice(a[o:]).Sub(r1.Sub(r0).MulAdd(vx, r0))
			acc = d.MulAdd(d, acc)
			if y+1 < h {
				if r := motionReduce(acc, z4); r.GetElem(0) >= limit {
					return motionDone(r, 0)
				}
			}
			o += as
			p += bs
		}
		return motionDone(motionReduce(acc, z4), 0)
	}
	var acc4 archsimd.Float32x4
	vx4 := archsimd.BroadcastFloat32x4(ax)
	var s float32
	for y := 0; y < h; y++ {
		ra, rb := a[o:o+w], b[p:p+w+1]
		x := 0
		for ; x+8 <= w; x += 8 {
			r0 := archsimd.LoadFloat32x8Slice(rb[x:])
			r1 := archsimd.LoadFloat32x8Slice(rb[x+1:])
			d := archsimd.LoadFloat32x8Slice(ra[x:]).Sub(r1.Sub(r0).MulAdd(vx, r0))
			acc = d.MulAdd(d, acc)
		}
		if x+4 <= w {
			r0 := archsimd.LoadFloat32x4Slice(rb[x:])
			r1 := archsimd.LoadFloat32x4Slice(rb[x+1:])
			d := archsimd.LoadFloat32x4Slice(ra[x:]).Sub(r1.Sub(r0).MulAdd(vx4, r0))
			acc4 = d.MulAdd(d, acc4)
			x += 4
		}
		for ; x < w; x++ {
			d := ra[x] - (rb[x] + ax*(rb[x+1]-rb[x]))
			s += d * d
		}
		if y+1 < h {
			if r := motionReduce(acc, acc4); r.GetElem(0)+s >= limit {
				return motionDone(r, s)
			}
		}
		o += as
		p += bs
	}
	return motionDone(motionReduce(acc, acc4), s)
}

func ssdLerpVAVX2(a []float32, as int, b []float32, bs int, w, h int, ay, limit float32) float32 {
	var acc archsimd.Float32x8
	var z4 archsimd.Float32x4
	vy := archsimd.BroadcastFloat32x8(ay)
	o, p := 0, 0
	if w == 8 {
		prev := archsimd.LoadFloat32x8Slice(b)
		for y := 0; y < h; y++ {
			p += bs
			next := archsimd.LoadFloat32x8Slice(b[p:])
			d := archsimd.LoadFloat32x8Slice(a[o:]).Sub(next.Sub(prev).MulAdd(vy, prev))
			acc = d.MulAdd(d, acc)
			prev = next
			if y+1 < h {
				if r := motionReduce(acc, z4); r.GetElem(0) >= limit {
					return motionDone(r, 0)
				}
			}
			o += as
		}
		return motionDone(motionReduce(acc, z4), 0)
	}
	var acc4 archsimd.Float32x4
	vy4 := archsimd.BroadcastFloat32x4(ay)
	var s float32
	for y := 0; y < h; y++ {
		ra, r0, r1 := a[o:o+w], b[p:p+w], b[p+bs:p+bs+w]
		x := 0
		for ; x+8 <= w; x += 8 {
			u := archsimd.LoadFloat32x8Slice(r0[x:])
			v := archsimd.LoadFloat32x8Slice(r1[x:])
			d := archsimd.LoadFloat32x8Slice(ra[x:]).Sub(v.Sub(u).MulAdd(vy, u))
			acc = d.MulAdd(d, acc)
		}
		if x+4 <= w {
			u := archsimd.LoadFloat32x4Slice(r0[x:])
			v := archsimd.LoadFloat32x4Slice(r1[x:])
			d := archsimd.LoadFloat32x4Slice(ra[x:]).Sub(v.Sub(u).MulAdd(vy4, u))
			acc4 = d.MulAdd(d, acc4)
			x += 4
		}
		for ; x < w; x++ {
			d := ra[x] - (r0[x] + ay*(r1[x]-r0[x]))
			s += d * d
		}
		if y+1 < h {
			if r := motionReduce(acc, acc4); r.GetElem(0)+s >= limit {
				return motionDone(r, s)
			}
		}
		o += as
		p += bs
	}
	return motionDone(motionReduce(acc, acc4), s)
}

func ssdBilinearAVX2(a []float32, as int, b []float32, bs int, w, h int, ax, ay, limit float32) float32 {
	var acc archsimd.Float32x8
	var z4 archsimd.Float32x4
	vx := archsimd.BroadcastFloat32x8(ax)
	vy := archsimd.BroadcastFloat32x8(ay)
	o, p := 0, 0
	if w == 8 {
		r0 := archsimd.LoadFloat32x8Slice(b)
		r1 := archsimd.LoadFloat32x8Slice(b[1:])
		prev := r1.Sub(r0).MulAdd(vx, r0)
		for y := 0; y < h; y++ {
			p += bs
			r0 = archsimd.LoadFloat32x8Slice(b[p:])
			r1 = archsimd.LoadFloat32x8Slice(b[p+1:])
			next := r1.Sub(r0).MulAdd(vx, r0)
			d := archsimd.LoadFloat32x8Slice(a[o:]).Sub(next.Sub(prev).MulAdd(vy, prev))
			acc = d.MulAdd(d, acc)
			prev = next
			if y+1 < h {
				if r := motionReduce(acc, z4); r.GetElem(0) >= limit {
					return motionDone(r, 0)
				}
			}
			o += as
		}
		return motionDone(motionReduce(acc, z4), 0)
	}
	var acc4 archsimd.Float32x4
	vx4 := archsimd.BroadcastFloat32x4(ax)
	vy4 := archsimd.BroadcastFloat32x4(ay)
	var s float32
	for y := 0; y < h; y++ {
		ra, rb, rc := a[o:o+w], b[p:p+w+1], b[p+bs:p+bs+w+1]
		x := 0
		for ; x+8 <= w; x += 8 {
			u0 := archsimd.LoadFloat32x8Slice(rb[x:])
			u1 := archsimd.LoadFloat32x8Slice(rb[x+1:])
			v0 := archsimd.LoadFloat32x8Slice(rc[x:])
			v1 := archsimd.LoadFloat32x8Slice(rc[x+1:])
			hu := u1.Sub(u0).MulAdd(vx, u0)
			hv := v1.Sub(v0).MulAdd(vx, v0)
			d := archsimd.LoadFloat32x8Slice(ra[x:]).Sub(hv.Sub(hu).MulAdd(vy, hu))
			acc = d.MulAdd(d, acc)
		}
		if x+4 <= w {
			u0 := archsimd.LoadFloat32x4Slice(rb[x:])
			u1 := archsimd.LoadFloat32x4Slice(rb[x+1:])
			v0 := archsimd.LoadFloat32x4Slice(rc[x:])
			v1 := archsimd.LoadFloat32x4Slice(rc[x+1:])
			hu := u1.Sub(u0).MulAdd(vx4, u0)
			hv := v1.Sub(v0).MulAdd(vx4, v0)
			d := archsimd.LoadFloat32x4Slice(ra[x:]).Sub(hv.Sub(hu).MulAdd(vy4, hu))
			acc4 = d.MulAdd(d, acc4)
			x += 4
		}
		for ; x < w; x++ {
			h0 := rb[x] + ax*(rb[x+1]-rb[x])
			h1 := rc[x] + ax*(rc[x+1]-rc[x])
			d := ra[x] - (h0 + ay*(h1-h0))
			s += d * d
		}
		if y+1 < h {
			if r := motionReduce(acc, acc4); r.GetElem(0)+s >= limit {
				return motionDone(r, s)
			}
		}
		o += as
		p += bs
	}
	return motionDone(motionReduce(acc, acc4), s)
}

// downsample2RowAVX2 adds adjacent pairs of each row, then the rows, in the reference's
// order: it is exact.
func downsample2RowAVX2(dst, r0, r1 []float32) {
	r1 = r1[:len(r0)]
	q := archsimd.BroadcastFloat32x8(0.25)
	// AddPairsGrouped leaves the pairs of the two inputs interleaved by 128-bit halves.
	perm := archsimd.LoadUint32x8(&[8]uint32{0, 1, 4, 5, 2, 3, 6, 7})
	x := 0
	for ; x+8 <= len(dst) && 2*x+16 <= len(r0); x += 8 {
		a := archsimd.LoadFloat32x8Slice(r0[2*x:]).AddPairsGrouped(archsimd.LoadFloat32x8Slice(r0[2*x+8:]))
		b := archsimd.LoadFloat32x8Slice(r1[2*x:]).AddPairsGrouped(archsimd.LoadFloat32x8Slice(r1[2*x+8:]))
		a.Add(b).Mul(q).Permute(perm).StoreSlice(dst[x:])
	}
	archsimd.ClearAVXUpperBits() // after the last vector store: the scalar tail runs clean
	downsample2RowGeneric(dst[x:], r0[2*x:], r1[2*x:])
}
