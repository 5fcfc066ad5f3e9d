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
	if UseFast() {
		warpRow = warpRowAVX2
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

// warpSlowCap is how many groups of 8 columns warpRowAVX2 notes for the scalar code before
// it runs it: each switch to scalar code costs a transition where those are slow.
const warpSlowCap = 32

// warpRowAVX2 works in groups of 8 columns (the last one overlapping the one before when the
// width is not a multiple of 8), all in vector code: it interpolates the group's vectors
// from block vectors loaded from the group's first block on and permuted, with the
// reference's operations in its order (so the same positions), and samples with vector loads
// each group that lies inside on one row with one whole-pixel offset — a locally smooth
// field. The others (a plane's edge, a field that tears) it notes and, after the last vector
// instruction of the row with the upper YMM halves cleared, samples one by one as the
// reference does. No scalar float code runs between vector instructions: where moving between
// legacy-SSE and AVX code is slow, that would cost more than the arithmetic.
func warpRowAVX2(dst []float32, y int, vx, vy []float32, cols *WarpCols, src []float32, stride, w, h int) {
	n := len(dst)
	if n < 8 {
		warpRowGeneric(dst, y, vx, vy, cols, src, stride, w, h)
		return
	}
	i0s, i1s, wts := cols.I0[:n], cols.I1[:n], cols.W[:n]
	var slow [warpSlowCap]int32
	ns := 0
	// Across the scalar code's call below these are spilled and loaded again after it, in
	// vector code: the scalar code runs clean.
	iota := archsimd.LoadFloat32x8(&warpIotaF)
	yf := archsimd.BroadcastInt32x8(int32(y)).ConvertToFloat32()
	zero := archsimd.Float32x8{}
	vmaxX := archsimd.BroadcastInt32x8(int32(w - 1)).ConvertToFloat32()
	vmaxY := archsimd.BroadcastInt32x8(int32(h - 1)).ConvertToFloat32()
	izero, two := archsimd.Int32x8{}, archsimd.BroadcastInt32x8(2)
	seven, eight, nine := archsimd.BroadcastInt32x8(7), archsimd.BroadcastInt32x8(8), archsimd.BroadcastInt32x8(9)
	for x := 0; x < n; x += 8 {
		if x+8 > n {
			x = n - 8 // the same values again for the overlap
		}
		if ns == warpSlowCap {
			archsimd.ClearAVXUpperBits()
			warpSlowGroups(dst, y, vx, vy, cols, slow[:ns], src, stride, w, h)
			ns = 0
		}
		f0 := i0s[x]
		if i1s[x+7]-f0 >= 8 || int(i1s[x+7]) >= len(vx) || int(i1s[x+7]) >= len(vy) {
			// blocks of a column or two: more than the 8 one load brings
			slow[ns] = int32(x)
			ns++
			continue
		}
		base := archsimd.BroadcastInt32x8(f0)
		r0 := archsimd.LoadInt32x8Slice(i0s[x:]).Sub(base).AsUint32x8()
		r1 := archsimd.LoadInt32x8Slice(i1s[x:]).Sub(base).AsUint32x8()
		var bx, by archsimd.Float32x8
		if int(f0)+8 <= cap(vx) && int(f0)+8 <= cap(vy) {
			// lanes past len(vx) are loaded but never picked
			bx, by = archsimd.LoadFloat32x8Slice(vx[f0:f0+8]), archsimd.LoadFloat32x8Slice(vy[f0:f0+8])
		} else {
			bx, by = archsimd.LoadFloat32x8SlicePart(vx[f0:]), archsimd.LoadFloat32x8SlicePart(vy[f0:])
		}
		ax, ay := bx.Permute(r0), by.Permute(r0)
		dx, dy := bx.Permute(r1).Sub(ax), by.Permute(r1).Sub(ay)
		wv := archsimd.LoadFloat32x8Slice(wts[x:])
		xf := iota.Add(archsimd.BroadcastInt32x8(int32(x)).ConvertToFloat32()) // exact: small integers
		px := xf.Add(ax).Add(dx.Mul(wv))
		py := yf.Add(ay).Add(dy.Mul(wv))
		inside := px.GreaterEqual(zero).And(py.GreaterEqual(zero)).And(px.Less(vmaxX)).And(py.Less(vmaxY))
		if inside.ToBits() == 0xff {
			fx, fyv := px.Trunc(), py.Trunc()
			ix, iy := fx.ConvertToInt32(), fyv.ConvertToInt32()
			// The group's taps lie within 9 columns of the first pixel's and in two source
			// rows (a pan, a zoom, a vector field crossing a whole pixel inside the group):
			// loads of 8, permuted, and for a second row a blend gather them.
			x1 := ix.GetLo().GetElem(0)                             // the first pixel's column
			y1 := min(iy.GetLo().GetElem(0), iy.GetHi().GetElem(3)) // the upper of the ends' rows
			rel := ix.Sub(archsimd.BroadcastInt32x8(x1))
			down := iy.Sub(archsimd.BroadcastInt32x8(y1))
			near := rel.GreaterEqual(izero).And(rel.Less(nine)).And(down.GreaterEqual(izero)).And(down.Less(two))
			o := int(y1)*stride + int(x1)
			upper := down.Equal(izero)
			// A group that a zoom spreads over more than 8 columns (1 in 16 at 1 % a
			// frame) has lanes 8 columns right of the first: a third load reaches them.
			wide := rel.Equal(eight)
			reach := 9
			if wide.ToBits() != 0 {
				reach = 10
			}
			// Three rows whenever they exist: whether a group spans one row or two is
			// not predictable on real motion, and a mispredicted branch costs more than
			// the loads.
			third := o+2*stride+reach <= len(src)
			if near.ToBits() == 0xff && (third || upper.ToBits() == 0xff && o+stride+reach <= len(src)) {
				idx := rel.Min(seven).AsUint32x8()
				fxv, fyf := px.Sub(fx), py.Sub(fyv)
				t0, t0n := warpTapPair(src[o:], idx, wide, reach)
				t1, t1n := warpTapPair(src[o+stride:], idx, wide, reach)
				if third {
					// lanes one row down (none, or some) take rows y1+1 and y1+2
					t2, t2n := warpTapPair(src[o+2*stride:], idx, wide, reach)
					t0, t0n = t0.Merge(t1, upper), t0n.Merge(t1n, upper)
					t1, t1n = t1.Merge(t2, upper), t1n.Merge(t2n, upper)
				}
				top := t0.Add(t0n.Sub(t0).Mul(fxv))
				bot := t1.Add(t1n.Sub(t1).Mul(fxv))
				top.Add(bot.Sub(top).Mul(fyf)).StoreSlice(dst[x:])
				continue
			}
		}
		slow[ns] = int32(x)
		ns++
	}
	// Measured: without this the kernel can return dirty although no vector operation
	// follows the last one in the code the compiler emits.
	archsimd.ClearAVXUpperBits()
	warpSlowGroups(dst, y, vx, vy, cols, slow[:ns], src, stride, w, h)
}

// warpTapPair returns per lane s[r] and s[r+1] for the lane's column r: idx (r at most 7),
// and in the wide lanes (reach 10) r = 8, from a third load.
func warpTapPair(s []float32, idx archsimd.Uint32x8, wide archsimd.Mask32x8, reach int) (a, b archsimd.Float32x8) {
	a = archsimd.LoadFloat32x8Slice(s).Permute(idx)
	b = archsimd.LoadFloat32x8Slice(s[1:]).Permute(idx)
	if reach == 10 {
		c := archsimd.LoadFloat32x8Slice(s[2:]).Permute(idx)
		a, b = b.Merge(a, wide), c.Merge(b, wide)
	}
	return a, b
}

// warpSlowGroups samples the groups of 8 columns starting at xs one by one, as
// warpRowGeneric does.
func warpSlowGroups(dst []float32, y int, vx, vy []float32, cols *WarpCols, xs []int32, src []float32, stride, w, h int) {
	maxX, maxY := float32(w-1), float32(h-1)
	fy := float32(y)
	for _, x0 := range xs {
		for x := int(x0); x < int(x0)+8; x++ {
			i0, i1, wt := cols.I0[x], cols.I1[x], cols.W[x]
			ax, bx := vx[i0], vx[i1]
			ay, by := vy[i0], vy[i1]
			sx := float32(x) + ax + (bx-ax)*wt
			sy := fy + ay + (by-ay)*wt
			dst[x] = warpSample(src, stride, w, h, sx, sy, maxX, maxY)
		}
	}
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
	var s [warpGradChunk]float32
	for x0 := 0; x0 < n; x0 += warpGradChunk {
		m := min(warpGradChunk, n-x0)
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
		warpGradAdd(g, s[:m], x0, bs)
	}
}

// warpGradChunk is how many differences warpGradRowAVX2 computes in vector code before it
// adds them up in scalar code: each switch costs a transition where those are slow.
const warpGradChunk = 256

// warpGradAdd adds s, the differences at columns x0, x0+1, …, into g[x/bs] in order of x (the
// reference's sums), a block at a time without a division per column.
func warpGradAdd(g, s []float32, x0, bs int) {
	b := x0 / bs
	next := (b+1)*bs - x0 // s's first index in block b+1
	acc := g[b]
	for i, v := range s {
		if i == next {
			g[b] = acc
			b++
			next += bs
			acc = g[b]
		}
		acc += v
	}
	g[b] = acc
}
