package dsp

import "math"

// The row kernels of non-local means (filter/nlm, filter/rician), after FFmpeg's
// NLMeansDSPContext. Per search offset o, the squared differences of a guide row and the
// row at o are summed over the patch in two steps: vertically into column sums (kept with a
// running sum down the rows: NLMAddCols primes it, NLMUpdateCols advances it by one row,
// NLMSumCols recomputes it from its ring of rows so that float32 rounding cannot drift),
// then horizontally over box = 2f+1 columns by the row kernels (NLMAccumRow, NLMCrossRow…),
// which turn each sum into a weight (NLMWeight) and accumulate it. The horizontal sum of a
// pixel is computed directly (box loads, the same order in every kernel set), so that the
// fast kernels need no serial running sum.

// nlmChunk is how many pixels the fast weight kernels box-sum at a time, into stack arrays.
const nlmChunk = 256

// NLMAddCols adds the squared differences (a−b)² of one row to col and keeps them in ring.
func NLMAddCols(col, ring, a, b []float32) { nlmAddCols(col, ring, a, b) }

var nlmAddCols, fastNLMAddCols = nlmAddColsGeneric, (func(col, ring, a, b []float32))(nil)

func nlmAddColsGeneric(col, ring, a, b []float32) {
	n := len(col)
	ring, a, b = ring[:n], a[:n], b[:n]
	for i := range col {
		d := a[i] - b[i]
		d2 := d * d
		col[i] += d2
		ring[i] = d2
	}
}

// NLMUpdateCols advances the column sums by one row: the squared differences of the entering
// row (a−b)² are added to col and the leaving row's, kept in ring, subtracted; ring then
// holds the entering row's.
func NLMUpdateCols(col, ring, a, b []float32) { nlmUpdateCols(col, ring, a, b) }

var nlmUpdateCols, fastNLMUpdateCols = nlmUpdateColsGeneric, (func(col, ring, a, b []float32))(nil)

func nlmUpdateColsGeneric(col, ring, a, b []float32) {
	n := len(col)
	ring, a, b = ring[:n], a[:n], b[:n]
	for i := range col {
		d := a[i] - b[i]
		d2 := d * d
		col[i] += d2 - ring[i]
		ring[i] = d2
	}
}

// NLMAddCols3 is NLMAddCols for three offsets side by side: b, b shifted by one and b
// shifted by two (b holds len(c0)+2 samples) into the sums c0, c1, c2 and rings r0, r1, r2.
func NLMAddCols3(c0, c1, c2, r0, r1, r2, a, b []float32) { nlmAddCols3(c0, c1, c2, r0, r1, r2, a, b) }

var nlmAddCols3, fastNLMAddCols3 = nlmAddCols3Generic, (func(c0, c1, c2, r0, r1, r2, a, b []float32))(nil)

func nlmAddCols3Generic(c0, c1, c2, r0, r1, r2, a, b []float32) {
	n := len(c0)
	c1, c2, r0, r1, r2, a, b = c1[:n], c2[:n], r0[:n], r1[:n], r2[:n], a[:n], b[:n+2]
	for i := range c0 {
		d0, d1, d2 := a[i]-b[i], a[i]-b[i+1], a[i]-b[i+2]
		d0, d1, d2 = d0*d0, d1*d1, d2*d2
		c0[i] += d0
		c1[i] += d1
		c2[i] += d2
		r0[i], r1[i], r2[i] = d0, d1, d2
	}
}

// NLMUpdateCols3 is NLMUpdateCols for three offsets side by side (as NLMAddCols3).
func NLMUpdateCols3(c0, c1, c2, r0, r1, r2, a, b []float32) {
	nlmUpdateCols3(c0, c1, c2, r0, r1, r2, a, b)
}

var nlmUpdateCols3, fastNLMUpdateCols3 = nlmUpdateCols3Generic, (func(c0, c1, c2, r0, r1, r2, a, b []float32))(nil)

