//go:build goexperiment.simd && amd64

package dsp

import "simd/archsimd"

// The warp kernels keep the references' operations and order (no fused multiply-adds), so
// they are exact.

func init() {
	if hasFast {
		fastWarpRow = warpRowAVX2
		fastWarpSqDiffRow = warpSqDiffRowAVX2
		fastWarpBoxMeanRow = warpBoxMeanRowAVX2
		fastWarpAddRow = warpAddRowAVX2
		fastWarpSubRow = warpSubRowAVX2
		fastWarpScaleRow = warpScaleRowAVX2
		fastWarpScalePosRow = warpScalePosRowAVX2
		fastWarpTrustRow = warpTrustRowAVX2
		fastWarpAccumRow = warpAccumRowAVX2
		fastWarpDivRow = warpDivRowAVX2
		fastWarpTapsMulRow = warpTapsMulRowAVX2
		fastWarpGradRow = warpGradRowAVX2
	}
	if useMixed() { // a run's set-up and the fallback samples are scalar code
		warpRow = warpRowAVX2
	}
	if UseFast() {
		warpSqDiffRow = warpSqDiffRowAVX2
		warpBoxMeanRow = warpBoxMeanRowAVX2
		warpAddRow = warpAddRowAVX2
		warpSubRow = warpSubRowAVX2
		warpScaleRow = warpScaleRowAVX2
		warpScalePosRow = warpScalePosRowAVX2
		warpTrustRow = warpTrustRowAVX2
		warpAccumRow = warpAccumRowAVX2
		warpDivRow = warpDivRowAVX2
		warpTapsMulRow = warpTapsMulRowAVX2
		warpGradRow = warpGradRowAVX2
	}
}

var warpIotaF = [8]float32{0, 1, 2, 3, 4, 5, 6, 7}

