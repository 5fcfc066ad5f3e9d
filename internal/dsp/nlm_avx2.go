//go:build goexperiment.simd && amd64

package dsp

import (
	"simd/archsimd"
	"unsafe"
)

// The NLM row kernels with AVX2 + FMA, eight pixels at a time; the pixels left over (fewer
// than eight) go to the references. The column kernels match the references bit for bit;
// the weight kernels differ from them only by FMA roundings.

func init() {
	if !hasFast {
		return
	}
	fastNLMAddCols, fastNLMUpdateCols = nlmAddColsAVX2, nlmUpdateColsAVX2
	fastNLMAddCols3, fastNLMUpdateCols3 = nlmAddCols3AVX2, nlmUpdateCols3AVX2
	fastNLMAccumRow, fastNLMAccumRow3 = nlmAccumRowAVX2, nlmAccumRow3AVX2
	fastNLMAccumRowJoint, fastNLMAccumRow3Joint = nlmAccumRowJointAVX2, nlmAccumRow3JointAVX2
	fastNLMFinishRow = nlmFinishRowAVX2
	fastNLMCrossRow, fastNLMCrossRowRel, fastNLMCrossRow3 = nlmCrossRowAVX2, nlmCrossRowRelAVX2, nlmCrossRow3AVX2
	fastNLMCrossRowRelJoint = nlmCrossRowRelJointAVX2
	fastNLMSumCols, fastNLMAddSumCols = nlmSumColsAVX2, nlmAddSumColsAVX2
	if UseFast() {
		nlmSumCols, nlmAddSumCols = fastNLMSumCols, fastNLMAddSumCols
		nlmAddCols, nlmUpdateCols = fastNLMAddCols, fastNLMUpdateCols
		nlmAddCols3, nlmUpdateCols3 = fastNLMAddCols3, fastNLMUpdateCols3
		nlmAccumRow, nlmAccumRow3 = fastNLMAccumRow, fastNLMAccumRow3
		nlmAccumRowJoint, nlmAccumRow3Joint = fastNLMAccumRowJoint, fastNLMAccumRow3Joint
		nlmFinishRow = fastNLMFinishRow
		nlmCrossRow, nlmCrossRowRel, nlmCrossRow3 = fastNLMCrossRow, fastNLMCrossRowRel, fastNLMCrossRow3
		nlmCrossRowRelJoint = fastNLMCrossRowRelJoint
	}
	if has512 {
		use512(true)
	}
}

type f32x8 = archsimd.Float32x8

func bcast8(v float32) f32x8 { return archsimd.BroadcastFloat32x8(v) }

// The inner loops address their rows through raw pointers: the compiler keeps a slice
// header per row otherwise, more than there are registers, and spills them every
// iteration. Each kernel reslices every row to its exact length first, so every access is
// in bounds (the parity tests' guards check it).

// ptr is the address of s's first sample (s not empty).
func ptr(s []float32) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

// ld loads samples i … i+7 of the row at p.
func ld(p unsafe.Pointer, i int) f32x8 {
	return archsimd.LoadFloat32x8((*[8]float32)(unsafe.Add(p, i*4)))
}

// st stores v into samples i … i+7 of the row at p.
func st(v f32x8, p unsafe.Pointer, i int) { v.Store((*[8]float32)(unsafe.Add(p, i*4))) }

func nlmAddColsAVX2(col, ring, a, b []float32) {
	n := len(col)
	ring, a, b = ring[:n], a[:n], b[:n]
	i := 0
	if n >= 8 {
		pc, pr, pa, pb := ptr(col), ptr(ring), ptr(a), ptr(b)
		for ; i+8 <= n; i += 8 {
			d := ld(pa, i).Sub(ld(pb, i))
			d2 := d.Mul(d)
			st(ld(pc, i).Add(d2), pc, i)
			st(d2, pr, i)
		}
		archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	}
	if i < n {
		nlmAddColsGeneric(col[i:], ring[i:], a[i:], b[i:])
	}
}