func nlmUpdateCols3Generic(c0, c1, c2, r0, r1, r2, a, b []float32) {
	n := len(c0)
	c1, c2, r0, r1, r2, a, b = c1[:n], c2[:n], r0[:n], r1[:n], r2[:n], a[:n], b[:n+2]
	for i := range c0 {
		d0, d1, d2 := a[i]-b[i], a[i]-b[i+1], a[i]-b[i+2]
		d0, d1, d2 = d0*d0, d1*d1, d2*d2
		c0[i] += d0 - r0[i]
		c1[i] += d1 - r1[i]
		c2[i] += d2 - r2[i]
		r0[i], r1[i], r2[i] = d0, d1, d2
	}
}

// NLMSumCols sets col to the sum of the box rows of ring (rows stride apart), in ring order:
// the exact column sums that NLMUpdateCols keeps up to rounding. Calling it every few dozen
// rows bounds the running sums' drift.
func NLMSumCols(col, ring []float32, stride, box int) { nlmSumCols(col, ring, stride, box) }

var nlmSumCols, fastNLMSumCols = nlmSumColsGeneric, (func(col, ring []float32, stride, box int))(nil)

func nlmSumColsGeneric(col, ring []float32, stride, box int) {
	n := len(col)
	copy(col, ring[:n])
	for k := 1; k < box; k++ {
		r := ring[k*stride : k*stride+n]
		for i := range col {
			col[i] += r[i]
		}
	}
}

// boxSum is the horizontal patch sum of pixel x: col[x] + … + col[x+box−1], in that order.
func boxSum(col []float32, x, box int) float32 {
	c := col[x : x+box]
	s := c[0]
	for _, v := range c[1:] {
		s += v
	}
	return s
}

// NLMAccumRow turns the column sums of one row into patch SSDs (the sum for pixel x spans
// col[x : x+box]; col holds len(vp)+box−1 sums or more), weighs them with w and accumulates
// both ways, using the symmetry of the patch distance: pixel p gets w and w·vq (the value at
// p+o) into dw and dv; pixel p+o gets w and w·vp into rw and rv. The d* and r* slices may
// alias (offsets with dy = 0).
func NLMAccumRow(w NLMWeight, col []float32, box int, vp, vq, dw, dv, rw, rv []float32) {
	nlmAccumRow(w, col, box, vp, vq, dw, dv, rw, rv)
}

var nlmAccumRow, fastNLMAccumRow = nlmAccumRowGeneric, (func(w NLMWeight, col []float32, box int, vp, vq, dw, dv, rw, rv []float32))(nil)

func nlmAccumRowGeneric(w NLMWeight, col []float32, box int, vp, vq, dw, dv, rw, rv []float32) {
	n := len(vp)
	col = col[:n+box-1]
	vq, dw, dv, rw, rv = vq[:n], dw[:n], dv[:n], rw[:n], rv[:n]
	for x := range vp {
		wt := w.Of(boxSum(col, x, box))
		dw[x] += wt
		dv[x] += wt * vq[x]
		rw[x] += wt
		rv[x] += wt * vp[x]
	}
}

// NLMAccumRow3 is NLMAccumRow for three offsets side by side, o, o+(1,0) and o+(2,0), which
// share their loads and the direct accumulators: the column sums of offset k are ck; pixel x
// gets w_k and w_k·vq[x+k] into dw and dv, and pixel x+k of the reverse rows gets w_k and
// w_k·vp[x] into rw[x+k] and rv[x+k]. vq, rw and rv hold len(vp)+2 samples. The d* and r*
// slices may alias (offsets with dy = 0).
func NLMAccumRow3(w NLMWeight, c0, c1, c2 []float32, box int, vp, vq, dw, dv, rw, rv []float32) {
	nlmAccumRow3(w, c0, c1, c2, box, vp, vq, dw, dv, rw, rv)
}

var nlmAccumRow3, fastNLMAccumRow3 = nlmAccumRow3Generic, (func(w NLMWeight, c0, c1, c2 []float32, box int, vp, vq, dw, dv, rw, rv []float32))(nil)