// warpRowAVX2 computes the source positions of the row run by run with vector arithmetic
// (the reference's operations, so the same values), samples with vector loads each 8 pixels
// that lie inside on one row with one whole-pixel offset — a locally smooth field — and,
// with the upper YMM halves cleared, the others one by one.
func warpRowAVX2(dst []float32, y int, vx, vy []float32, runs []WarpRun, wts []float32, sx, sy []float32, src []float32, stride, w, h int) {
	n := len(dst)
	wts, sx, sy = wts[:n], sx[:n], sy[:n]
	maxX, maxY := float32(w-1), float32(h-1)
	fy := float32(y)
	for _, r := range runs {
		ax, bx := vx[r.I0], vx[r.I1]
		ay, by := vy[r.I0], vy[r.I1]
		dx, dy := bx-ax, by-ay
		x := int(r.X0)
		if x+8 <= int(r.X1) {
			iota := archsimd.LoadFloat32x8(&warpIotaF)
			vax, vdx := archsimd.BroadcastFloat32x8(ax), archsimd.BroadcastFloat32x8(dx)
			vay, vdy := archsimd.BroadcastFloat32x8(ay), archsimd.BroadcastFloat32x8(dy)
			vfy := archsimd.BroadcastFloat32x8(fy)
			for ; x+8 <= int(r.X1); x += 8 {
				xf := iota.Add(archsimd.BroadcastFloat32x8(float32(x))) // exact: small integers
				wv := archsimd.LoadFloat32x8Slice(wts[x:])
				xf.Add(vax).Add(vdx.Mul(wv)).StoreSlice(sx[x:])
				vfy.Add(vay).Add(vdy.Mul(wv)).StoreSlice(sy[x:])
			}
			archsimd.ClearAVXUpperBits()
		}
		for ; x+4 <= int(r.X1); x += 4 {
			wv := archsimd.LoadFloat32x4Slice(wts[x:])
			xf := archsimd.LoadFloat32x4Slice(warpIotaF[:]).Add(archsimd.BroadcastFloat32x4(float32(x)))
			xf.Add(archsimd.BroadcastFloat32x4(ax)).Add(archsimd.BroadcastFloat32x4(dx).Mul(wv)).StoreSlice(sx[x:])
			archsimd.BroadcastFloat32x4(fy).Add(archsimd.BroadcastFloat32x4(ay)).Add(archsimd.BroadcastFloat32x4(dy).Mul(wv)).StoreSlice(sy[x:])
		}
		for ; x < int(r.X1); x++ {
			sx[x] = float32(x) + ax + dx*wts[x]
			sy[x] = fy + ay + dy*wts[x]
		}
	}
	for x0 := 0; x0 < n; x0 += 64 {
		m := min(64, n-x0)
		// slow[g]: group g goes one by one. An array in memory, not a bit set: written from
		// the masks, it orders every vector operation before ClearAVXUpperBits.
		var slow [8]bool
		// Made here, not above the loop: no vector may live across ClearAVXUpperBits, or
		// its reload dirties the upper halves again.
		zero := archsimd.Float32x8{}
		vmaxX, vmaxY := archsimd.BroadcastFloat32x8(maxX), archsimd.BroadcastFloat32x8(maxY)
		izero, two, eight := archsimd.Int32x8{}, archsimd.BroadcastInt32x8(2), archsimd.BroadcastInt32x8(8)
		g := 0
		for ; 8*g+8 <= m; g++ {
			i := x0 + 8*g
			px := archsimd.LoadFloat32x8Slice(sx[i:])
			py := archsimd.LoadFloat32x8Slice(sy[i:])
			inside := px.GreaterEqual(zero).And(py.GreaterEqual(zero)).And(px.Less(vmaxX)).And(py.Less(vmaxY))
			if inside.ToBits() == 0xff {
				fx, fyv := px.Trunc(), py.Trunc()
				ix, iy := fx.ConvertToInt32(), fyv.ConvertToInt32()
				// The group's taps lie within 8 columns of the first pixel's and in two
				// source rows (a pan, a zoom, a vector field crossing a whole pixel
				// inside the group): loads of 8, permuted, and for a second row a blend
				// gather them.
				x1 := ix.GetLo().GetElem(0)                             // the first pixel's column
				y1 := min(iy.GetLo().GetElem(0), iy.GetHi().GetElem(3)) // the upper of the ends' rows
				rel := ix.Sub(archsimd.BroadcastInt32x8(x1))
				dy := iy.Sub(archsimd.BroadcastInt32x8(y1))
				near := rel.GreaterEqual(izero).And(rel.Less(eight)).And(dy.GreaterEqual(izero)).And(dy.Less(two))
				o := int(y1)*stride + int(x1)
				if near.ToBits() == 0xff && o+2*stride+9 <= len(src) {
					idx := rel.AsUint32x8()
					ax, ay := px.Sub(fx), py.Sub(fyv)
					r0 := archsimd.LoadFloat32x8Slice(src[o:]).Permute(idx)
					r0n := archsimd.LoadFloat32x8Slice(src[o+1:]).Permute(idx)
					r1 := archsimd.LoadFloat32x8Slice(src[o+stride:]).Permute(idx)
					r1n := archsimd.LoadFloat32x8Slice(src[o+stride+1:]).Permute(idx)
					if upper := dy.Equal(izero); upper.ToBits() != 0xff {
						// lanes one row down: rows y1+1 and y1+2
						r2 := archsimd.LoadFloat32x8Slice(src[o+2*stride:]).Permute(idx)
						r2n := archsimd.LoadFloat32x8Slice(src[o+2*stride+1:]).Permute(idx)
						r0, r0n = r0.Merge(r1, upper), r0n.Merge(r1n, upper)
						r1, r1n = r1.Merge(r2, upper), r1n.Merge(r2n, upper)
					}
					top := r0.Add(r0n.Sub(r0).Mul(ax))
					bot := r1.Add(r1n.Sub(r1).Mul(ax))
					top.Add(bot.Sub(top).Mul(ay)).StoreSlice(dst[i:])
					continue
				}
			}
			slow[g] = true
		}
		archsimd.ClearAVXUpperBits() // after the last vector store: the scalar code runs clean
		for k := range g {
			if slow[k] {
				for i := x0 + 8*k; i < x0+8*k+8; i++ {
					dst[i] = warpSample(src, stride, w, h, sx[i], sy[i], maxX, maxY)
				}
			}
		}
		for i := x0 + 8*g; i < x0+m; i++ {
			dst[i] = warpSample(src, stride, w, h, sx[i], sy[i], maxX, maxY)
		}
	}
	// Measured: without this the kernel can return dirty although no vector operation
	// follows the one above in the code the compiler emits.
	archsimd.ClearAVXUpperBits()
}

func warpSqDiffRowAVX2(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	x := 0
	for ; x+8 <= n; x += 8 {
		d := archsimd.LoadFloat32x8Slice(a[x:]).Sub(archsimd.LoadFloat32x8Slice(b[x:]))
		d.Mul(d).StoreSlice(dst[x:])
	}
	archsimd.ClearAVXUpperBits() // after the last vector store: the scalar tail runs clean
	warpSqDiffRowGeneric(dst[x:], a[x:], b[x:])
}

