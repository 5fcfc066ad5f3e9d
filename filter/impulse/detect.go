package impulse

import (
	"github.com/denoise-go/denoise/filter/median"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// detector finds the impulses Δ of one plane and builds m(y): the plane with every pixel of
// Δ replaced by a median of its neighbourhood, every other pixel kept. Its buffers are sized
// once per plane size.
type detector struct {
	mask   []bool      // Δ
	sp     []bool      // the salt and pepper of Δ
	rv     []int32     // indices flagged by randomValued, ascending (replacer.means needs them so)
	spDist []spFlag    // the salt and pepper saltPepper flagged, with their distances
	medT   float32     // randomValued's last threshold on |y − 3×3 median|
	med    frame.Plane // m(y), once medOK (sized then)
	med3   frame.Plane // plain 3×3 median (randomValued's; sized there)
	src    *frame.Plane
	medOK  bool // med holds m(y): the copy of src is made on first use
	window []float32
}

// reset sizes the masks for p, clears Δ and sets m(y) = y (copied on first use).
func (d *detector) reset(p *frame.Plane, maxRadius int) {
	w, h := p.W, p.H
	n := w * h
	if cap(d.mask) < n {
		d.mask = make([]bool, n)
		d.sp = make([]bool, n)
	}
	d.mask, d.sp = d.mask[:n], d.sp[:n]
	if k := (2*maxRadius + 1) * (2*maxRadius + 1); cap(d.window) < k {
		d.window = make([]float32, 0, k)
	}
	clear(d.mask)
	clear(d.sp)
	d.rv = d.rv[:0]
	d.spDist = d.spDist[:0]
	d.src, d.medOK = p, false
}

// ensureMed makes m(y) = y for the plane reset was given, before the first sample of Δ is
// written into it: a plane in which nothing is flagged (most frames of a camera) is never
// copied.
func (d *detector) ensureMed() {
	if !d.medOK {
		d.med.Resize(d.src.W, d.src.H)
		d.med.CopyFrom(d.src)
		d.medOK = true
	}
}

// spFlag is a sample saltPepper flagged and its distance to its non-extreme neighbours.
type spFlag struct {
	k    int32
	dist float32
}

// extremes returns the working-unit bounds at or beyond which a sample counts as salt or
// pepper: codes within tol (in 8-bit code units) of 0 or of the maximum.
func extremes(tol float64) (lo, hi float32) {
	t := float32(tol / 255)
	return t, 1 - t
}

// markExtremes flags every sample at an extreme in mask (to leave them out of a first noise
// estimate) and returns how many there are.
func (d *detector) markExtremes(p *frame.Plane, lo, hi float32) int {
	n := 0
	for y := 0; y < p.H; y++ {
		m, row := d.mask[y*p.W:(y+1)*p.W], p.Row(y)
		for x := dsp.ExtremeIndex(row, lo, hi); x < len(row); x += 1 + dsp.ExtremeIndex(row[x+1:], lo, hi) {
			m[x] = true
			n++
		}
	}
	return n
}

// saltPepper flags the pixels at an extreme that an adaptive median confirms (Hwang–Haddad:
// the window grows from 3×3 up to (2·maxRadius+1)² until its median is not an extreme; a
// pixel whose every window has an extreme median sits in a saturated area and is kept) and
// whose distance to the window's non-extreme samples nearest its value (a third left out)
// exceeds minDist: in a dark or bright area, and on the bright or dark side of an edge,
// Gaussian noise clipped at the range's end is no impulse, and replacing it would pull in
// the other side of the edge. The median m of the non-extreme samples becomes the pixel's
// m(y). It returns the number flagged.
func (d *detector) saltPepper(p *frame.Plane, lo, hi, minDist float32, maxRadius int) int {
	count := 0
	w, h := p.W, p.H
	for y := 0; y < h; y++ {
		row := p.Row(y)
		for x := dsp.ExtremeIndex(row, lo, hi); x < w; x += 1 + dsp.ExtremeIndex(row[x+1:], lo, hi) {
			v := row[x]
			for r := 1; r <= maxRadius; r++ {
				d.window = dsp.WindowEdge(d.window, p.Pix, p.Stride, w, h, x, y, r)
				m, dist, ok := dsp.SaltPepperWindow(d.window, v, lo, hi)
				if !ok {
					continue
				}
				if dist > minDist {
					d.ensureMed()
					d.mask[y*w+x] = true
					d.sp[y*w+x] = true
					d.med.Pix[y*w+x] = m
					d.spDist = append(d.spDist, spFlag{int32(y*w + x), dist})
					count++
				}
				break
			}
		}
	}
	return count
}

// randomValued flags the pixels not yet flagged whose distance to the 3×3 median exceeds
// medT and whose ROAD_m statistic (the sum of the m smallest absolute differences to the 8
// neighbours, Garnett et al. 2005) exceeds roadT, both in working units. It reads m(y), so
// that salt and pepper found before does not make neighbours stand out. m(y) of each is
// then the median of its unflagged 3×3 neighbours (the 3×3 median if all are flagged). It
// returns the number flagged.
func (d *detector) randomValued(medT, roadT float32, m int) int {
	d.ensureMed()
	p := &d.med
	w, h := p.W, p.H
	d.med3.Resize(w, h) // sized here: only this path needs it
	median.Median3(&d.med3, p)
	d.medT = medT
	count := 0
	for y := 0; y < h; y++ {
		a, b, c := p.Row(dsp.MirrorEdge(y-1, h)), p.Row(y), p.Row(dsp.MirrorEdge(y+1, h))
		m3 := d.med3.Row(y)
		for x := dsp.DeviantIndex(b, m3, medT); x < w; x += 1 + dsp.DeviantIndex(b[x+1:], m3[x+1:], medT) {
			if d.mask[y*w+x] {
				continue
			}
			if dsp.ROAD(a, b, c, dsp.MirrorEdge(x-1, w), x, dsp.MirrorEdge(x+1, w), m) > roadT {
				d.mask[y*w+x] = true
				d.rv = append(d.rv, int32(y*w+x))
				count++
			}
		}
	}
	for _, k := range d.rv {
		m, ok := dsp.MaskedMedian3(p.Pix, p.Stride, d.mask, w, h, int(k)%w, int(k)/w, d.window)
		if !ok {
			m = d.med3.Pix[k]
		}
		d.med.Pix[k] = m
	}
	return count
}

// clearRandomValued takes the pixels randomValued flagged out of Δ and restores their m(y).
func (d *detector) clearRandomValued(p *frame.Plane) {
	for _, k := range d.rv {
		d.unflag(p, int(k))
	}
	d.rv = d.rv[:0]
}

// unflag takes sample k (index y·W+x) of p out of Δ and restores its m(y).
func (d *detector) unflag(p *frame.Plane, k int) {
	d.ensureMed()
	d.mask[k], d.sp[k] = false, false
	d.med.Pix[k] = p.Pix[k/p.W*p.Stride+k%p.W]
}

func abs(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}