func nlmAccumRow3Generic(w NLMWeight, c0, c1, c2 []float32, box int, vp, vq, dw, dv, rw, rv []float32) {
	n := len(vp)
	c0, c1, c2 = c0[:n+box-1], c1[:n+box-1], c2[:n+box-1]
	vq, dw, dv, rw, rv = vq[:n+2], dw[:n], dv[:n], rw[:n+2], rv[:n+2]
	for x, p := range vp {
		w0 := w.Of(boxSum(c0, x, box))
		w1 := w.Of(boxSum(c1, x, box))
		w2 := w.Of(boxSum(c2, x, box))
		dw[x] += w0 + w1 + w2
		dv[x] += w0*vq[x] + w1*vq[x+1] + w2*vq[x+2]
		rw[x] += w0
		rw[x+1] += w1
		rw[x+2] += w2
		rv[x] += w0 * p
		rv[x+1] += w1 * p
		rv[x+2] += w2 * p
	}
}

// NLMCrossRow is the one-way form of NLMAccumRow: pixel x gets w and w·vq[x] into dw and dv.
func NLMCrossRow(w NLMWeight, col []float32, box int, vq, dw, dv []float32) {
	nlmCrossRow(w, col, box, vq, dw, dv)
}

var nlmCrossRow, fastNLMCrossRow = nlmCrossRowGeneric, (func(w NLMWeight, col []float32, box int, vq, dw, dv []float32))(nil)

func nlmCrossRowGeneric(w NLMWeight, col []float32, box int, vq, dw, dv []float32) {
	n := len(vq)
	col = col[:n+box-1]
	dw, dv = dw[:n], dv[:n]
	for x := range vq {
		wt := w.Of(boxSum(col, x, box))
		dw[x] += wt
		dv[x] += wt * vq[x]
	}
}

// NLMCrossRowRel is NLMCrossRow with each weight multiplied by rel[x].
func NLMCrossRowRel(w NLMWeight, col []float32, box int, vq, rel, dw, dv []float32) {
	nlmCrossRowRel(w, col, box, vq, rel, dw, dv)
}

var nlmCrossRowRel, fastNLMCrossRowRel = nlmCrossRowRelGeneric, (func(w NLMWeight, col []float32, box int, vq, rel, dw, dv []float32))(nil)

func nlmCrossRowRelGeneric(w NLMWeight, col []float32, box int, vq, rel, dw, dv []float32) {
	n := len(vq)
	col = col[:n+box-1]
	rel, dw, dv = rel[:n], dw[:n], dv[:n]
	for x := range vq {
		wt := w.Of(boxSum(col, x, box)) * rel[x]
		dw[x] += wt
		dv[x] += wt * vq[x]
	}
}

// NLMCrossRow3 is NLMCrossRowRel for three offsets side by side: the column sums of offset k
// are ck, its values and reliabilities vq[x+k] and rel[x+k]; vq holds the row's samples and
// two more. The three weights of a pixel are added before they are accumulated.
func NLMCrossRow3(w NLMWeight, c0, c1, c2 []float32, box int, vq, rel, dw, dv []float32) {
	nlmCrossRow3(w, c0, c1, c2, box, vq, rel, dw, dv)
}

var nlmCrossRow3, fastNLMCrossRow3 = nlmCrossRow3Generic, (func(w NLMWeight, c0, c1, c2 []float32, box int, vq, rel, dw, dv []float32))(nil)

func nlmCrossRow3Generic(w NLMWeight, c0, c1, c2 []float32, box int, vq, rel, dw, dv []float32) {
	n := len(vq) - 2
	c0, c1, c2 = c0[:n+box-1], c1[:n+box-1], c2[:n+box-1]
	rel, dw, dv = rel[:n+2], dw[:n], dv[:n]
	for x := range dw {
		w0 := w.Of(boxSum(c0, x, box)) * rel[x]
		w1 := w.Of(boxSum(c1, x, box)) * rel[x+1]
		w2 := w.Of(boxSum(c2, x, box)) * rel[x+2]
		dw[x] += w0 + w1 + w2
		dv[x] += w0*vq[x] + w1*vq[x+1] + w2*vq[x+2]
	}
}