func nlmUpdateColsAVX2(col, ring, a, b []float32) {
	n := len(col)
	ring, a, b = ring[:n], a[:n], b[:n]
	i := 0
	if n >= 8 {
		pc, pr, pa, pb := ptr(col), ptr(ring), ptr(a), ptr(b)
		for ; i+8 <= n; i += 8 {
			d := ld(pa, i).Sub(ld(pb, i))
			d2 := d.Mul(d)
			st(ld(pc, i).Add(d2.Sub(ld(pr, i))), pc, i)
			st(d2, pr, i)
		}
		archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	}
	if i < n {
		nlmUpdateColsGeneric(col[i:], ring[i:], a[i:], b[i:])
	}
}

func nlmAddCols3AVX2(c0, c1, c2, r0, r1, r2, a, b []float32) {
	n := len(c0)
	c1, c2, r0, r1, r2, a, b = c1[:n], c2[:n], r0[:n], r1[:n], r2[:n], a[:n], b[:n+2]
	i := 0
	if n >= 8 {
		p0, p1, p2, q0, q1, q2, pa, pb := ptr(c0), ptr(c1), ptr(c2), ptr(r0), ptr(r1), ptr(r2), ptr(a), ptr(b)
		for ; i+8 <= n; i += 8 {
			va := ld(pa, i)
			d0, d1, d2 := va.Sub(ld(pb, i)), va.Sub(ld(pb, i+1)), va.Sub(ld(pb, i+2))
			d0, d1, d2 = d0.Mul(d0), d1.Mul(d1), d2.Mul(d2)
			st(ld(p0, i).Add(d0), p0, i)
			st(ld(p1, i).Add(d1), p1, i)
			st(ld(p2, i).Add(d2), p2, i)
			st(d0, q0, i)
			st(d1, q1, i)
			st(d2, q2, i)
		}
		archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	}
	if i < n {
		nlmAddCols3Generic(c0[i:], c1[i:], c2[i:], r0[i:], r1[i:], r2[i:], a[i:], b[i:])
	}
}

func nlmUpdateCols3AVX2(c0, c1, c2, r0, r1, r2, a, b []float32) {
	n := len(c0)
	c1, c2, r0, r1, r2, a, b = c1[:n], c2[:n], r0[:n], r1[:n], r2[:n], a[:n], b[:n+2]
	i := 0
	if n >= 8 {
		p0, p1, p2, q0, q1, q2, pa, pb := ptr(c0), ptr(c1), ptr(c2), ptr(r0), ptr(r1), ptr(r2), ptr(a), ptr(b)
		for ; i+8 <= n; i += 8 {
			va := ld(pa, i)
			d0, d1, d2 := va.Sub(ld(pb, i)), va.Sub(ld(pb, i+1)), va.Sub(ld(pb, i+2))
			d0, d1, d2 = d0.Mul(d0), d1.Mul(d1), d2.Mul(d2)
			st(ld(p0, i).Add(d0.Sub(ld(q0, i))), p0, i)
			st(ld(p1, i).Add(d1.Sub(ld(q1, i))), p1, i)
			st(ld(p2, i).Add(d2.Sub(ld(q2, i))), p2, i)
			st(d0, q0, i)
			st(d1, q1, i)
			st(d2, q2, i)
		}
		archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	}
	if i < n {
		nlmUpdateCols3Generic(c0[i:], c1[i:], c2[i:], r0[i:], r1[i:], r2[i:], a[i:], b[i:])
	}
}

// nlmSumColsAVX2 sums the ring's rows eight columns at a time in registers, one store per
// column: each column's additions in the reference's order, so the same bits.
func nlmSumColsAVX2(col, ring []float32, stride, box int) {
	n := len(col)
	if n == 0 {
		return
	}
	_ = ring[(box-1)*stride+n-1] // every load below is in bounds
	i := 0
	if n >= 8 {
		pc, pr := ptr(col), ptr(ring)
		for ; i+8 <= n; i += 8 {
			s := ld(pr, i)
			for k := 1; k < box; k++ {
				s = s.Add(ld(pr, k*stride+i))
			}
			st(s, pc, i)
		}
		archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	}
	if i < n {
		nlmSumColsGeneric(col[i:], ring[i:], stride, box)
	}
}

