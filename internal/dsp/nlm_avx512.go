//go:build goexperiment.simd && amd64

package dsp

import (
	"os"
	"simd/archsimd"
	"unsafe"
)

// The hottest NLM row kernels again with AVX-512, sixteen pixels at a time: the patch
// distances' column updates, the weights of the frame's own offsets and of the aligned
// neighbours' three offsets a call. Each lane does the AVX2 kernel's operations in the same
// order (the same FMAs), so the output is the same bits; what is left of a row after its last
// sixteen is handed to the AVX2 kernel. Chosen where the CPU has AVX-512 (F, BW, CD,
// DQ, VL) unless DENOISE_CPU=avx2; on a CPU with a full-width 512-bit datapath (Zen 5) a
// 512-bit operation costs what a 256-bit one does.

// cpuHas512: the CPU runs the AVX-512 kernels; has512 adds that they are wanted.
var (
	cpuHas512 = hasFast && archsimd.X86.AVX512()
	has512    = cpuHas512 && os.Getenv("DENOISE_CPU") != "avx2"
)

// use512 makes the AVX-512 NLM kernels the fast ones (on) or gives the AVX2 ones back (off),
// and puts the fast ones in use unless the portable ones are forced; the parity tests switch.
func use512(on bool) {
	if on {
		fastNLMUpdateCols, fastNLMUpdateCols3 = nlmUpdateColsAVX512, nlmUpdateCols3AVX512
		fastNLMCrossRow3 = nlmCrossRow3AVX512
		fastNLMCrossRowRel = nlmCrossRowRelAVX512
	} else {
		fastNLMUpdateCols, fastNLMUpdateCols3 = nlmUpdateColsAVX2, nlmUpdateCols3AVX2
		fastNLMCrossRow3 = nlmCrossRow3AVX2
		fastNLMCrossRowRel = nlmCrossRowRelAVX2
	}
	kernels512 = on
	if UseFast() {
		nlmUpdateCols, nlmUpdateCols3 = fastNLMUpdateCols, fastNLMUpdateCols3
		nlmCrossRow3 = fastNLMCrossRow3
		nlmCrossRowRel = fastNLMCrossRowRel
	}
}

type f32x16 = archsimd.Float32x16

func bcast16(v float32) f32x16 { return archsimd.BroadcastFloat32x16(v) }

// ld16 loads samples i … i+15 of the row at p.
func ld16(p unsafe.Pointer, i int) f32x16 {
	return archsimd.LoadFloat32x16((*[16]float32)(unsafe.Add(p, i*4)))
}

// st16 stores v into samples i … i+15 of the row at p.
func st16(v f32x16, p unsafe.Pointer, i int) { v.Store((*[16]float32)(unsafe.Add(p, i*4))) }

func nlmUpdateColsAVX512(col, ring, a, b []float32) {
	n := len(col)
	ring, a, b = ring[:n], a[:n], b[:n]
	i := 0
	if n >= 16 {
		pc, pr, pa, pb := ptr(col), ptr(ring), ptr(a), ptr(b)
		for ; i+16 <= n; i += 16 {
			d := ld16(pa, i).Sub(ld16(pb, i))
			d2 := d.Mul(d)
			st16(ld16(pc, i).Add(d2.Sub(ld16(pr, i))), pc, i)
			st16(d2, pr, i)
		}
		archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	}
	if i < n {
		nlmUpdateColsAVX2(col[i:], ring[i:], a[i:], b[i:])
	}
}

func nlmUpdateCols3AVX512(c0, c1, c2, r0, r1, r2, a, b []float32) {
	n := len(c0)
	c1, c2, r0, r1, r2, a, b = c1[:n], c2[:n], r0[:n], r1[:n], r2[:n], a[:n], b[:n+2]
	i := 0
	if n >= 16 {
		p0, p1, p2, q0, q1, q2, pa, pb := ptr(c0), ptr(c1), ptr(c2), ptr(r0), ptr(r1), ptr(r2), ptr(a), ptr(b)
		for ; i+16 <= n; i += 16 {
			va := ld16(pa, i)
			d0, d1, d2 := va.Sub(ld16(pb, i)), va.Sub(ld16(pb, i+1)), va.Sub(ld16(pb, i+2))
			d0, d1, d2 = d0.Mul(d0), d1.Mul(d1), d2.Mul(d2)
			st16(ld16(p0, i).Add(d0.Sub(ld16(q0, i))), p0, i)
			st16(ld16(p1, i).Add(d1.Sub(ld16(q1, i))), p1, i)
			st16(ld16(p2, i).Add(d2.Sub(ld16(q2, i))), p2, i)
			st16(d0, q0, i)
			st16(d1, q1, i)
			st16(d2, q2, i)
		}
		archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	}
	if i < n {
		nlmUpdateCols3AVX2(c0[i:], c1[i:], c2[i:], r0[i:], r1[i:], r2[i:], a[i:], b[i:])
	}
}