func warpBoxMeanRowAVX2(dst, src []float32, r int) {
	n := len(dst)
	src = src[:n]
	// The windows of x ∈ [r, n−1−r] are whole: 8 at a time with 2r+1 shifted loads.
	lo, hi := min(r, n), n-r // whole windows for x in [lo, hi)
	for x := 0; x < lo; x++ {
		dst[x] = warpBoxMeanAt(src, x, r)
	}
	x := lo
	cnt := archsimd.BroadcastFloat32x8(float32(2*r + 1))
	for ; x+8 <= hi; x += 8 {
		s := archsimd.LoadFloat32x8Slice(src[x-r:])
		for k := 1; k <= 2*r; k++ {
			s = s.Add(archsimd.LoadFloat32x8Slice(src[x-r+k:]))
		}
		s.Div(cnt).StoreSlice(dst[x:])
	}
	archsimd.ClearAVXUpperBits() // after the last vector store: the scalar tail runs clean
	for ; x < n; x++ {
		dst[x] = warpBoxMeanAt(src, x, r)
	}
}

// warpBoxMeanAt is warpBoxMeanRowGeneric at one sample.
func warpBoxMeanAt(src []float32, x, r int) float32 {
	lo, hi := max(x-r, 0), min(x+r, len(src)-1)
	s := src[lo]
	for k := lo + 1; k <= hi; k++ {
		s += src[k]
	}
	return s / float32(hi-lo+1)
}

func warpAddRowAVX2(d, s []float32) {
	n := len(d)
	s = s[:n]
	x := 0
	for ; x+8 <= n; x += 8 {
		archsimd.LoadFloat32x8Slice(d[x:]).Add(archsimd.LoadFloat32x8Slice(s[x:])).StoreSlice(d[x:])
	}
	archsimd.ClearAVXUpperBits() // after the last vector store: the scalar tail runs clean
	warpAddRowGeneric(d[x:], s[x:])
}

func warpSubRowAVX2(d, s []float32) {
	n := len(d)
	s = s[:n]
	x := 0
	for ; x+8 <= n; x += 8 {
		archsimd.LoadFloat32x8Slice(d[x:]).Sub(archsimd.LoadFloat32x8Slice(s[x:])).StoreSlice(d[x:])
	}
	archsimd.ClearAVXUpperBits() // after the last vector store: the scalar tail runs clean
	warpSubRowGeneric(d[x:], s[x:])
}

func warpScaleRowAVX2(d []float32, k float32) {
	vk := archsimd.BroadcastFloat32x8(k)
	x := 0
	for ; x+8 <= len(d); x += 8 {
		archsimd.LoadFloat32x8Slice(d[x:]).Mul(vk).StoreSlice(d[x:])
	}
	archsimd.ClearAVXUpperBits() // after the last vector store: the scalar tail runs clean
	warpScaleRowGeneric(d[x:], k)
}

func warpScalePosRowAVX2(d, s []float32, k float32) {
	n := len(d)
	s = s[:n]
	vk := archsimd.BroadcastFloat32x8(k)
	zero := archsimd.Float32x8{}
	x := 0
	for ; x+8 <= n; x += 8 {
		archsimd.LoadFloat32x8Slice(s[x:]).Max(zero).Mul(vk).StoreSlice(d[x:])
	}
	archsimd.ClearAVXUpperBits() // after the last vector store: the scalar tail runs clean
	warpScalePosRowGeneric(d[x:], s[x:], k)
}

func warpTrustRowAVX2(d []float32, inv, knee, slope float32) {
	vi, vk, vs := archsimd.BroadcastFloat32x8(inv), archsimd.BroadcastFloat32x8(knee), archsimd.BroadcastFloat32x8(slope)
	one := archsimd.BroadcastFloat32x8(1)
	zero := archsimd.Float32x8{}
	x := 0
	for ; x+8 <= len(d); x += 8 {
		q := archsimd.LoadFloat32x8Slice(d[x:]).Mul(vi).Sub(vk).Max(zero)
		one.Div(one.Add(vs.Mul(q).Mul(q))).StoreSlice(d[x:])
	}
	archsimd.ClearAVXUpperBits() // after the last vector store: the scalar tail runs clean
	warpTrustRowGeneric(d[x:], inv, knee, slope)
}