// nlmAddSumColsAVX2 is nlmSumColsAVX2 onto col's sums.
func nlmAddSumColsAVX2(col, ring []float32, stride, box int) {
	n := len(col)
	if n == 0 {
		return
	}
	_ = ring[(box-1)*stride+n-1]
	i := 0
	if n >= 8 {
		pc, pr := ptr(col), ptr(ring)
		for ; i+8 <= n; i += 8 {
			s := ld(pc, i)
			for k := range box {
				s = s.Add(ld(pr, k*stride+i))
			}
			st(s, pc, i)
		}
		archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	}
	if i < n {
		nlmAddSumColsGeneric(col[i:], ring[i:], stride, box)
	}
}

// boxSums8 writes boxSum of pixels 0 … m−1 (m a multiple of 8, ≤ nlmChunk) into dst, added in
// the reference's order; the common boxes are unrolled over fixed-size views.
func boxSums8(dst *[nlmChunk]float32, col []float32, box, m int) {
	_ = col[m+box-2] // every load below is in bounds
	pc, pd := ptr(col), unsafe.Pointer(dst)
	switch box {
	case 3:
		for x := 0; x < m; x += 8 {
			st(ld(pc, x).Add(ld(pc, x+1)).Add(ld(pc, x+2)), pd, x)
		}
	case 5:
		for x := 0; x < m; x += 8 {
			st(ld(pc, x).Add(ld(pc, x+1)).Add(ld(pc, x+2)).Add(ld(pc, x+3)).Add(ld(pc, x+4)), pd, x)
		}
	case 7:
		for x := 0; x < m; x += 8 {
			st(ld(pc, x).Add(ld(pc, x+1)).Add(ld(pc, x+2)).Add(ld(pc, x+3)).Add(ld(pc, x+4)).
				Add(ld(pc, x+5)).Add(ld(pc, x+6)), pd, x)
		}
	default:
		for x := 0; x < m; x += 8 {
			s := ld(pc, x)
			for j := 1; j < box; j++ {
				s = s.Add(ld(pc, x+j))
			}
			st(s, pd, x)
		}
	}
}

// weight8 is NLMWeight with its constants in vectors.
type weight8 struct {
	scale, negK, a, tail, zero, magic, c1, c2, c3, c4, c5, c6, one f32x8
	i127                                                           archsimd.Int32x8
}

func newWeight8(w NLMWeight) weight8 {
	return weight8{
		scale: bcast8(w.Scale), negK: bcast8(-w.K), a: bcast8(w.A), tail: bcast8(nlmTail2),
		magic: bcast8(expMagic), c1: bcast8(exp2C1), c2: bcast8(exp2C2), c3: bcast8(exp2C3),
		c4: bcast8(exp2C4), c5: bcast8(exp2C5), c6: bcast8(exp2C6), one: bcast8(1),
		i127: archsimd.BroadcastInt32x8(127),
	}
}

// of is NLMWeight.Of of eight SSDs, with NLMExp2Neg's polynomial.
func (c *weight8) of(ssd f32x8) f32x8 {
	u := ssd.MulAdd(c.scale, c.negK).Max(c.zero)
	keep := u.Less(c.tail)
	u = u.Min(c.tail)
	v := u.Add(c.magic)
	g := v.Sub(c.magic).Sub(u)
	q := c.c6.MulAdd(g, c.c5)
	q = q.MulAdd(g, c.c4)
	q = q.MulAdd(g, c.c3)
	q = q.MulAdd(g, c.c2)
	q = q.MulAdd(g, c.c1)
	q = q.MulAdd(g, c.one)
	pow := c.i127.Sub(v.AsInt32x8()).ShiftAllLeft(23).AsFloat32x8()
	return q.Mul(pow).Mul(c.a).Masked(keep)
}

// tail8 returns the weights of pixels x … n−1 (fewer than 8) through the vector exp: the
// rows' last pixels would otherwise take the much slower scalar one.
func (c *weight8) tail8(col []float32, box, x, n int) (w [8]float32) {
	var s [8]float32
	for i := x; i < n; i++ {
		s[i-x] = boxSum(col, i, box)
	}
	st(c.of(ld(unsafe.Pointer(&s), 0)), unsafe.Pointer(&w), 0)
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	return w
}

