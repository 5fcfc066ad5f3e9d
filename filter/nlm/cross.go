package nlm

import (
	"fmt"

	"github.com/denoise-go/denoise/filter/internal/par"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// CrossPlane is a plane whose samples are extra NLM candidates of another plane of the same
// size: typically a neighbouring frame motion-compensated onto the current one. The
// candidates of pixel p are the samples in a small window around p; each gets the weight of
// its patch distance to p's patch, times the reliability at the candidate.
type CrossPlane struct {
	Plane *frame.Plane
	// Reliability, when set, scales each candidate's weight by its value (in [0,1]) at the
	// candidate's position: how far a warped pixel can stand in for the current one. It has
	// the plane's size scaled up by (2^RelShiftW, 2^RelShiftH) (a luma-sized map for a
	// subsampled chroma plane: the mean of the luma samples a chroma sample covers is used).
	Reliability          *frame.Plane
	RelShiftW, RelShiftH int
}

// CrossParams are the settings of the cross-plane candidates; Sigma and H are on the 0–255
// scale, like Params'.
type CrossParams struct {
	// SearchRadius Rt: the candidates of p in each cross plane are the (2Rt+1)² samples
	// around p (0: the sample at p alone).
	SearchRadius int
	// PatchRadius is the radius of the patches compared with these candidates (0: the
	// spatial Params' PatchRadius).
	PatchRadius int
	// H and Sigma set the weight exp(−max(d²−2σ², 0)/H²) of these candidates; 0 takes the
	// spatial Params' value.
	H, Sigma float64
	// SpatialWeight scales the weights of the centre plane's own candidates (0 means 1): below
	// 1, the cross candidates lead where they match, and the spatial ones fill in where
	// they do not (occlusions), with the pixel itself keeping weight 1.
	SpatialWeight float64
}

// STDenoiser is a spatio-temporal NLM: each pixel's candidates are its spatial search window
// in the current plane (the PlaneDenoiser's symmetric running-sum kernel) plus a small window
// around the same position in every cross plane, all weighted by patch similarity and pooled
// into one weighted mean with the pixel itself at weight 1. A plane is cut into horizontal
// bands; Denoise runs them on Threads goroutines. The steps of a call can also be run one by
// one (Begin, SetCross, RunStep), so that a caller can start on the current plane's own
// candidates while it is still preparing the cross planes. Scratch is kept between calls,
// so the steady state does not allocate. It is not safe for concurrent use, except RunStep
// on distinct bands.
type STDenoiser struct {
	// Threads is how many goroutines Denoise uses on one plane; ≤ 1 runs on the caller's.
	Threads int
	// BandRows is the least height of a band (0: 48). Begin cuts the plane into as many
	// bands as it can, at most MaxBands (0: Threads).
	BandRows, MaxBands int
	// CrossSlots is how many cross planes' copies are kept (0: one per cross plane). With
	// fewer than the call's n, SetCross(k) reuses the copy of cross plane k−CrossSlots, so the
	// caller must not call it before every band has run step k−CrossSlots+1 (RunStep); a
	// stage that aligns its neighbours one at a time then holds CrossSlots copies instead of
	// n (at 1080p, 2 instead of 4 saves ≈50 MB of padded planes and reliabilities). Denoise
	// ignores it.
	CrossSlots int

	job   stJob
	bands []band
	xs    []crossScratch // per band
	pool  par.Pool

	denoising bool // Begin is called by Denoise, which sets every cross plane first
}

// Close ends the denoiser's helper goroutines now rather than when it is garbage.
func (d *STDenoiser) Close() { d.pool.Close() }

// stJob is what every band of one call shares.
type stJob struct {
	nc      int           // channels: 1, or 3 weighed jointly (BeginJoint)
	g       [3]padded     // the current planes (one channel), or their guides (three)
	gs      [3]*padded    // &g[c]
	nb      [][3]padded   // cross planes (or their guides), by slot and channel
	rel     []padded      // their reliabilities at the plane's size (pix empty: none)
	mix     [9]float32    // with three channels, the guides' colour matrix (jointMix)
	inv     [9]float32    // and its inverse, which takes the guides' means back to the planes
	n       int           // cross planes of the call
	slots   int           // copies of cross planes kept: cross plane k is in nb[k%slots]
	wt      dsp.NLMWeight // the current plane's candidates
	wtT     dsp.NLMWeight // the cross planes'
	r, f    int
	rt, ft  int
	w, h    int
	dst     [3]*frame.Plane
	cur     [3]*frame.Plane // with copy, what the last step copies into dst
	spatial bool            // the current plane's own candidates are used
	cross   bool            // the cross planes' candidates are used
	copy    bool            // nothing to filter: the last step copies cur into dst
}

type stRunner STDenoiser

func (d *stRunner) RunPart(i int) {
	for s := 0; s < d.job.n+2; s++ {
		(*STDenoiser)(d).RunStep(i, s)
	}
}

// Denoise writes into dst the spatio-temporal NLM estimate of cur (dst may be cur): the
// spatial candidates of p (its radius, patch, h and σ) and those of every cross plane.
// With no cross planes it equals PlaneDenoiser.Denoise.
func (d *STDenoiser) Denoise(dst, cur *frame.Plane, cross []CrossPlane, p Params, cp CrossParams) error {
	d.denoising = true
	nb, err := d.Begin(dst, cur, len(cross), p, cp)
	d.denoising = false
	if err != nil {
		return err
	}
	for k := range cross {
		if err := d.SetCross(k, cross[k]); err != nil {
			return err
		}
	}
	d.pool.SetThreads(max(1, d.Threads))
	d.pool.Run((*stRunner)(d), nb)
	d.job.dst, d.job.cur = [3]*frame.Plane{}, [3]*frame.Plane{}
	return nil
}

// Begin starts a call that will write into dst (dst may be cur) the estimate of cur with n
// cross planes, and returns its number of bands. Then SetCross gives cross plane k before
// any band runs step k+1, and RunStep runs every step of every band. Only a band's last
// step writes dst: dst may be nil here and given to SetDst before any band runs it, so
// that a caller need not hold the output while the bands accumulate.
func (d *STDenoiser) Begin(dst, cur *frame.Plane, n int, p Params, cp CrossParams) (int, error) {
	nb, err := d.begin([3]*frame.Plane{dst}, [3]*frame.Plane{cur}, 1, n, p, cp)
	if err != nil || d.job.copy {
		return nb, err
	}
	d.job.g[0].fill(cur)
	return nb, nil
}

// SetDst gives the planes the call's last steps write (Begin's dst; BeginJoint's three, nil
// for a channel that only guides). It must come before any band runs its last step.
func (d *STDenoiser) SetDst(dst [3]*frame.Plane) error {
	j := &d.job
	for c := range j.nc {
		if dst[c] != nil && (dst[c].W != j.w || dst[c].H != j.h) {
			return fmt.Errorf("nlm: output plane %d is %dx%d, want %dx%d", c, dst[c].W, dst[c].H, j.w, j.h)
		}
	}
	j.dst = dst
	return nil
}

// BeginJoint is Begin for three planes of one size weighed jointly, as
// PlaneDenoiser.DenoiseJoint weighs them: each channel whitened by its σ (sigma, on the
// 0–255 scale; p.Sigma and cp.Sigma are ignored), taken to space's guide, and one patch
// distance summed over the three channels gives the weight that averages each of them, in
// the current planes and in every cross plane (SetCrossJoint). A dst may be nil: that
// channel then only guides (unless SetDst gives it before the last steps run). Only the guides are kept, not the planes: the means are taken
// of the guides, which are a linear mix of the planes, and mixed back at the end (the mix's
// inverse), which holds half the copies.
func (d *STDenoiser) BeginJoint(dst, cur [3]*frame.Plane, n int, sigma [3]float64, space JointSpace, p Params, cp CrossParams) (int, error) {
	for c := range 3 {
		if cur[c].W != cur[0].W || cur[c].H != cur[0].H || dst[c] != nil && (dst[c].W != cur[0].W || dst[c].H != cur[0].H) {
			return 0, fmt.Errorf("nlm: joint planes differ in size: %dx%d and %dx%d", cur[0].W, cur[0].H, cur[c].W, cur[c].H)
		}
	}
	k, rms := whiten(sigma)
	p.Sigma, cp.Sigma = rms, rms
	if rms == 0 {
		p.H, cp.H = 0, 0
	}
	nb, err := d.begin(dst, cur, 3, n, p, cp)
	if err != nil || d.job.copy {
		return nb, err
	}
	j := &d.job
	jointMix(&j.mix, &j.inv, space, k)
	fillMixed(&j.g, cur, &j.mix)
	return nb, nil
}

// fillMixed fills the padded guides g (sized) from planes through the colour matrix m, row
// by row, then mirrors their borders (the mix is per sample, so mirroring commutes with it).
func fillMixed(g *[3]padded, planes [3]*frame.Plane, m *[9]float32) {
	w := g[0].w
	for y := 0; y < g[0].h; y++ {
		dsp.Mix3Row(g[0].row(y, 0)[:w], g[1].row(y, 0)[:w], g[2].row(y, 0)[:w],
			planes[0].Row(y), planes[1].Row(y), planes[2].Row(y), m)
	}
	for c := range g {
		g[c].mirrorBorder()
	}
}

// begin validates a call of nc channels and sizes what it needs; the caller fills the
// current planes' copies unless it copied cur into dst (j.copy).
func (d *STDenoiser) begin(dst, cur [3]*frame.Plane, nc, n int, p Params, cp CrossParams) (int, error) {
	if err := p.validate(); err != nil {
		return 0, err
	}
	if cp.SearchRadius < 0 || cp.SearchRadius > 16 || cp.PatchRadius < 0 || cp.PatchRadius > 16 || cp.H < 0 || cp.Sigma < 0 ||
		cp.SpatialWeight < 0 || n < 0 {
		return 0, fmt.Errorf("nlm: cross search radius %d, patch radius %d, h %g, sigma %g or %d planes out of range",
			cp.SearchRadius, cp.PatchRadius, cp.H, cp.Sigma, n)
	}
	w, h := cur[0].W, cur[0].H
	if nc == 1 && dst[0] != nil && (dst[0].W != w || dst[0].H != h) {
		return 0, fmt.Errorf("nlm: plane sizes differ: %dx%d and %dx%d", dst[0].W, dst[0].H, w, h)
	}
	if cp.H == 0 {
		cp.H = p.H
	}
	if cp.Sigma == 0 {
		cp.Sigma = p.Sigma
	}
	if cp.PatchRadius == 0 {
		cp.PatchRadius = p.PatchRadius
	}
	j := &d.job
	j.nc, j.w, j.h, j.dst, j.cur = nc, w, h, dst, cur
	j.r, j.f, j.rt, j.ft, j.n = p.SearchRadius, p.PatchRadius, cp.SearchRadius, cp.PatchRadius, n
	j.spatial = p.H > 0 && p.SearchRadius > 0
	if !j.spatial {
		j.r = 0
	}
	j.cross = cp.H > 0 && n > 0
	j.copy = w == 0 || h == 0 || !j.spatial && !j.cross
	if j.copy {
		return 1, nil // the copy is the last step's
	}
	pad := max(j.r+j.f, j.rt+j.ft)
	for c := range nc {
		j.g[c].resize(w, h, pad)
		j.gs[c] = &j.g[c]
	}
	patch := nc * (2*j.f + 1) * (2*j.f + 1)
	if j.spatial {
		j.wt = dsp.NewNLMWeight(patch, p.Sigma/255, p.H/255)
		if a := cp.SpatialWeight; a > 0 && a != 1 && j.cross {
			j.wt = j.wt.Scaled(float32(a))
		}
	}
	if j.cross {
		j.wtT = dsp.NewNLMWeight(nc*(2*j.ft+1)*(2*j.ft+1), cp.Sigma/255, cp.H/255)
	}
	j.slots = n
	if d.CrossSlots > 0 && d.CrossSlots < n && !d.denoising {
		j.slots = d.CrossSlots
	}
	for len(j.nb) < j.slots {
		j.nb = append(j.nb, [3]padded{})
		j.rel = append(j.rel, padded{})
	}
	rows := d.BandRows
	if rows <= 0 {
		rows = minBandRows
	}
	limit := d.MaxBands
	if limit <= 0 {
		limit = max(1, d.Threads)
	}
	nb := max(1, min(limit, h/rows))
	if cap(d.bands) < nb {
		d.bands = append(d.bands[:cap(d.bands)], make([]band, nb-cap(d.bands))...)
	}
	d.bands = d.bands[:nb]
	for len(d.xs) < nb {
		d.xs = append(d.xs, crossScratch{})
	}
	for i := range d.bands {
		d.bands[i].resizeN(h*i/nb, h*(i+1)/nb, w, max(j.r, j.rt), max(j.f, j.ft), nc)
		if j.cross {
			d.xs[i].resize(w+2*j.ft, 2*j.ft+1)
		}
	}
	return nb, nil
}

// SetCross prepares cross plane k of the call (0 ≤ k < n): it copies the plane and its
// reliability, so they may change once it returns.
func (d *STDenoiser) SetCross(k int, c CrossPlane) error {
	if d.job.nc == 3 {
		return fmt.Errorf("nlm: SetCross on a joint call")
	}
	if err := d.checkCross(k, c.Plane, c); err != nil || !d.job.cross || d.job.copy {
		return err
	}
	j := &d.job
	k %= j.slots
	j.nb[k][0].resize(j.w, j.h, j.rt+j.ft)
	j.nb[k][0].fill(c.Plane)
	j.setRel(k, c)
	return nil
}

// SetCrossJoint is SetCross for a BeginJoint call: the three planes of cross plane k, in the
// call's channel order, with the reliability of c (whose Plane is ignored).
func (d *STDenoiser) SetCrossJoint(k int, planes [3]*frame.Plane, c CrossPlane) error {
	j := &d.job
	if j.nc != 3 {
		return fmt.Errorf("nlm: SetCrossJoint on a call of one plane")
	}
	for _, pl := range planes {
		if err := d.checkCross(k, pl, c); err != nil {
			return err
		}
	}
	if !j.cross || j.copy {
		return nil
	}
	k %= j.slots
	g := &j.nb[k]
	for ch := range g {
		g[ch].resize(j.w, j.h, j.rt+j.ft)
	}
	fillMixed(g, planes, &j.mix)
	j.setRel(k, c)
	return nil
}

// checkCross checks cross plane k's plane pl and c's reliability against the call.
func (d *STDenoiser) checkCross(k int, pl *frame.Plane, c CrossPlane) error {
	j := &d.job
	if k < 0 || k >= j.n {
		return fmt.Errorf("nlm: cross plane %d of %d", k, j.n)
	}
	w, h := j.w, j.h
	if pl.W != w || pl.H != h {
		return fmt.Errorf("nlm: cross plane %d is %dx%d, want %dx%d", k, pl.W, pl.H, w, h)
	}
	if r := c.Reliability; r != nil && (r.W < w<<c.RelShiftW-(1<<c.RelShiftW-1) || r.W > w<<c.RelShiftW ||
		r.H < h<<c.RelShiftH-(1<<c.RelShiftH-1) || r.H > h<<c.RelShiftH) {
		return fmt.Errorf("nlm: reliability %dx%d does not fit a %dx%d plane with shifts %d,%d",
			r.W, r.H, w, h, c.RelShiftW, c.RelShiftH)
	}
	return nil
}

// setRel copies c's reliability into slot k (or marks the slot as having none).
func (j *stJob) setRel(k int, c CrossPlane) {
	if c.Reliability == nil {
		j.rel[k].pix = j.rel[k].pix[:0]
		return
	}
	j.rel[k].resize(j.w, j.h, j.rt)
	j.rel[k].fillScaled(c.Reliability, c.RelShiftW, c.RelShiftH)
}

// RunStep runs step s of band b of the call: step 0 accumulates the current plane's own
// candidates, step k+1 those of cross plane k, step n+1 writes the band's rows of dst. The
// steps of a band must run in order, one at a time; distinct bands may run concurrently.
func (d *STDenoiser) RunStep(b, s int) {
	j := &d.job
	if j.copy {
		if s == j.n+1 {
			for c := range j.nc {
				if j.dst[c] != nil && j.dst[c] != j.cur[c] {
					j.dst[c].CopyFrom(j.cur[c])
				}
			}
		}
		return
	}
	bd := &d.bands[b]
	nc := j.nc
	switch {
	case s == 0 && j.spatial && nc == 1:
		bd.run(&j.g[0], &j.g[0], j.wt, j.r, j.f)
	case s == 0 && j.spatial:
		bd.runN(j.gs[:], j.wt, j.r, j.f)
	case s == 0:
		clear(bd.acc)
	case s <= j.n:
		k := (s - 1) % j.slots
		if !j.cross {
			return
		}
		var rel *padded
		if len(j.rel[k].pix) > 0 {
			rel = &j.rel[k]
		}
		if nc == 1 {
			bd.cross(&d.xs[b], &j.g[0], &j.nb[k][0], rel, j.wtT, j.rt, j.ft, j.r)
			return
		}
		var ns [3]*padded
		for c := range 3 {
			ns[c] = &j.nb[k][c]
		}
		bd.crossN(&d.xs[b], j.gs[:], ns[:], rel, j.wtT, j.rt, j.ft, j.r)
	case s == j.n+1 && nc == 1:
		bd.finish(j.dst[0], &j.g[0], j.r, false)
	case s == j.n+1:
		bd.finishJoint(j.dst, j.gs, j.r, &j.inv, false)
	}
}

// finishJoint writes the band's output rows of a joint call, whose candidates were averaged
// in the guides gs: each guide channel's weighted mean (the pixel itself at weight 1), taken
// back to the planes by inv, the inverse of the guides' colour matrix. A nil dst channel is
// computed all the same (the inverse needs the three) and dropped. leaveOut leaves each pixel
// out of its own mean (Params.LeaveOut).
func (b *band) finishJoint(dst [3]*frame.Plane, gs [3]*padded, r int, inv *[9]float32, leaveOut bool) {
	var self float32 = 1
	if leaveOut {
		self = 0
	}
	w := gs[0].w
	for i := range b.fin {
		b.fin[i] = grow(b.fin[i], w)
	}
	for y := b.y0; y < b.y1; y++ {
		var out [3][]float32
		for c := range 3 {
			aw, av := b.accRowsC(c, y, 0, r)
			dsp.NLMFinishRow(b.fin[c], aw, av, gs[c].row(y, 0), self)
			out[c] = b.fin[3]
			if dst[c] != nil {
				out[c] = dst[c].Row(y)
			}
		}
		dsp.Mix3Row(out[0], out[1], out[2], b.fin[0], b.fin[1], b.fin[2], inv)
	}
}

// fillScaled fills p (p.w×p.h, padded) from s sampled down by (2^sw, 2^sh): each sample is
// the mean of the samples of s it covers (those inside s), the border mirrored.
func (p *padded) fillScaled(s *frame.Plane, sw, sh int) {
	if sw == 0 && sh == 0 {
		p.fill(s)
		return
	}
	kx, ky := 1<<sw, 1<<sh
	for y := 0; y < p.h; y++ {
		y0, y1 := y*ky, min((y+1)*ky, s.H)
		dsp.NLMBlockMeanRow(p.row(y, 0)[:p.w], s.Pix[y0*s.Stride:], s.Stride, y1-y0, kx, s.W)
	}
	p.mirrorBorder()
}

// mirrorBorder fills the padding of p from its interior, which is already in place.
func (p *padded) mirrorBorder() {
	for y := 0; y < p.h; y++ {
		row := p.row(y, -p.pad)[:p.stride]
		src := row[p.pad : p.pad+p.w]
		dsp.MirrorRow(row[:p.pad], src, -p.pad)
		dsp.MirrorRow(row[p.pad+p.w:], src, p.w)
	}
	for y := -p.pad; y < 0; y++ {
		copy(p.row(y, -p.pad)[:p.stride], p.row(dsp.Mirror(y, p.h), -p.pad)[:p.stride])
	}
	for y := p.h; y < p.h+p.pad; y++ {
		copy(p.row(y, -p.pad)[:p.stride], p.row(dsp.Mirror(y, p.h), -p.pad)[:p.stride])
	}
}

// crossScratch is a band's running sums for the cross planes: three offsets at a time.
type crossScratch struct {
	col, ring [3][]float32
}

func (x *crossScratch) resize(cn, box int) {
	for i := range x.col {
		x.col[i] = grow(x.col[i], cn+1)
		x.ring[i] = grow(x.ring[i], box*cn)
	}
}

// cross accumulates into the band the candidates of one cross plane n: for every offset o in
// [−rt, rt]², the patch SSD between g at p and n at p+o, box-summed with running sums,
// weighted through lut and by rel at p+o (when rel is not nil). Only pixel p gets the
// candidate: the pair is not symmetric. r is the accumulator margin the band was sized with.
// Offsets of one row are taken three at a time where they can be (and rel is given): the
// three share their loads and their accumulator updates, and their running sums do not
// wait on each other.
func (b *band) cross(x *crossScratch, g, n, rel *padded, wt dsp.NLMWeight, rt, f, r int) {
	nt := b.tiles(g.w + 2*r)
	for t := range nt {
		b.lo, b.hi = b.y0+(b.y1-b.y0)*t/nt, b.y0+(b.y1-b.y0)*(t+1)/nt
		for dy := -rt; dy <= rt; dy++ {
			dx := -rt
			if rel != nil {
				for ; dx+2 <= rt; dx += 3 {
					b.cross3(x, g, n, rel, wt, dx, dy, f, r)
				}
			}
			for ; dx <= rt; dx++ {
				b.cross1(x, g, n, rel, wt, dx, dy, f, r)
			}
		}
	}
	b.lo, b.hi = b.y0, b.y1
}

// cross1 accumulates the candidates at offset (dx, dy).
func (b *band) cross1(x *crossScratch, g, n, rel *padded, wt dsp.NLMWeight, dx, dy, f, r int) {
	w := g.w
	box := 2*f + 1
	cn := w + 2*f // column sums for x in [−f, w+f)
	col, ring := x.col[0][:cn+1], x.ring[0]
	clear(col)
	slot := 0
	for y := b.lo - f; y < b.lo+f; y++ {
		dsp.NLMAddCols(col[:cn], ring[slot*cn:slot*cn+cn], g.row(y, -f), n.row(y+dy, dx-f))
		slot++
	}
	clear(ring[slot*cn : slot*cn+cn])
	for y := b.lo; y < b.hi; y++ {
		// Row y+f enters; row y−f−1 (in the same ring slot) leaves.
		dsp.NLMUpdateCols(col[:cn], ring[slot*cn:slot*cn+cn], g.row(y+f, -f), n.row(y+f+dy, dx-f))
		if slot++; slot == box {
			slot = 0
		}
		if (y-b.lo)%syncEvery == syncEvery-1 {
			dsp.NLMSumCols(col[:cn], ring, cn, box)
		}
		dw, dv := b.accRows(y, 0, r)
		if rel == nil {
			dsp.NLMCrossRow(wt, col, box, n.row(y+dy, dx)[:w], dw, dv)
		} else {
			dsp.NLMCrossRowRel(wt, col, box, n.row(y+dy, dx)[:w], rel.row(y+dy, dx), dw, dv)
		}
	}
}

// cross3 accumulates the candidates at offsets (dx, dy), (dx+1, dy) and (dx+2, dy).
func (b *band) cross3(x *crossScratch, g, n, rel *padded, wt dsp.NLMWeight, dx, dy, f, r int) {
	w := g.w
	box := 2*f + 1
	cn := w + 2*f
	var col, ring [3][]float32
	for i := range col {
		col[i], ring[i] = x.col[i][:cn+1], x.ring[i]
		clear(col[i])
	}
	slot := 0
	for y := b.lo - f; y < b.lo+f; y++ {
		o := slot * cn
		dsp.NLMAddCols3(col[0][:cn], col[1][:cn], col[2][:cn], ring[0][o:o+cn], ring[1][o:o+cn], ring[2][o:o+cn],
			g.row(y, -f), n.row(y+dy, dx-f))
		slot++
	}
	for i := range ring {
		clear(ring[i][slot*cn : slot*cn+cn])
	}
	for y := b.lo; y < b.hi; y++ {
		o := slot * cn
		dsp.NLMUpdateCols3(col[0][:cn], col[1][:cn], col[2][:cn], ring[0][o:o+cn], ring[1][o:o+cn], ring[2][o:o+cn],
			g.row(y+f, -f), n.row(y+f+dy, dx-f))
		if slot++; slot == box {
			slot = 0
		}
		if (y-b.lo)%syncEvery == syncEvery-1 {
			for i := range col {
				dsp.NLMSumCols(col[i][:cn], ring[i], cn, box)
			}
		}
		dw, dv := b.accRows(y, 0, r)
		dsp.NLMCrossRow3(wt, col[0], col[1], col[2], box, n.row(y+dy, dx)[:w+2], rel.row(y+dy, dx)[:w+2], dw, dv)
	}
}

// crossN is cross for three channels weighed jointly (BeginJoint): the patch distance of an
// offset sums the channels' squared differences in the guides gs and ns (one column sum, kept
// from one ring per channel), and its weight averages every channel of ns (the call's means
// are taken in the guides: finishJoint).
func (b *band) crossN(x *crossScratch, gs, ns []*padded, rel *padded, wt dsp.NLMWeight, rt, f, r int) {
	nt := b.tiles((gs[0].w + 2*r) * len(gs))
	for t := range nt {
		b.lo, b.hi = b.y0+(b.y1-b.y0)*t/nt, b.y0+(b.y1-b.y0)*(t+1)/nt
		for dy := -rt; dy <= rt; dy++ {
			for dx := -rt; dx <= rt; dx++ {
				b.cross1N(x, gs, ns, rel, wt, dx, dy, f, r)
			}
		}
	}
	b.lo, b.hi = b.y0, b.y1
}

// cross1N accumulates crossN's candidates at offset (dx, dy).
func (b *band) cross1N(x *crossScratch, gs, ns []*padded, rel *padded, wt dsp.NLMWeight, dx, dy, f, r int) {
	w := gs[0].w
	box := 2*f + 1
	cn := w + 2*f
	col := x.col[0][:cn+1]
	clear(col)
	slot := 0
	for y := b.lo - f; y < b.lo+f; y++ {
		for c, g := range gs {
			dsp.NLMAddCols(col[:cn], x.ring[c][slot*cn:slot*cn+cn], g.row(y, -f), ns[c].row(y+dy, dx-f))
		}
		slot++
	}
	for c := range gs {
		clear(x.ring[c][slot*cn : slot*cn+cn])
	}
	for y := b.lo; y < b.hi; y++ {
		for c, g := range gs {
			dsp.NLMUpdateCols(col[:cn], x.ring[c][slot*cn:slot*cn+cn], g.row(y+f, -f), ns[c].row(y+f+dy, dx-f))
		}
		if slot++; slot == box {
			slot = 0
		}
		if (y-b.lo)%syncEvery == syncEvery-1 {
			dsp.NLMSumCols(col[:cn], x.ring[0], cn, box)
			for c := 1; c < len(gs); c++ {
				dsp.NLMAddSumCols(col[:cn], x.ring[c], cn, box)
			}
		}
		if rel != nil {
			vq, dv := &b.jrows[0], &b.jrows[1]
			var dw []float32
			for c, nv := range ns {
				dw, dv[c] = b.accRowsC(c, y, 0, r)
				vq[c] = nv.row(y+dy, dx)[:w]
			}
			dsp.NLMCrossRowRelJoint(wt, col, box, vq, rel.row(y+dy, dx), dw, dv)
			continue
		}
		for c, nv := range ns {
			dw, dv := b.accRowsC(c, y, 0, r)
			if c > 0 {
				dw = b.dummy[r:b.aw] // channel 0 has added the weights
			}
			dsp.NLMCrossRow(wt, col, box, nv.row(y+dy, dx)[:w], dw, dv)
		}
	}
}