// NLMFinishRow writes each pixel's weighted mean out[x] = (av[x] + c·u[x]) / (aw[x] + c):
// the accumulated weights aw and weighted values av, and the pixel u itself with weight c
// (1, or 0 for a leave-one-out mean, where a pixel no candidate weighed keeps u[x]).
func NLMFinishRow(out, aw, av, u []float32, c float32) { nlmFinishRow(out, aw, av, u, c) }

var nlmFinishRow, fastNLMFinishRow = nlmFinishRowGeneric, (func(out, aw, av, u []float32, c float32))(nil)

func nlmFinishRowGeneric(out, aw, av, u []float32, c float32) {
	n := len(out)
	aw, av, u = aw[:n], av[:n], u[:n]
	for x := range out {
		d := aw[x] + c
		if d == 0 {
			out[x] = u[x]
			continue
		}
		out[x] = (av[x] + c*u[x]) / d
	}
}

// NLMDivRow writes out[x] = num[x] / den[x].
func NLMDivRow(out, num, den []float32) {
	n := len(out)
	num, den = num[:n], den[:n]
	for x := range out {
		out[x] = num[x] / den[x]
	}
}

// NLMBlockMeanRow writes into dst the means of the blocks of rows×kx samples of src (rows
// stride apart, srcW samples wide): dst[x] is the mean of the samples of columns
// x·kx … x·kx+kx−1 of the rows that lie within srcW (the last block may be narrower). 2×2
// blocks (4:2:0 chroma from a luma-sized map) go through Downsample2Row, whose vector kernel
// adds the two rows' pairs before summing them.
func NLMBlockMeanRow(dst, src []float32, stride, rows, kx, srcW int) {
	if kx == 2 && rows == 2 {
		Downsample2Row(dst, src[:srcW], src[stride:stride+srcW])
		return
	}
	for x := range dst {
		x0, x1 := x*kx, min((x+1)*kx, srcW)
		var sum float32
		for yy := 0; yy < rows; yy++ {
			for _, v := range src[yy*stride+x0 : yy*stride+x1] {
				sum += v
			}
		}
		dst[x] = sum / float32(rows*(x1-x0))
	}
}

// NLMSquareRow writes dst[x] = src[x]² (dst may be src).
func NLMSquareRow(dst, src []float32) {
	src = src[:len(dst)]
	for x, v := range src {
		dst[x] = v * v
	}
}

// NLMRicianCorrectRow replaces each mean of squared magnitudes m in row by √max(m − b, 0),
// b = 2σ²: the bias-corrected magnitude of Rician noise.
func NLMRicianCorrectRow(row []float32, b float32) {
	for x, m := range row {
		row[x] = float32(math.Sqrt(float64(max(m-b, 0))))
	}
}

// NLMAddSumCols adds to col the sum of the box rows of ring (rows stride apart), in ring
// order: NLMSumCols for a further channel whose squared differences share col (a patch
// distance summed over channels).
func NLMAddSumCols(col, ring []float32, stride, box int) { nlmAddSumCols(col, ring, stride, box) }

var nlmAddSumCols, fastNLMAddSumCols = nlmAddSumColsGeneric, (func(col, ring []float32, stride, box int))(nil)

func nlmAddSumColsGeneric(col, ring []float32, stride, box int) {
	n := len(col)
	for k := range box {
		r := ring[k*stride : k*stride+n]
		for i := range col {
			col[i] += r[i]
		}
	}
}

// NLMCrossRowRelJoint is NLMCrossRowRel for three channels weighed jointly: col holds the
// patch distances summed over the channels, so each weight (times rel) is computed once and
// accumulated into dw and, times vq[c], into every channel's dv[c].
func NLMCrossRowRelJoint(w NLMWeight, col []float32, box int, vq *[3][]float32, rel, dw []float32, dv *[3][]float32) {
	nlmCrossRowRelJoint(w, col, box, vq, rel, dw, dv)
}

var nlmCrossRowRelJoint, fastNLMCrossRowRelJoint = nlmCrossRowRelJointGeneric, (func(w NLMWeight, col []float32, box int, vq *[3][]float32, rel, dw []float32, dv *[3][]float32))(nil)

