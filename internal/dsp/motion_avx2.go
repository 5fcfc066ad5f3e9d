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
		ssd = ssdAVX2
		ssdLerpH = ssdLerpHAVX2
		ssdLerpV = ssdLerpVAVX2
		ssdBilinear = ssdBilinearAVX2
		downsample2Row = downsample2RowAVX2
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
func motionDone(r archsimd.Float32x4, t *[1]float32, m *[4]float32) float32 {
	r.Store(m)
	archsimd.ClearAVXUpperBits()
	return m[0] + t[0]
}

// motionOver reports whether lane 0 of r is at least lane 0 of lim, in vector code: a scalar
// comparison is a legacy-SSE instruction, slow with the upper halves dirty on some CPUs.
func motionOver(r, lim archsimd.Float32x4) bool { return r.GreaterEqual(lim).ToBits()&1 != 0 }

// motionZero8 and motionZero4 are zero vectors to load: a zero made in place is a legacy-SSE instruction, and
// the compiler makes one where it is used.
var (
	motionZero8 [8]float32
	motionZero4 [4]float32
	motionZero1 [1]float32
)

// A kernel makes its 128-bit values first (a Broadcast starts from a zero made in place),
// while the upper halves are still clean, and its 256-bit broadcasts from them; motionDone's
// buffer is declared there too, since zeroing it is a legacy-SSE store.

// The 8-wide windows of the default blocks keep the sum in one register; other widths go by
// 8 samples, then 4, then one at a time. The sub-pixel kernels test the limit after every
// row, as the references do: the search ranks candidates by the partial sums of the ones
// that stopped early, so where they stop is part of the result. The whole-pixel search only
// keeps sums below the limit, so where it stops is free: its 8-wide path tests once, after 4 rows
// (a test after every second row, the general path's, cost more in reductions than it saved in
// rows on the 720p benchmark).

func ssdAVX2(a []float32, as int, b []float32, bs int, w, h int, limit float32) float32 {
	var m [4]float32
	z4 := archsimd.LoadFloat32x4(&motionZero4)
	lim := archsimd.BroadcastFloat32x4(limit)
	var acc archsimd.Float32x8
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
				if r := motionReduce(acc, z4); motionOver(r, lim) {
					return motionDone(r, &motionZero1, &m)
				}
			}
		}
		if y < h {
			d0 := archsimd.LoadFloat32x8Slice(a[o:]).Sub(archsimd.LoadFloat32x8Slice(b[p:]))
			acc = d0.MulAdd(d0, acc)
		}
		return motionDone(motionReduce(acc, z4), &motionZero1, &m)
	}
	z8 := archsimd.LoadFloat32x8(&motionZero8)
	var s [1]float32 // the columns beyond the last 4: only when w is not a multiple of 4
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
			d8 := z8.SetLo(d) // into acc's low lanes: no 128-bit accumulator to move around the loop
			acc = d8.MulAdd(d8, acc)
			x += 4
		}
		for ; x < w; x++ {
			d := ra[x] - rb[x]
			s[0] += d * d
		}
		if y&1 == 1 && y+1 < h {
			if r := motionReduce(acc, z4); motionStop(r, lim, &s, limit, w) {
				return motionDone(r, &s, &m)
			}
		}
		o += as
		p += bs
	}
	return motionDone(motionReduce(acc, z4), &s, &m)
}

// motionStop is the general path's early-exit test, lane 0 of r plus the scalar columns' s
// at least limit: in vector code where there are no scalar columns (s is 0), else in scalar
// code (which then has run anyway). s stays in memory, so that no float register carries it
// through the loop: the compiler moves such registers with legacy-SSE instructions.
func motionStop(r, lim archsimd.Float32x4, s *[1]float32, limit float32, w int) bool {
	if w&3 == 0 {
		return motionOver(r, lim)
	}
	return r.GetElem(0)+s[0] >= limit
}