// boxSums16 is boxSums8 sixteen pixels at a time (m a multiple of 16), the additions in the
// same order.
func boxSums16(dst *[nlmChunk]float32, col []float32, box, m int) {
	_ = col[m+box-2] // every load below is in bounds
	pc, pd := ptr(col), unsafe.Pointer(dst)
	x := 0
	switch box {
	case 3:
		for ; x+16 <= m; x += 16 {
			st16(ld16(pc, x).Add(ld16(pc, x+1)).Add(ld16(pc, x+2)), pd, x)
		}
	case 5:
		for ; x+16 <= m; x += 16 {
			st16(ld16(pc, x).Add(ld16(pc, x+1)).Add(ld16(pc, x+2)).Add(ld16(pc, x+3)).Add(ld16(pc, x+4)), pd, x)
		}
	case 7:
		for ; x+16 <= m; x += 16 {
			st16(ld16(pc, x).Add(ld16(pc, x+1)).Add(ld16(pc, x+2)).Add(ld16(pc, x+3)).Add(ld16(pc, x+4)).
				Add(ld16(pc, x+5)).Add(ld16(pc, x+6)), pd, x)
		}
	default:
		for ; x+16 <= m; x += 16 {
			s := ld16(pc, x)
			for j := 1; j < box; j++ {
				s = s.Add(ld16(pc, x+j))
			}
			st16(s, pd, x)
		}
	}
}

// weight16 is weight8 in 512-bit vectors.
type weight16 struct {
	scale, negK, a, tail, zero, magic, c1, c2, c3, c4, c5, c6, one f32x16
	i127                                                           archsimd.Int32x16
}

func newWeight16(w NLMWeight) weight16 {
	return weight16{
		scale: bcast16(w.Scale), negK: bcast16(-w.K), a: bcast16(w.A), tail: bcast16(nlmTail2),
		magic: bcast16(expMagic), c1: bcast16(exp2C1), c2: bcast16(exp2C2), c3: bcast16(exp2C3),
		c4: bcast16(exp2C4), c5: bcast16(exp2C5), c6: bcast16(exp2C6), one: bcast16(1),
		i127: archsimd.BroadcastInt32x16(127),
	}
}

// of is weight8.of of sixteen SSDs.
func (c *weight16) of(ssd f32x16) f32x16 {
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
	pow := c.i127.Sub(v.AsInt32x16()).ShiftAllLeft(23).AsFloat32x16()
	return q.Mul(pow).Mul(c.a).Masked(keep)
}

func nlmCrossRowRelAVX512(w NLMWeight, col []float32, box int, vq, rel, dw, dv []float32) {
	n := len(vq)
	col = col[:n+box-1]
	rel, dw, dv = rel[:n], dw[:n], dv[:n]
	x := 0
	if n >= 16 {
		c := newWeight16(w)
		var ssd [nlmChunk]float32
		for x+16 <= n {
			m := min(nlmChunk, (n-x)&^15)
			boxSums16(&ssd, col[x:], box, m)
			pq, pr, pdw, pdv, ps := ptr(vq[x:]), ptr(rel[x:]), ptr(dw[x:]), ptr(dv[x:]), unsafe.Pointer(&ssd)
			for i := 0; i < m; i += 16 {
				wt := c.of(ld16(ps, i)).Mul(ld16(pr, i))
				st16(ld16(pdw, i).Add(wt), pdw, i)
				st16(wt.MulAdd(ld16(pq, i), ld16(pdv, i)), pdv, i)
			}
			x += m
		}
		archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	}
	if x < n {
		nlmCrossRowRelAVX2(w, col[x:], box, vq[x:], rel[x:], dw[x:], dv[x:])
	}
}

func nlmCrossRow3AVX512(w NLMWeight, c0, c1, c2 []float32, box int, vq, rel, dw, dv []float32) {
	n := len(vq) - 2
	c0, c1, c2 = c0[:n+box-1], c1[:n+box-1], c2[:n+box-1]
	rel, dw, dv = rel[:n+2], dw[:n], dv[:n]
	x := 0
	if n >= 16 {
		c := newWeight16(w)
		var s0, s1, s2 [nlmChunk]float32
		for x+16 <= n {
			m := min(nlmChunk, (n-x)&^15)
			boxSums16(&s0, c0[x:], box, m)
			boxSums16(&s1, c1[x:], box, m)
			boxSums16(&s2, c2[x:], box, m)
			pq, pr, pdw, pdv := ptr(vq[x:]), ptr(rel[x:]), ptr(dw[x:]), ptr(dv[x:])
			ps0, ps1, ps2 := unsafe.Pointer(&s0), unsafe.Pointer(&s1), unsafe.Pointer(&s2)
			for i := 0; i < m; i += 16 {
				w0 := c.of(ld16(ps0, i)).Mul(ld16(pr, i))
				w1 := c.of(ld16(ps1, i)).Mul(ld16(pr, i+1))
				w2 := c.of(ld16(ps2, i)).Mul(ld16(pr, i+2))
				st16(ld16(pdw, i).Add(w0.Add(w1).Add(w2)), pdw, i)
				v := w2.MulAdd(ld16(pq, i+2), w1.MulAdd(ld16(pq, i+1), w0.Mul(ld16(pq, i))))
				st16(ld16(pdv, i).Add(v), pdv, i)
			}
			x += m
		}
		archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	}
	if x < n {
		nlmCrossRow3AVX2(w, c0[x:], c1[x:], c2[x:], box, vq[x:], rel[x:], dw[x:], dv[x:])
	}
}