func nlmCrossRowRelJointGeneric(w NLMWeight, col []float32, box int, vq *[3][]float32, rel, dw []float32, dv *[3][]float32) {
	n := len(vq[0])
	col = col[:n+box-1]
	rel, dw = rel[:n], dw[:n]
	for x := range n {
		wt := w.Of(boxSum(col, x, box)) * rel[x]
		dw[x] += wt
		for c := range 3 {
			dv[c][x] += wt * vq[c][x]
		}
	}
}

// NLMAccumRowJoint is NLMAccumRow for three channels weighed jointly: col holds the patch
// distances summed over the channels, so each weight is computed once and accumulated into
// the shared weight rows dw and rw and into every channel's values: pixel p gets w·vq[c][x]
// into dv[c], pixel p+o gets w·vp[c][x] into rv[c]. Lengths and aliasing are as for
// NLMAccumRow, channel by channel.
func NLMAccumRowJoint(w NLMWeight, col []float32, box int, vp, vq, dv, rv *[3][]float32, dw, rw []float32) {
	nlmAccumRowJoint(w, col, box, vp, vq, dv, rv, dw, rw)
}

var nlmAccumRowJoint, fastNLMAccumRowJoint = nlmAccumRowJointGeneric, (func(w NLMWeight, col []float32, box int, vp, vq, dv, rv *[3][]float32, dw, rw []float32))(nil)

func nlmAccumRowJointGeneric(w NLMWeight, col []float32, box int, vp, vq, dv, rv *[3][]float32, dw, rw []float32) {
	n := len(vp[0])
	col = col[:n+box-1]
	dw, rw = dw[:n], rw[:n]
	for x := range n {
		wt := w.Of(boxSum(col, x, box))
		dw[x] += wt
		rw[x] += wt
		for c := range 3 {
			dv[c][x] += wt * vq[c][x]
			rv[c][x] += wt * vp[c][x]
		}
	}
}

// NLMAccumRow3Joint is NLMAccumRow3 for three channels weighed jointly: the column sums ck
// hold the patch distances of offset k summed over the channels, so each weight is computed
// once and accumulated into the shared weight rows dw and rw and into every channel's values:
// pixel x gets w_k·vq[c][x+k] into dv[c], pixel x+k of the reverse rows gets w_k·vp[c][x] into
// rv[c][x+k]. Lengths and aliasing are as for NLMAccumRow3, channel by channel.
func NLMAccumRow3Joint(w NLMWeight, c0, c1, c2 []float32, box int, vp, vq, dv, rv *[3][]float32, dw, rw []float32) {
	nlmAccumRow3Joint(w, c0, c1, c2, box, vp, vq, dv, rv, dw, rw)
}

var nlmAccumRow3Joint, fastNLMAccumRow3Joint = nlmAccumRow3JointGeneric, (func(w NLMWeight, c0, c1, c2 []float32, box int, vp, vq, dv, rv *[3][]float32, dw, rw []float32))(nil)

func nlmAccumRow3JointGeneric(w NLMWeight, c0, c1, c2 []float32, box int, vp, vq, dv, rv *[3][]float32, dw, rw []float32) {
	n := len(vp[0])
	c0, c1, c2 = c0[:n+box-1], c1[:n+box-1], c2[:n+box-1]
	dw, rw = dw[:n], rw[:n+2]
	for x := range n {
		w0 := w.Of(boxSum(c0, x, box))
		w1 := w.Of(boxSum(c1, x, box))
		w2 := w.Of(boxSum(c2, x, box))
		dw[x] += w0 + w1 + w2
		rw[x] += w0
		rw[x+1] += w1
		rw[x+2] += w2
		for c := range 3 {
			q, r, p := vq[c][:n+2], rv[c][:n+2], vp[c][x]
			dv[c][x] += w0*q[x] + w1*q[x+1] + w2*q[x+2]
			r[x] += w0 * p
			r[x+1] += w1 * p
			r[x+2] += w2 * p
		}
	}
}
