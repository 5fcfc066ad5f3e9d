//go:build goexperiment.simd && amd64

package dsp

import (
	"math/bits"
	"simd/archsimd"
)

func init() {
	if hasFast {
		fastExtremeIndex, fastDeviantIndex, fastAbsDiffRow = extremeIndexAVX2, deviantIndexAVX2, absDiffRowAVX2
		fastImpulseNLM, fastExtremePairCounts = impulseNLMAVX2, extremePairCountsAVX2
	}
	if UseFast() {
		extremeIndex, deviantIndex, absDiffRow = extremeIndexAVX2, deviantIndexAVX2, absDiffRowAVX2
		impulseNLM, extremePairCounts = impulseNLMAVX2, extremePairCountsAVX2
	}
}

func extremeIndexAVX2(row []float32, lo, hi float32) int {
	n := len(row)
	vlo, vhi := archsimd.BroadcastFloat32x8(lo), archsimd.BroadcastFloat32x8(hi)
	x := 0
	for ; x+8 <= n; x += 8 {
		v := archsimd.LoadFloat32x8Slice(row[x:])
		if out := ^v.Greater(vlo).And(v.Less(vhi)).ToBits(); out != 0 {
			archsimd.ClearAVXUpperBits()
			return x + bits.TrailingZeros8(out)
		}
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	return x + extremeIndexGeneric(row[x:], lo, hi)
}

// impulseAbs8 is |v| of 8 lanes (the sign bit cleared).
func impulseAbs8(v archsimd.Float32x8) archsimd.Float32x8 {
	return v.AsUint32x8().And(archsimd.BroadcastUint32x8(0x7fffffff)).AsFloat32x8()
}

func deviantIndexAVX2(row, ref []float32, t float32) int {
	n := len(row)
	ref = ref[:n]
	vt := archsimd.BroadcastFloat32x8(t)
	x := 0
	for ; x+8 <= n; x += 8 {
		d := archsimd.LoadFloat32x8Slice(row[x:]).Sub(archsimd.LoadFloat32x8Slice(ref[x:]))
		if out := impulseAbs8(d).Greater(vt).ToBits(); out != 0 {
			archsimd.ClearAVXUpperBits()
			return x + bits.TrailingZeros8(out)
		}
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	return x + deviantIndexGeneric(row[x:], ref[x:], t)
}

func absDiffRowAVX2(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	x := 0
	for ; x+8 <= n; x += 8 {
		d := archsimd.LoadFloat32x8Slice(a[x:]).Sub(archsimd.LoadFloat32x8Slice(b[x:]))
		impulseAbs8(d).StoreSlice(dst[x:])
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	absDiffRowGeneric(dst[x:], a[x:], b[x:])
}

// impulseNLMAVX2 computes the patch distances of 8 neighbouring candidates at once, each lane
// adding its rounded squares in the reference's order (so every distance is the reference's,
// bit for bit), then weighs the candidates one by one as the reference does. A row of
// 2·rad+1 candidates is covered by blocks of 8, the last one overlapping the one before.
func impulseNLMAVX2(guide, value, keep []float32, s, c, f, rad int, lut []float32, lutScale float32) (float32, bool) {
	nc := 2*rad + 1
	if nc < 8 || nc > 48 {
		return impulseNLMGeneric(guide, value, keep, s, c, f, rad, lut, lutScale)
	}
	pw := 2*f + 1
	var ref [(2*ImpulseMaxPatch + 1) * (2*ImpulseMaxPatch + 1)]float32
	for ky := 0; ky < pw; ky++ {
		copy(ref[ky*pw:(ky+1)*pw], guide[c+(ky-f)*s-f:])
	}
	a := ref[:pw*pw]
	gc := guide[c]
	inv := float32(0)
	if f > 0 {
		inv = lutScale / float32(pw*pw-1)
	}
	top := uint(len(lut) - 1)
	var idx [48]int32 // each candidate's index into the table
	vinv, vtop, zero := archsimd.BroadcastFloat32x8(inv), archsimd.BroadcastFloat32x8(float32(top)), archsimd.Float32x8{}
	vgc := archsimd.BroadcastFloat32x8(gc)
	var sw, sv float32
	for dy := -rad; dy <= rad; dy++ {
		row := c + dy*s
		keep, value := keep[row-rad:row+rad+1], value[row-rad:row+rad+1]
		if f == 2 && rad == 5 { // the replacement's default, unrolled
			acc0, acc1 := impulseSSD5x11(guide, row-rad-f-f*s, s, &ref)
			impulseNLMIndex(acc0, vgc, vinv, vtop, zero, guide[row-rad:], idx[:])
			impulseNLMIndex(acc1, vgc, vinv, vtop, zero, guide[row-rad+3:], idx[3:])
		} else if nc <= 16 {
			// two blocks, candidates 0 … 7 and nc−8 … nc−1, sharing each broadcast
			i1 := nc - 8
			acc0, acc1 := archsimd.Float32x8{}, archsimd.Float32x8{}
			for ky := 0; ky < pw; ky++ {
				g := guide[row-rad+(ky-f)*s-f:]
				g = g[:i1+pw+7]
				ar := a[ky*pw : (ky+1)*pw]
				for kx, av := range ar {
					r := archsimd.BroadcastFloat32x8(av)
					d0 := r.Sub(archsimd.LoadFloat32x8Slice(g[kx:]))
					d1 := r.Sub(archsimd.LoadFloat32x8Slice(g[i1+kx:]))
					acc0 = acc0.Add(d0.Mul(d0))
					acc1 = acc1.Add(d1.Mul(d1))
				}
			}
			impulseNLMIndex(acc0, vgc, vinv, vtop, zero, guide[row-rad:], idx[:])
			impulseNLMIndex(acc1, vgc, vinv, vtop, zero, guide[row-rad+i1:], idx[i1:])
		} else {
			for i0 := 0; i0 < nc; i0 += 8 {
				i0 := min(i0, nc-8)
				acc := archsimd.Float32x8{}
				for ky := 0; ky < pw; ky++ {
					g := guide[row-rad+i0+(ky-f)*s-f:]
					g = g[:pw+7]
					ar := a[ky*pw : (ky+1)*pw]
					for kx, av := range ar {
						d := archsimd.BroadcastFloat32x8(av).Sub(archsimd.LoadFloat32x8Slice(g[kx:]))
						acc = acc.Add(d.Mul(d))
					}
				}
				impulseNLMIndex(acc, vgc, vinv, vtop, zero, guide[row-rad+i0:], idx[i0:])
			}
		}
		archsimd.ClearAVXUpperBits() // the weighing is scalar
		// Branch-free: a candidate outside keep adds +0 to sw and ±0 to sv, which leaves both
		// sums' bits as the reference's skipping leaves them (neither sum is ever −0).
		idx := idx[:len(keep)]
		if dy == 0 {
			sw, sv = impulseNLMWeigh(sw, sv, keep[:rad], value[:rad], idx[:rad], lut)
			sw, sv = impulseNLMWeigh(sw, sv, keep[rad+1:], value[rad+1:], idx[rad+1:], lut)
		} else {
			sw, sv = impulseNLMWeigh(sw, sv, keep, value, idx, lut)
		}
	}
	archsimd.ClearAVXUpperBits() // the loop's head may have reloaded vectors on the way out
	if sw == 0 {
		return 0, false
	}
	return sv / sw, true
}

// impulseNLMIndex stores the table indices of 8 candidates given their patch distances ssd
// and their centres c: the centre pair left out, ⌊·⌋ clipped to the table as the reference's
// min(uint(max(·, 0)), top).
func impulseNLMIndex(ssd, gc, inv, top, zero archsimd.Float32x8, c []float32, idx []int32) {
	d := gc.Sub(archsimd.LoadFloat32x8Slice(c))
	ssd.Sub(d.Mul(d)).Mul(inv).Max(zero).Min(top).ConvertToInt32().StoreSlice(idx)
}

// extremePairCountsAVX2 tests 8 columns at a time where all 8 neighbours exist (rows a and c
// present, columns 1 … len(b)−2) and keeps the even ones; the ends go to the reference.
func extremePairCountsAVX2(a, b, c []float32, lo, hi float32) (salt, pepper int) {
	n := len(b)
	if a == nil || c == nil || n < 10 {
		return extremePairCountsGeneric(a, b, c, lo, hi)
	}
	a, c = a[:n], c[:n]
	vlo, vhi := archsimd.BroadcastFloat32x8(lo), archsimd.BroadcastFloat32x8(hi)
	s, p := extremePairCountsFrom(a, b[:2], c, lo, hi, 0) // column 0 (its right neighbour is read, not counted)
	salt, pepper = s, p
	x := 2
	for ; x+9 <= n; x += 8 { // columns x … x+7, their neighbours x−1 … x+8
		al, am, ar := archsimd.LoadFloat32x8Slice(a[x-1:]), archsimd.LoadFloat32x8Slice(a[x:]), archsimd.LoadFloat32x8Slice(a[x+1:])
		bl, br := archsimd.LoadFloat32x8Slice(b[x-1:]), archsimd.LoadFloat32x8Slice(b[x+1:])
		cl, cm, cr := archsimd.LoadFloat32x8Slice(c[x-1:]), archsimd.LoadFloat32x8Slice(c[x:]), archsimd.LoadFloat32x8Slice(c[x+1:])
		sp := bl.GreaterEqual(vhi).And(br.GreaterEqual(vhi)).
			Or(am.GreaterEqual(vhi).And(cm.GreaterEqual(vhi))).
			Or(al.GreaterEqual(vhi).And(cr.GreaterEqual(vhi))).
			Or(cl.GreaterEqual(vhi).And(ar.GreaterEqual(vhi)))
		pp := bl.LessEqual(vlo).And(br.LessEqual(vlo)).
			Or(am.LessEqual(vlo).And(cm.LessEqual(vlo))).
			Or(al.LessEqual(vlo).And(cr.LessEqual(vlo))).
			Or(cl.LessEqual(vlo).And(ar.LessEqual(vlo)))
		salt += bits.OnesCount8(sp.ToBits() & 0x55)
		pepper += bits.OnesCount8(pp.ToBits() & 0x55)
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	s, p = extremePairCountsFrom(a, b, c, lo, hi, x)
	return salt + s, pepper + p
}

// impulseSSD5x11 is the patch distances of the 11 candidates of one row with 5×5 patches, in
// two blocks (candidates 0 … 7 and 3 … 10); g0 is the index of candidate 0's patch's top-left
// sample. Constant offsets into fixed-size windows leave no bounds checks in the loop.
func impulseSSD5x11(guide []float32, g0, s int, ref *[(2*ImpulseMaxPatch + 1) * (2*ImpulseMaxPatch + 1)]float32) (acc0, acc1 archsimd.Float32x8) {
	for ky := 0; ky < 5; ky++ {
		g := (*[15]float32)(guide[g0+ky*s : g0+ky*s+15])
		ar := (*[5]float32)(ref[ky*5 : ky*5+5])
		r := archsimd.BroadcastFloat32x8(ar[0])
		d0 := r.Sub(archsimd.LoadFloat32x8((*[8]float32)(g[0:8])))
		d1 := r.Sub(archsimd.LoadFloat32x8((*[8]float32)(g[3:11])))
		acc0, acc1 = acc0.Add(d0.Mul(d0)), acc1.Add(d1.Mul(d1))
		r = archsimd.BroadcastFloat32x8(ar[1])
		d0 = r.Sub(archsimd.LoadFloat32x8((*[8]float32)(g[1:9])))
		d1 = r.Sub(archsimd.LoadFloat32x8((*[8]float32)(g[4:12])))
		acc0, acc1 = acc0.Add(d0.Mul(d0)), acc1.Add(d1.Mul(d1))
		r = archsimd.BroadcastFloat32x8(ar[2])
		d0 = r.Sub(archsimd.LoadFloat32x8((*[8]float32)(g[2:10])))
		d1 = r.Sub(archsimd.LoadFloat32x8((*[8]float32)(g[5:13])))
		acc0, acc1 = acc0.Add(d0.Mul(d0)), acc1.Add(d1.Mul(d1))
		r = archsimd.BroadcastFloat32x8(ar[3])
		d0 = r.Sub(archsimd.LoadFloat32x8((*[8]float32)(g[3:11])))
		d1 = r.Sub(archsimd.LoadFloat32x8((*[8]float32)(g[6:14])))
		acc0, acc1 = acc0.Add(d0.Mul(d0)), acc1.Add(d1.Mul(d1))
		r = archsimd.BroadcastFloat32x8(ar[4])
		d0 = r.Sub(archsimd.LoadFloat32x8((*[8]float32)(g[4:12])))
		d1 = r.Sub(archsimd.LoadFloat32x8((*[8]float32)(g[7:15])))
		acc0, acc1 = acc0.Add(d0.Mul(d0)), acc1.Add(d1.Mul(d1))
	}
	return acc0, acc1
}

// impulseNLMWeigh adds the weights lut[idx[i]]·keep[i] to sw and the weighted values to sv,
// in order.
func impulseNLMWeigh(sw, sv float32, keep, value []float32, idx []int32, lut []float32) (float32, float32) {
	value, idx = value[:len(keep)], idx[:len(keep)]
	for i, k := range keep {
		wt := lut[idx[i]] * k
		sw += wt
		sv += float32(wt * value[i])
	}
	return sw, sv
}