func nlmAccumRowAVX2(w NLMWeight, col []float32, box int, vp, vq, dw, dv, rw, rv []float32) {
	n := len(vp)
	col = col[:n+box-1]
	vq, dw, dv, rw, rv = vq[:n], dw[:n], dv[:n], rw[:n], rv[:n]
	c := newWeight8(w)
	var ssd [nlmChunk]float32
	x := 0
	for x+8 <= n {
		m := min(nlmChunk, (n-x)&^7)
		boxSums8(&ssd, col[x:], box, m)
		pp, pq, pdw, pdv, prw, prv := ptr(vp[x:]), ptr(vq[x:]), ptr(dw[x:]), ptr(dv[x:]), ptr(rw[x:]), ptr(rv[x:])
		ps := unsafe.Pointer(&ssd)
		// dw/dv may be rw/rv shifted: each read-modify-write ends before the next begins.
		i := 0
		for ; i+16 <= m; i += 16 {
			// Two vectors of weights before any store: their constants are loaded once.
			w0, w1 := c.of(ld(ps, i)), c.of(ld(ps, i+8))
			st(ld(pdw, i).Add(w0), pdw, i)
			st(w0.MulAdd(ld(pq, i), ld(pdv, i)), pdv, i)
			st(ld(prw, i).Add(w0), prw, i)
			st(w0.MulAdd(ld(pp, i), ld(prv, i)), prv, i)
			j := i + 8
			st(ld(pdw, j).Add(w1), pdw, j)
			st(w1.MulAdd(ld(pq, j), ld(pdv, j)), pdv, j)
			st(ld(prw, j).Add(w1), prw, j)
			st(w1.MulAdd(ld(pp, j), ld(prv, j)), prv, j)
		}
		if i < m {
			wt := c.of(ld(ps, i))
			st(ld(pdw, i).Add(wt), pdw, i)
			st(wt.MulAdd(ld(pq, i), ld(pdv, i)), pdv, i)
			st(ld(prw, i).Add(wt), prw, i)
			st(wt.MulAdd(ld(pp, i), ld(prv, i)), prv, i)
		}
		x += m
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	if x < n {
		tw := c.tail8(col, box, x, n)
		for i := x; i < n; i++ {
			wt := tw[i-x]
			dw[i] += wt
			dv[i] += wt * vq[i]
			rw[i] += wt
			rv[i] += wt * vp[i]
		}
	}
}

func nlmCrossRowAVX2(w NLMWeight, col []float32, box int, vq, dw, dv []float32) {
	n := len(vq)
	col = col[:n+box-1]
	dw, dv = dw[:n], dv[:n]
	c := newWeight8(w)
	var ssd [nlmChunk]float32
	x := 0
	for x+8 <= n {
		m := min(nlmChunk, (n-x)&^7)
		boxSums8(&ssd, col[x:], box, m)
		pq, pdw, pdv, ps := ptr(vq[x:]), ptr(dw[x:]), ptr(dv[x:]), unsafe.Pointer(&ssd)
		for i := 0; i < m; i += 8 {
			wt := c.of(ld(ps, i))
			st(ld(pdw, i).Add(wt), pdw, i)
			st(wt.MulAdd(ld(pq, i), ld(pdv, i)), pdv, i)
		}
		x += m
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	if x < n {
		tw := c.tail8(col, box, x, n)
		for i := x; i < n; i++ {
			wt := tw[i-x]
			dw[i] += wt
			dv[i] += wt * vq[i]
		}
	}
}

func nlmCrossRowRelAVX2(w NLMWeight, col []float32, box int, vq, rel, dw, dv []float32) {
	n := len(vq)
	col = col[:n+box-1]
	rel, dw, dv = rel[:n], dw[:n], dv[:n]
	c := newWeight8(w)
	var ssd [nlmChunk]float32
	x := 0
	for x+8 <= n {
		m := min(nlmChunk, (n-x)&^7)
		boxSums8(&ssd, col[x:], box, m)
		pq, pr, pdw, pdv, ps := ptr(vq[x:]), ptr(rel[x:]), ptr(dw[x:]), ptr(dv[x:]), unsafe.Pointer(&ssd)
		for i := 0; i < m; i += 8 {
			wt := c.of(ld(ps, i)).Mul(ld(pr, i))
			st(ld(pdw, i).Add(wt), pdw, i)
			st(wt.MulAdd(ld(pq, i), ld(pdv, i)), pdv, i)
		}
		x += m
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	if x < n {
		tw := c.tail8(col, box, x, n)
		for i := x; i < n; i++ {
			wt := tw[i-x] * rel[i]
			dw[i] += wt
			dv[i] += wt * vq[i]
		}
	}
}

// nlmCrossRowRelJointAVX2 is nlmCrossRowRelAVX2 with the weights computed once per chunk into
// the stack array a, from which each channel's values are accumulated in its own pass.
func nlmCrossRowRelJointAVX2(w NLMWeight, col []float32, box int, vq *[3][]float32, rel, dw []float32, dv *[3][]float32) {
	n := len(vq[0])
	col = col[:n+box-1]
	rel, dw = rel[:n], dw[:n]
	var q3, dv3 [3][]float32
	for c := range 3 {
		q3[c], dv3[c] = vq[c][:n], dv[c][:n]
	}
	cw := newWeight8(w)
	var s, a [nlmChunk]float32
	ps, pa := unsafe.Pointer(&s), unsafe.Pointer(&a)
	x := 0
	for x+8 <= n {
		m := min(nlmChunk, (n-x)&^7)
		boxSums8(&s, col[x:], box, m)
		pr, pdw := ptr(rel[x:]), ptr(dw[x:])
		for i := 0; i < m; i += 8 {
			wt := cw.of(ld(ps, i)).Mul(ld(pr, i))
			st(wt, pa, i)
			st(ld(pdw, i).Add(wt), pdw, i)
		}
		for c := range 3 {
			pq, pdv := ptr(q3[c][x:]), ptr(dv3[c][x:])
			for i := 0; i < m; i += 8 {
				st(ld(pa, i).MulAdd(ld(pq, i), ld(pdv, i)), pdv, i)
			}
		}
		x += m
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	if x < n {
		tw := cw.tail8(col, box, x, n)
		for i := x; i < n; i++ {
			wt := tw[i-x] * rel[i]
			dw[i] += wt
			for c := range 3 {
				dv3[c][i] += wt * q3[c][i]
			}
		}
	}
}

func nlmCrossRow3AVX2(w NLMWeight, c0, c1, c2 []float32, box int, vq, rel, dw, dv []float32) {
	n := len(vq) - 2
	c0, c1, c2 = c0[:n+box-1], c1[:n+box-1], c2[:n+box-1]
	rel, dw, dv = rel[:n+2], dw[:n], dv[:n]
	c := newWeight8(w)
	var s0, s1, s2 [nlmChunk]float32
	x := 0
	for x+8 <= n {
		m := min(nlmChunk, (n-x)&^7)
		boxSums8(&s0, c0[x:], box, m)
		boxSums8(&s1, c1[x:], box, m)
		boxSums8(&s2, c2[x:], box, m)
		pq, pr, pdw, pdv := ptr(vq[x:]), ptr(rel[x:]), ptr(dw[x:]), ptr(dv[x:])
		ps0, ps1, ps2 := unsafe.Pointer(&s0), unsafe.Pointer(&s1), unsafe.Pointer(&s2)
		for i := 0; i < m; i += 8 {
			w0 := c.of(ld(ps0, i)).Mul(ld(pr, i))
			w1 := c.of(ld(ps1, i)).Mul(ld(pr, i+1))
			w2 := c.of(ld(ps2, i)).Mul(ld(pr, i+2))
			st(ld(pdw, i).Add(w0.Add(w1).Add(w2)), pdw, i)
			v := w2.MulAdd(ld(pq, i+2), w1.MulAdd(ld(pq, i+1), w0.Mul(ld(pq, i))))
			st(ld(pdv, i).Add(v), pdv, i)
		}
		x += m
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	if x < n {
		t0, t1, t2 := c.tail8(c0, box, x, n), c.tail8(c1, box, x, n), c.tail8(c2, box, x, n)
		for i := x; i < n; i++ {
			w0, w1, w2 := t0[i-x]*rel[i], t1[i-x]*rel[i+1], t2[i-x]*rel[i+2]
			dw[i] += w0 + w1 + w2
			dv[i] += w0*vq[i] + w1*vq[i+1] + w2*vq[i+2]
		}
	}
}

// nlmAccumRow3AVX2 accumulates the direct rows as it goes and keeps each chunk's weights
// (and weights × vp) in stack arrays, from which a second pass adds the reverse rows, where
// offset k's weight of pixel i lands at i+k: a sum of three shifted loads instead of three
// overlapping read-modify-writes. The last two entries of a chunk carry into the next.
func nlmAccumRow3AVX2(w NLMWeight, c0, c1, c2 []float32, box int, vp, vq, dw, dv, rw, rv []float32) {
	n := len(vp)
	c0, c1, c2 = c0[:n+box-1], c1[:n+box-1], c2[:n+box-1]
	vq, dw, dv, rw, rv = vq[:n+2], dw[:n], dv[:n], rw[:n+2], rv[:n+2]
	c := newWeight8(w)
	var s0, s1, s2 [nlmChunk]float32
	// a_k[2+i]: offset k's weight of pixel i of the chunk; q_k[2+i]: that weight × vp[i];
	// entries 0 and 1 carry the chunk before's last two (0 at the start of the row).
	var a0, a1, a2, q0, q1, q2 [nlmChunk + 2]float32
	pa0, pa1, pa2 := unsafe.Pointer(&a0), unsafe.Pointer(&a1), unsafe.Pointer(&a2)
	pq0, pq1, pq2 := unsafe.Pointer(&q0), unsafe.Pointer(&q1), unsafe.Pointer(&q2)
	ps0, ps1, ps2 := unsafe.Pointer(&s0), unsafe.Pointer(&s1), unsafe.Pointer(&s2)
	x, m := 0, 0
	for x+8 <= n {
		m = min(nlmChunk, (n-x)&^7)
		boxSums8(&s0, c0[x:], box, m)
		boxSums8(&s1, c1[x:], box, m)
		boxSums8(&s2, c2[x:], box, m)
		pp, pq, pdw, pdv := ptr(vp[x:]), ptr(vq[x:]), ptr(dw[x:]), ptr(dv[x:])
		for i := 0; i < m; i += 8 {
			w0, w1, w2 := c.of(ld(ps0, i)), c.of(ld(ps1, i)), c.of(ld(ps2, i))
			st(ld(pdw, i).Add(w0.Add(w1).Add(w2)), pdw, i)
			v := w2.MulAdd(ld(pq, i+2), w1.MulAdd(ld(pq, i+1), w0.Mul(ld(pq, i))))
			st(ld(pdv, i).Add(v), pdv, i)
			p := ld(pp, i)
			st(w0, pa0, i+2)
			st(w1, pa1, i+2)
			st(w2, pa2, i+2)
			st(w0.Mul(p), pq0, i+2)
			st(w1.Mul(p), pq1, i+2)
			st(w2.Mul(p), pq2, i+2)
		}
		// Position j of the reverse rows gets pixel j's offset 0, j−1's offset 1, j−2's offset 2.
		prw, prv := ptr(rw[x:]), ptr(rv[x:])
		for j := 0; j < m; j += 8 {
			st(ld(prw, j).Add(ld(pa0, j+2).Add(ld(pa1, j+1)).Add(ld(pa2, j))), prw, j)
			st(ld(prv, j).Add(ld(pq0, j+2).Add(ld(pq1, j+1)).Add(ld(pq2, j))), prv, j)
		}
		a1[1], a2[0], a2[1] = a1[m+1], a2[m], a2[m+1]
		q1[1], q2[0], q2[1] = q1[m+1], q2[m], q2[m+1]
		x += m
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	// What the last chunk's last two pixels give positions x and x+1.
	rw[x] += a1[1] + a2[0]
	rw[x+1] += a2[1]
	rv[x] += q1[1] + q2[0]
	rv[x+1] += q2[1]
	if x < n {
		t0, t1, t2 := c.tail8(c0, box, x, n), c.tail8(c1, box, x, n), c.tail8(c2, box, x, n)
		for i := x; i < n; i++ {
			w0, w1, w2, p := t0[i-x], t1[i-x], t2[i-x], vp[i]
			dw[i] += w0 + w1 + w2
			dv[i] += w0*vq[i] + w1*vq[i+1] + w2*vq[i+2]
			rw[i] += w0
			rw[i+1] += w1
			rw[i+2] += w2
			rv[i] += w0 * p
			rv[i+1] += w1 * p
			rv[i+2] += w2 * p
		}
	}
}

func nlmFinishRowAVX2(out, aw, av, u []float32, c float32) {
	n := len(out)
	aw, av, u = aw[:n], av[:n], u[:n]
	x := 0
	if n >= 8 {
		vc, zero := bcast8(c), bcast8(0)
		po, pw, pv, pu := ptr(out), ptr(aw), ptr(av), ptr(u)
		for ; x+8 <= n; x += 8 {
			d := ld(pw, x).Add(vc)
			uu := ld(pu, x)
			q := uu.MulAdd(vc, ld(pv, x)).Div(d)
			// d = 0 only when leaving out with no candidate weighed: the pixel stays.
			st(q.Merge(uu, d.NotEqual(zero)), po, x)
		}
		archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	}
	if x < n {
		nlmFinishRowGeneric(out[x:], aw[x:], av[x:], u[x:], c)
	}
}

// nlmAccumRowJointAVX2 is nlmAccumRowAVX2 with the weights computed once per chunk into the
// stack array a, from which each channel's values are accumulated in its own pass.
func nlmAccumRowJointAVX2(w NLMWeight, col []float32, box int, vp, vq, dv, rv *[3][]float32, dw, rw []float32) {
	n := len(vp[0])
	col = col[:n+box-1]
	dw, rw = dw[:n], rw[:n]
	var p3, q3, dv3, rv3 [3][]float32
	for c := range 3 {
		p3[c], q3[c], dv3[c], rv3[c] = vp[c][:n], vq[c][:n], dv[c][:n], rv[c][:n]
	}
	cw := newWeight8(w)
	var s, a [nlmChunk]float32
	ps, pa := unsafe.Pointer(&s), unsafe.Pointer(&a)
	x := 0
	for x+8 <= n {
		m := min(nlmChunk, (n-x)&^7)
		boxSums8(&s, col[x:], box, m)
		pdw, prw := ptr(dw[x:]), ptr(rw[x:])
		// dw may be rw shifted: each read-modify-write ends before the next begins.
		for i := 0; i < m; i += 8 {
			wt := cw.of(ld(ps, i))
			st(wt, pa, i)
			st(ld(pdw, i).Add(wt), pdw, i)
			st(ld(prw, i).Add(wt), prw, i)
		}
		for c := range 3 {
			pp, pq, pdv, prv := ptr(p3[c][x:]), ptr(q3[c][x:]), ptr(dv3[c][x:]), ptr(rv3[c][x:])
			for i := 0; i < m; i += 8 {
				wt := ld(pa, i)
				st(wt.MulAdd(ld(pq, i), ld(pdv, i)), pdv, i)
				st(wt.MulAdd(ld(pp, i), ld(prv, i)), prv, i)
			}
		}
		x += m
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	if x < n {
		tw := cw.tail8(col, box, x, n)
		for i := x; i < n; i++ {
			wt := tw[i-x]
			dw[i] += wt
			rw[i] += wt
			for c := range 3 {
				dv3[c][i] += wt * q3[c][i]
				rv3[c][i] += wt * p3[c][i]
			}
		}
	}
}

// nlmAccumRow3JointAVX2 is nlmAccumRow3AVX2 with the weights computed once per chunk into the
// stack arrays a_k, from which each channel's values are accumulated in its own passes (its
// q_k carry their last two entries into the next chunk, as a_k do).
func nlmAccumRow3JointAVX2(w NLMWeight, c0, c1, c2 []float32, box int, vp, vq, dv, rv *[3][]float32, dw, rw []float32) {
	n := len(vp[0])
	c0, c1, c2 = c0[:n+box-1], c1[:n+box-1], c2[:n+box-1]
	dw, rw = dw[:n], rw[:n+2]
	var p3, q3, dv3, rv3 [3][]float32
	for c := range 3 {
		p3[c], q3[c], dv3[c], rv3[c] = vp[c][:n], vq[c][:n+2], dv[c][:n], rv[c][:n+2]
	}
	cw := newWeight8(w)
	var s0, s1, s2 [nlmChunk]float32
	var a0, a1, a2 [nlmChunk + 2]float32
	var q [3][3][nlmChunk + 2]float32 // channel, offset
	pa0, pa1, pa2 := unsafe.Pointer(&a0), unsafe.Pointer(&a1), unsafe.Pointer(&a2)
	ps0, ps1, ps2 := unsafe.Pointer(&s0), unsafe.Pointer(&s1), unsafe.Pointer(&s2)
	x, m := 0, 0
	for x+8 <= n {
		m = min(nlmChunk, (n-x)&^7)
		boxSums8(&s0, c0[x:], box, m)
		boxSums8(&s1, c1[x:], box, m)
		boxSums8(&s2, c2[x:], box, m)
		pdw := ptr(dw[x:])
		for i := 0; i < m; i += 8 {
			w0, w1, w2 := cw.of(ld(ps0, i)), cw.of(ld(ps1, i)), cw.of(ld(ps2, i))
			st(ld(pdw, i).Add(w0.Add(w1).Add(w2)), pdw, i)
			st(w0, pa0, i+2)
			st(w1, pa1, i+2)
			st(w2, pa2, i+2)
		}
		prw := ptr(rw[x:])
		for j := 0; j < m; j += 8 {
			st(ld(prw, j).Add(ld(pa0, j+2).Add(ld(pa1, j+1)).Add(ld(pa2, j))), prw, j)
		}
		for c := range 3 {
			pp, pq, pdv, prv := ptr(p3[c][x:]), ptr(q3[c][x:]), ptr(dv3[c][x:]), ptr(rv3[c][x:])
			pq0, pq1, pq2 := unsafe.Pointer(&q[c][0]), unsafe.Pointer(&q[c][1]), unsafe.Pointer(&q[c][2])
			for i := 0; i < m; i += 8 {
				w0, w1, w2 := ld(pa0, i+2), ld(pa1, i+2), ld(pa2, i+2)
				v := w2.MulAdd(ld(pq, i+2), w1.MulAdd(ld(pq, i+1), w0.Mul(ld(pq, i))))
				st(ld(pdv, i).Add(v), pdv, i)
				p := ld(pp, i)
				st(w0.Mul(p), pq0, i+2)
				st(w1.Mul(p), pq1, i+2)
				st(w2.Mul(p), pq2, i+2)
			}
			for j := 0; j < m; j += 8 {
				st(ld(prv, j).Add(ld(pq0, j+2).Add(ld(pq1, j+1)).Add(ld(pq2, j))), prv, j)
			}
			q[c][1][1], q[c][2][0], q[c][2][1] = q[c][1][m+1], q[c][2][m], q[c][2][m+1]
		}
		a1[1], a2[0], a2[1] = a1[m+1], a2[m], a2[m+1]
		x += m
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	// What the last chunk's last two pixels give positions x and x+1.
	rw[x] += a1[1] + a2[0]
	rw[x+1] += a2[1]
	for c := range 3 {
		rv3[c][x] += q[c][1][1] + q[c][2][0]
		rv3[c][x+1] += q[c][2][1]
	}
	if x < n {
		t0, t1, t2 := cw.tail8(c0, box, x, n), cw.tail8(c1, box, x, n), cw.tail8(c2, box, x, n)
		for i := x; i < n; i++ {
			w0, w1, w2 := t0[i-x], t1[i-x], t2[i-x]
			dw[i] += w0 + w1 + w2
			rw[i] += w0
			rw[i+1] += w1
			rw[i+2] += w2
			for c := range 3 {
				qq, r, p := q3[c], rv3[c], p3[c][i]
				dv3[c][i] += w0*qq[i] + w1*qq[i+1] + w2*qq[i+2]
				r[i] += w0 * p
				r[i+1] += w1 * p
				r[i+2] += w2 * p
			}
		}
	}
}