func ssdLerpHAVX2(a []float32, as int, b []float32, bs int, w, h int, ax, limit float32) float32 {
	var m [4]float32
	z4 := archsimd.LoadFloat32x4(&motionZero4)
	lim := archsimd.BroadcastFloat32x4(limit)
	vx4 := archsimd.BroadcastFloat32x4(ax)
	vx := vx4.Broadcast1To8()
	var acc archsimd.Float32x8
	o, p := 0, 0
	if w == 8 {
		for y := 0; y < h; y++ {
			r0 := archsimd.LoadFloat32x8Slice(b[p:])
			r1 := archsimd.LoadFloat32x8Slice(b[p+1:])
			d := archsimd.LoadFloat32x8Slice(a[o:]).Sub(r1.Sub(r0).MulAdd(vx, r0))
			acc = d.MulAdd(d, acc)
			if y+1 < h {
				if r := motionReduce(acc, z4); motionOver(r, lim) {
					return motionDone(r, &motionZero1, &m)
				}
			}
			o += as
			p += bs
		}
		return motionDone(motionReduce(acc, z4), &motionZero1, &m)
	}
	z8 := archsimd.LoadFloat32x8(&motionZero8)
	var s [1]float32
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
			d8 := z8.SetLo(d) // into acc's low lanes: no 128-bit accumulator to move around the loop
			acc = d8.MulAdd(d8, acc)
			x += 4
		}
		for ; x < w; x++ {
			d := ra[x] - (rb[x] + ax*(rb[x+1]-rb[x]))
			s[0] += d * d
		}
		if y+1 < h {
			if r := motionReduce(acc, z4); motionStop(r, lim, &s, limit, w) {
				return motionDone(r, &s, &m)
			}
		}
		o += as
		p += bs
	}
	return motionDone(motionReduce(acc, z4), &s, &m)
}

func ssdLerpVAVX2(a []float32, as int, b []float32, bs int, w, h int, ay, limit float32) float32 {
	var m [4]float32
	z4 := archsimd.LoadFloat32x4(&motionZero4)
	lim := archsimd.BroadcastFloat32x4(limit)
	vy4 := archsimd.BroadcastFloat32x4(ay)
	vy := vy4.Broadcast1To8()
	var acc archsimd.Float32x8
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
				if r := motionReduce(acc, z4); motionOver(r, lim) {
					return motionDone(r, &motionZero1, &m)
				}
			}
			o += as
		}
		return motionDone(motionReduce(acc, z4), &motionZero1, &m)
	}
	z8 := archsimd.LoadFloat32x8(&motionZero8)
	var s [1]float32
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
			d8 := z8.SetLo(d) // into acc's low lanes: no 128-bit accumulator to move around the loop
			acc = d8.MulAdd(d8, acc)
			x += 4
		}
		for ; x < w; x++ {
			d := ra[x] - (r0[x] + ay*(r1[x]-r0[x]))
			s[0] += d * d
		}
		if y+1 < h {
			if r := motionReduce(acc, z4); motionStop(r, lim, &s, limit, w) {
				return motionDone(r, &s, &m)
			}
		}
		o += as
		p += bs
	}
	return motionDone(motionReduce(acc, z4), &s, &m)
}

func ssdBilinearAVX2(a []float32, as int, b []float32, bs int, w, h int, ax, ay, limit float32) float32 {
	var m [4]float32
	z4 := archsimd.LoadFloat32x4(&motionZero4)
	lim := archsimd.BroadcastFloat32x4(limit)
	vx4, vy4 := archsimd.BroadcastFloat32x4(ax), archsimd.BroadcastFloat32x4(ay)
	vx, vy := vx4.Broadcast1To8(), vy4.Broadcast1To8()
	var acc archsimd.Float32x8
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
				if r := motionReduce(acc, z4); motionOver(r, lim) {
					return motionDone(r, &motionZero1, &m)
				}
			}
			o += as
		}
		return motionDone(motionReduce(acc, z4), &motionZero1, &m)
	}
	z8 := archsimd.LoadFloat32x8(&motionZero8)
	var s [1]float32
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
			d8 := z8.SetLo(d) // into acc's low lanes: no 128-bit accumulator to move around the loop
			acc = d8.MulAdd(d8, acc)
			x += 4
		}
		for ; x < w; x++ {
			h0 := rb[x] + ax*(rb[x+1]-rb[x])
			h1 := rc[x] + ax*(rc[x+1]-rc[x])
			d := ra[x] - (h0 + ay*(h1-h0))
			s[0] += d * d
		}
		if y+1 < h {
			if r := motionReduce(acc, z4); motionStop(r, lim, &s, limit, w) {
				return motionDone(r, &s, &m)
			}
		}
		o += as
		p += bs
	}
	return motionDone(motionReduce(acc, z4), &s, &m)
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