var warpEvens = [8]uint32{0, 2, 4, 6, 1, 3, 5, 7}

func warpAccumRowAVX2(d, ws, src, rel []float32, sw int) {
	n := len(d)
	ws, src = ws[:n], src[:n]
	x := 0
	switch sw {
	case 0:
		rel = rel[:n]
		for ; x+8 <= n; x += 8 {
			r := archsimd.LoadFloat32x8Slice(rel[x:])
			archsimd.LoadFloat32x8Slice(d[x:]).Add(r.Mul(archsimd.LoadFloat32x8Slice(src[x:]))).StoreSlice(d[x:])
			archsimd.LoadFloat32x8Slice(ws[x:]).Add(r).StoreSlice(ws[x:])
		}
	case 1:
		perm := archsimd.LoadUint32x8(&warpEvens)
		for ; x+8 <= n && 2*x+16 <= len(rel); x += 8 {
			a := archsimd.LoadFloat32x8Slice(rel[2*x:]).Permute(perm)
			b := archsimd.LoadFloat32x8Slice(rel[2*x+8:]).Permute(perm)
			r := a.SetHi(b.GetLo())
			archsimd.LoadFloat32x8Slice(d[x:]).Add(r.Mul(archsimd.LoadFloat32x8Slice(src[x:]))).StoreSlice(d[x:])
			archsimd.LoadFloat32x8Slice(ws[x:]).Add(r).StoreSlice(ws[x:])
		}
	}
	archsimd.ClearAVXUpperBits() // after the last vector store: the scalar tail runs clean
	if x < n {
		warpAccumRowGeneric(d[x:], ws[x:], src[x:], rel[x<<sw:], sw)
	}
}

func warpDivRowAVX2(d, ws []float32) {
	n := len(d)
	ws = ws[:n]
	x := 0
	for ; x+8 <= n; x += 8 {
		archsimd.LoadFloat32x8Slice(d[x:]).Div(archsimd.LoadFloat32x8Slice(ws[x:])).StoreSlice(d[x:])
	}
	archsimd.ClearAVXUpperBits() // after the last vector store: the scalar tail runs clean
	warpDivRowGeneric(d[x:], ws[x:])
}

func warpTapsMulRowAVX2(d, f0, f1 []float32, wy float32, runs []WarpRun, wts []float32) {
	wts = wts[:len(d)]
	for _, r := range runs {
		a := f0[r.I0] + (f1[r.I0]-f0[r.I0])*wy
		b := f0[r.I1] + (f1[r.I1]-f0[r.I1])*wy
		x := int(r.X0)
		if x+8 <= int(r.X1) {
			va, vba := archsimd.BroadcastFloat32x8(a), archsimd.BroadcastFloat32x8(b-a)
			for ; x+8 <= int(r.X1); x += 8 {
				t := va.Add(vba.Mul(archsimd.LoadFloat32x8Slice(wts[x:])))
				archsimd.LoadFloat32x8Slice(d[x:]).Mul(t).StoreSlice(d[x:])
			}
			archsimd.ClearAVXUpperBits() // after the last vector store: the scalar code runs clean
		}
		for ; x < int(r.X1); x++ {
			d[x] *= a + (b-a)*wts[x]
		}
	}
}

// warpGradRowAVX2 computes the differences of 64 pixels at a time with vectors, then adds
// them into the blocks one by one, in the reference's order.
func warpGradRowAVX2(g, row, next []float32, bs int) {
	n := len(row)
	if next != nil {
		next = next[:n]
	}
	var s [64]float32
	for x0 := 0; x0 < n; x0 += 64 {
		m := min(64, n-x0)
		i := 0
		for ; i+8 <= m && x0+i+9 <= n; i += 8 {
			x := x0 + i
			r := archsimd.LoadFloat32x8Slice(row[x:])
			a := archsimd.LoadFloat32x8Slice(row[x+1:]).Sub(r)
			v := a.Mul(a)
			if next != nil {
				dn := archsimd.LoadFloat32x8Slice(next[x:]).Sub(r)
				v = v.Add(dn.Mul(dn))
			}
			v.StoreSlice(s[i:])
		}
		archsimd.ClearAVXUpperBits() // after the last vector store: the scalar code runs clean
		for ; i < m; i++ {
			s[i] = warpGradAt(row, next, x0+i)
		}
		for i, v := range s[:m] {
			g[(x0+i)/bs] += v
		}
	}
}
