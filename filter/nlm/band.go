package nlm

import (
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// padded is a plane copied with a mirrored border of pad samples on each side, so that every
// patch of every candidate is in bounds.
type padded struct {
	w, h, pad, stride int
	pix               []float32
}

// row returns the padded samples of row y (−pad ≤ y < h+pad) starting at column x0 (≥ −pad).
func (p *padded) row(y, x0 int) []float32 {
	o := (y+p.pad)*p.stride + p.pad + x0
	return p.pix[o : (y+p.pad+1)*p.stride]
}

func (p *padded) resize(w, h, pad int) {
	p.w, p.h, p.pad, p.stride = w, h, pad, w+2*pad
	n := p.stride * (h + 2*pad)
	if cap(p.pix) < n {
		p.pix = make([]float32, n)
	}
	p.pix = p.pix[:n]
}

// fill copies src (p.w×p.h) into p with the mirrored border.
func (p *padded) fill(s *frame.Plane) {
	dsp.PadPlane(p.pix, p.stride, p.pad, s.Pix, s.Stride, p.w, p.h)
}

// band is the scratch of one horizontal band of output rows: the accumulators and the
// running-sum buffers. It is sized once per geometry.
type band struct {
	y0, y1 int
	lo, hi int          // the tile of rows being accumulated (tiles partition y0..y1)
	aw     int          // accumulator row length: w + 2R (reverse targets may land in the margin)
	nc     int          // channels: 1, or 3 weighed jointly (one patch distance over all three)
	acc    []float32    // the weight sums, then each channel's weighted value sums, rows y0..y1
	dummy  []float32    // 2 rows that absorb accumulation for rows outside the band
	col    [3][]float32 // vertical patch sums of squared differences (resynced: syncEvery), three offsets
	ring   [3][]float32 // the rows of col's sums; with nc = 3, channel c of offset i is ring[i] of chRing[c-1]
	chRing [2][3][]float32
	// jrows are the joint accumulation's row views (vp, vq, dv, rv of NLMAccumRow3Joint),
	// kept here so that passing them by pointer does not allocate every row.
	jrows [4][3][]float32
	// fin is finishJoint's rows: the three guide channels' means and a discarded output.
	fin [4][]float32
}

// resizeN sizes the band for nc channels (1 or 3).
func (b *band) resizeN(y0, y1, w, r, f, nc int) {
	b.y0, b.y1 = y0, y1
	b.lo, b.hi = y0, y1
	b.nc = nc
	b.aw = w + 2*r
	b.acc = grow(b.acc, (1+nc)*(y1-y0)*b.aw)
	b.dummy = grow(b.dummy, 2*b.aw)
	cw := w + 2*r + 2*f + 1
	for i := range b.col {
		b.col[i] = grow(b.col[i], cw)
		b.ring[i] = grow(b.ring[i], (2*f+1)*cw)
		for c := 1; c < nc; c++ {
			b.chRing[c-1][i] = grow(b.chRing[c-1][i], (2*f+1)*cw)
		}
	}
}

// rings returns the ring of offset i (0–2) for channel c.
func (b *band) rings(c, i int) []float32 {
	if c == 0 {
		return b.ring[i]
	}
	return b.chRing[c-1][i]
}

// syncEvery is how many rows the running column sums go between resyncs from their ring
// (dsp.NLMSumCols), which bounds the drift of float32 rounding.
const syncEvery = 32

func grow[T float32 | float64](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// accRows returns the weight and value rows of output row y starting at column x0 (≥ −R),
// or the dummy rows when y is outside the tile being accumulated.
func (b *band) accRows(y, x0, r int) (w, v []float32) { return b.accRowsC(0, y, x0, r) }

// accRowsC is accRows for channel c: the shared weight row and channel c's value row.
func (b *band) accRowsC(c, y, x0, r int) (w, v []float32) {
	if y < b.lo || y >= b.hi {
		o := x0 + r
		return b.dummy[o:b.aw], b.dummy[b.aw+o : 2*b.aw]
	}
	plane := (b.y1 - b.y0) * b.aw
	o := (y-b.y0)*b.aw + x0 + r
	e := (y - b.y0 + 1) * b.aw
	return b.acc[o:e], b.acc[(1+c)*plane+o : (1+c)*plane+e]
}

// run accumulates every search offset of the band. Patches are compared in the guide g and
// the values of v averaged (v may be g); both are padded by at least r+f. The offsets of a
// row are taken three at a time where they can be: the three share their loads and their
// direct accumulators, which halves the memory traffic of a pass.
func (b *band) run(g, v *padded, wt dsp.NLMWeight, r, f int) {
	b.sweep(g.w+2*r, r,
		func(dx, dy int) { b.run3(g, v, wt, r, f, dx, dy) },
		func(dx, dy int) { b.run1(g, v, wt, r, f, dx, dy) })
}

// sweep clears the accumulators and calls, tile by tile, pass3 for each run of three
// offsets of a row (dx, dx+1, dx+2) and pass1 for each single one, over the half of the
// (2r+1)² search window that the symmetric weights leave; width is the samples a row of
// the tile reads, for its size.
func (b *band) sweep(width, r int, pass3, pass1 func(dx, dy int)) {
	clear(b.acc)
	nt := b.tiles(width)
	for t := range nt {
		b.lo, b.hi = b.y0+(b.y1-b.y0)*t/nt, b.y0+(b.y1-b.y0)*(t+1)/nt
		for dy := 0; dy <= r; dy++ {
			dx := -r
			if dy == 0 {
				dx = 1
			}
			for ; dx+2 <= r && r >= 2; dx += 3 {
				pass3(dx, dy)
			}
			for ; dx <= r; dx++ {
				pass1(dx, dy)
			}
		}
	}
	b.lo, b.hi = b.y0, b.y1
}

// runN is run for b.nc channels weighed jointly: the patch distance of an offset is the sum
// of the channels' squared differences in the guides gs (one column sum, kept from one ring
// per channel), and its weight averages every channel of gs (the joint calls take their means
// in the guides and mix them back to the planes at the end: finishJoint).
func (b *band) runN(gs []*padded, wt dsp.NLMWeight, r, f int) {
	b.sweep((gs[0].w+2*r)*len(gs), r, // each channel has its rows and accumulators
		func(dx, dy int) { b.run3N(gs, wt, r, f, dx, dy) },
		func(dx, dy int) { b.run1N(gs, wt, r, f, dx, dy) })
}

// tileBytes is about what the rows of one tile take (two accumulator planes and the padded
// rows an offset pass reads, ≈16 bytes a sample): every offset sweeps the tile's rows, and a
// 720p band swept whole falls out of a 1 MiB L2 cache on every pass; in tiles of about 76
// rows the kernels spend 0.94 → 0.70 CPU ns per pixel·offset (BenchmarkKernelPlaneSize).
var tileBytes = 3 << 19 // a variable for BenchmarkKernelPlaneSize's untiled case

// tiles returns how many tiles of rows the band is accumulated in, for rows aw samples wide:
// tiles of about tileBytes, of at least 32 rows (a tile reprimes 2f rows and revisits up to
// R rows above it for every offset).
func (b *band) tiles(aw int) int {
	rows := max(32, tileBytes/(16*aw))
	return max(1, (b.y1-b.y0)/rows)
}

// run1 accumulates offset (dx, dy).
func (b *band) run1(g, v *padded, wt dsp.NLMWeight, r, f, dx, dy int) {
	w := g.w
	box := 2*f + 1
	cw := w + 2*r + 2*f + 1
	// p runs over the columns whose own patch or partner p+o is an output pixel.
	xa, xb := min(0, -dx), w+max(0, -dx)
	n := xb - xa
	cn := n + 2*f // column sums for x in [xa−f, xb+f)
	col, ring := b.col[0][:cn], b.ring[0]
	clear(col)
	ys := b.lo - dy
	// Prime the vertical sums with rows ys−f … ys+f−1 and keep a zero slot for the row that
	// leaves first.
	slot := 0
	for y := ys - f; y < ys+f; y++ {
		dsp.NLMAddCols(col, ring[slot*cw:slot*cw+cn], g.row(y, xa-f), g.row(y+dy, xa-f+dx))
		slot++
	}
	clear(ring[slot*cw : slot*cw+cn])
	for y := ys; y < b.hi; y++ {
		// Row y+f enters; row y−f−1 (in the same ring slot) leaves.
		dsp.NLMUpdateCols(col, ring[slot*cw:slot*cw+cn], g.row(y+f, xa-f), g.row(y+f+dy, xa-f+dx))
		if slot++; slot == box {
			slot = 0
		}
		if (y-ys)%syncEvery == syncEvery-1 {
			dsp.NLMSumCols(col, ring, cw, box)
		}
		dw, dv := b.accRows(y, xa, r)
		rw, rv := b.accRows(y+dy, xa+dx, r)
		dsp.NLMAccumRow(wt, col, box, v.row(y, xa)[:n], v.row(y+dy, xa+dx), dw, dv, rw, rv)
	}
}

// run3 accumulates offsets (dx, dy), (dx+1, dy) and (dx+2, dy), dx+2 ≤ r, r ≥ 2. Pixels p run
// over the union of the three offsets' ranges (p+o stays within r of the plane); a pair with
// neither pixel in the plane lands in the accumulators' margins, which finish does not read.
func (b *band) run3(g, v *padded, wt dsp.NLMWeight, r, f, dx, dy int) {
	w := g.w
	box := 2*f + 1
	cw := w + 2*r + 2*f + 1
	xa, xb := min(0, -dx-2), w+max(0, -dx)
	n := xb - xa
	cn := n + 2*f
	var col, ring [3][]float32
	for i := range col {
		col[i], ring[i] = b.col[i][:cn], b.ring[i]
		clear(col[i])
	}
	ys := b.lo - dy
	slot := 0
	for y := ys - f; y < ys+f; y++ {
		o := slot * cw
		dsp.NLMAddCols3(col[0], col[1], col[2], ring[0][o:o+cn], ring[1][o:o+cn], ring[2][o:o+cn],
			g.row(y, xa-f), g.row(y+dy, xa-f+dx))
		slot++
	}
	for i := range ring {
		clear(ring[i][slot*cw : slot*cw+cn])
	}
	for y := ys; y < b.hi; y++ {
		o := slot * cw
		dsp.NLMUpdateCols3(col[0], col[1], col[2], ring[0][o:o+cn], ring[1][o:o+cn], ring[2][o:o+cn],
			g.row(y+f, xa-f), g.row(y+f+dy, xa-f+dx))
		if slot++; slot == box {
			slot = 0
		}
		if (y-ys)%syncEvery == syncEvery-1 {
			for i := range col {
				dsp.NLMSumCols(col[i], ring[i], cw, box)
			}
		}
		dw, dv := b.accRows(y, xa, r)
		rw, rv := b.accRows(y+dy, xa+dx, r)
		dsp.NLMAccumRow3(wt, col[0], col[1], col[2], box, v.row(y, xa)[:n], v.row(y+dy, xa+dx), dw, dv, rw, rv)
	}
}

// run1N is run1 for runN's channels.
func (b *band) run1N(gs []*padded, wt dsp.NLMWeight, r, f, dx, dy int) {
	w := gs[0].w
	box := 2*f + 1
	cw := w + 2*r + 2*f + 1
	// p runs over the columns whose own patch or partner p+o is an output pixel.
	xa, xb := min(0, -dx), w+max(0, -dx)
	n := xb - xa
	cn := n + 2*f // column sums for x in [xa−f, xb+f)
	col := b.col[0][:cn]
	clear(col)
	ys := b.lo - dy
	// Prime the vertical sums with rows ys−f … ys+f−1 and keep a zero slot for the row that
	// leaves first.
	slot := 0
	for y := ys - f; y < ys+f; y++ {
		for c, g := range gs {
			ring := b.rings(c, 0)
			dsp.NLMAddCols(col, ring[slot*cw:slot*cw+cn], g.row(y, xa-f), g.row(y+dy, xa-f+dx))
		}
		slot++
	}
	for c := range gs {
		clear(b.rings(c, 0)[slot*cw : slot*cw+cn])
	}
	for y := ys; y < b.hi; y++ {
		// Row y+f enters; row y−f−1 (in the same ring slot) leaves.
		for c, g := range gs {
			ring := b.rings(c, 0)
			dsp.NLMUpdateCols(col, ring[slot*cw:slot*cw+cn], g.row(y+f, xa-f), g.row(y+f+dy, xa-f+dx))
		}
		if slot++; slot == box {
			slot = 0
		}
		if (y-ys)%syncEvery == syncEvery-1 {
			dsp.NLMSumCols(col, b.ring[0], cw, box)
			for c := 1; c < len(gs); c++ {
				dsp.NLMAddSumCols(col, b.rings(c, 0), cw, box)
			}
		}
		vp, vq, dv, rv, dw, rw := b.jointRows(gs, y, xa, dx, dy, n, r)
		dsp.NLMAccumRowJoint(wt, col, box, vp, vq, dv, rv, dw, rw)
	}
}

// run3N is run3 for runN's channels (3): one weight per offset and pixel, computed once.
func (b *band) run3N(gs []*padded, wt dsp.NLMWeight, r, f, dx, dy int) {
	w := gs[0].w
	box := 2*f + 1
	cw := w + 2*r + 2*f + 1
	xa, xb := min(0, -dx-2), w+max(0, -dx)
	n := xb - xa
	cn := n + 2*f
	var col [3][]float32
	for i := range col {
		col[i] = b.col[i][:cn]
		clear(col[i])
	}
	ys := b.lo - dy
	slot := 0
	for y := ys - f; y < ys+f; y++ {
		o := slot * cw
		for c, g := range gs {
			r0, r1, r2 := b.rings(c, 0), b.rings(c, 1), b.rings(c, 2)
			dsp.NLMAddCols3(col[0], col[1], col[2], r0[o:o+cn], r1[o:o+cn], r2[o:o+cn],
				g.row(y, xa-f), g.row(y+dy, xa-f+dx))
		}
		slot++
	}
	for c := range gs {
		for i := range 3 {
			clear(b.rings(c, i)[slot*cw : slot*cw+cn])
		}
	}
	for y := ys; y < b.hi; y++ {
		o := slot * cw
		for c, g := range gs {
			r0, r1, r2 := b.rings(c, 0), b.rings(c, 1), b.rings(c, 2)
			dsp.NLMUpdateCols3(col[0], col[1], col[2], r0[o:o+cn], r1[o:o+cn], r2[o:o+cn],
				g.row(y+f, xa-f), g.row(y+f+dy, xa-f+dx))
		}
		if slot++; slot == box {
			slot = 0
		}
		if (y-ys)%syncEvery == syncEvery-1 {
			for i := range col {
				dsp.NLMSumCols(col[i], b.ring[i], cw, box)
				for c := 1; c < len(gs); c++ {
					dsp.NLMAddSumCols(col[i], b.rings(c, i), cw, box)
				}
			}
		}
		vp, vq, dv, rv, dw, rw := b.jointRows(gs, y, xa, dx, dy, n, r)
		dsp.NLMAccumRow3Joint(wt, col[0], col[1], col[2], box, vp, vq, dv, rv, dw, rw)
	}
}

// jointRows returns the row views of a joint pass's row y at offset (dx, dy) from column xa,
// n pixels: each channel's values at p and at p+o, its value accumulators there, and the
// shared weight accumulators (the views live in b.jrows, so that none is allocated).
func (b *band) jointRows(gs []*padded, y, xa, dx, dy, n, r int) (vp, vq, dv, rv *[3][]float32, dw, rw []float32) {
	vp, vq, dv, rv = &b.jrows[0], &b.jrows[1], &b.jrows[2], &b.jrows[3]
	for c, v := range gs {
		dw, dv[c] = b.accRowsC(c, y, xa, r)
		rw, rv[c] = b.accRowsC(c, y+dy, xa+dx, r)
		vp[c], vq[c] = v.row(y, xa)[:n], v.row(y+dy, xa+dx)
	}
	return vp, vq, dv, rv, dw, rw
}

// finish writes the band's output rows: each pixel's weighted mean, the pixel itself
// included with the weight a zero patch distance gets, 1. (IPOL gives it the largest weight
// of the other candidates instead; with the 2σ² offset that is 1 wherever any candidate is
// closer than 2σ², and where none is, keeping weight 1 preserved detail better: Set12 mean
// PSNR +0.1 dB at σ=15, +0.03 at σ=25, equal at σ=50.)
func (b *band) finish(dst *frame.Plane, v *padded, r int, leaveOut bool) {
	b.finishC(0, dst, v, r, leaveOut)
}

// finishC is finish for channel ch.
func (b *band) finishC(ch int, dst *frame.Plane, v *padded, r int, leaveOut bool) {
	var c float32 = 1
	if leaveOut {
		c = 0
	}
	for y := b.y0; y < b.y1; y++ {
		aw, av := b.accRowsC(ch, y, 0, r)
		dsp.NLMFinishRow(dst.Row(y), aw, av, v.row(y, 0), c)
	}
}
