package impulse

import (
	"math"
	"slices"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// Random-valued detection flags fine detail too: a thin line, a dot or a corner departs from
// its 3×3 median as much as an impulse does, and replacing it erases it (on Set12 with
// Gaussian noise alone, σ = 5, the 0.5 % of pixels flagged ended 57–75 codes RMS from the
// truth, 2.5 dB lost after NLM). Two checks take such pixels back out of Δ after the first
// detection:
//
//   - verify: a leave-one-out non-local mean of y itself (weights from y's patches without
//     the centre pair, every candidate's value) explains the pixel: it lies within
//     max(verifyK·σ, verifyFloor) of it. Along a line, the patches that match are those of
//     the line, and their centres carry its value; an impulse's matches carry the truth.
//   - decluster: while Δ is sparse (under clusterShare of the plane), a flagged pixel with an
//     8-neighbour of a like value (within similarK·σ + similarC) that stands out of its own
//     3×3 median as much (or is flagged) is structure, not noise: independent impulses at
//     density q have such a neighbour with probability about 8q·(2·(similarK·σ + similarC)/255),
//     while the detail the detector flags comes in runs of like pixels (a speck of two, one
//     of which the detector may have missed).
//
// Measured on Set12, impulse+nlm, σ estimated, before → after both: Gaussian σ = 5 34.46 →
// 35.61 dB, σ = 10 32.11 → 32.83, σ = 25 28.53 → 28.58; σ = 5 + 1 % random-valued 33.65 →
// 33.73, σ = 10 + 2 % 31.74 → 31.90, σ = 10 + 0.5 % salt and pepper 32.10 → 32.50; σ = 5 + 5 %
// and σ = 10 + 10 % random-valued, σ = 10 + 20 % salt and pepper unchanged (Δ is not sparse).
//
// Salt and pepper has its own test (saltPepper), and one more: salt or pepper beside a sample
// within σ of the same extreme is a white or black detail (or a saturated area) that noise
// clipped, not an impulse (declusterSaltPepper; Set12 impulse+nlm: Gaussian σ = 15 31.07 →
// 31.13 dB, σ = 25 28.58 → 28.65, σ = 10 + 0.1 % salt and pepper 32.88 → 32.95, + 0.2 % 32.78 →
// 32.76). That held while salt and pepper is rare (under spClusterShare of the plane); a
// picture with many thin dark or bright lines (a black frame line, snow on branches, white
// houses far off) flags more than that and lost up to 5 dB. Such flags lie on lines of like
// samples: more of them have two opposite neighbours at their extreme than impulses placed
// at random would (the share of the plane's pixels with such a pair), while the flags of
// real salt and pepper have them no more often (at 20 %, 1.01 times as often).
//
// Both tests still let through what Gaussian noise alone makes of a textured picture, and
// that cost `full` most on clean-ish input (Set12, σ = 10: impulse+nlm 32.91 dB against nlm
// 33.41). Impulses leave a mark that detail does not: random-valued ones are uniform over the
// range, so among a few hundred some lie far (over strongDev codes) from what their
// neighbourhood says, and salt and pepper lies far (over spStrongK·σ) from its non-extreme
// neighbours, where clipped noise rarely does. While such strong candidates are rare (under
// strongShare, spStrongShare of the plane) the picture shows no impulses of that kind: the
// weak salt and pepper leaves Δ (weakSaltPepper), and so do the random-valued candidates
// within localK times the local scale of the picture (localScale: texture varies, a flat
// area does not). Set12 impulse+nlm before → after: Gaussian σ = 5 35.87 → 36.06 dB, σ = 10
// 32.91 → 33.15, σ = 15 31.11 → 31.24, σ = 25 28.60 → 28.65, σ = 50 24.67 → 24.79; sparse
// impulses unchanged (σ = 5 + 0.2 %, + 1 % random-valued 35.75, 33.98; σ = 10 + 0.5 % 32.60),
// σ = 10 + 0.1 % salt and pepper 33.15 → 33.15, + 0.5 % 32.72 → 32.67, + 20 % 31.52 → 31.52.
// A strong candidate counts only where localK times the local scale does not explain it
// either: fine high-contrast detail (lettering, specks of light) made dozens of strong
// candidates in some pictures, and all their weak ones stayed in Δ. Where strong candidates
// are many all the same (over denseShare of the plane: impulses in a busy texture, whose
// local scale explains them all), the picture has impulses.
//
// The line test and the unexplained count together, impulse+nlm before → after: Set12
// Gaussian σ = 5 36.06 → 36.29 dB, σ = 10 33.15 → 33.29, σ = 15 31.24 → 31.30, σ = 25 28.65 →
// 28.74, σ = 50 24.79 → 24.79; σ = 10 + 0.1 % salt and pepper 33.15 → 33.31, + 0.5 % 32.67 →
// 33.14; sparse random-valued impulses and 20 % salt and pepper unchanged. 20 pictures of
// CBSD432 in gray (256×256 centre crops, every 21st), σ = 5 34.30 → 34.73, σ = 10 31.22 →
// 31.64, σ = 15 29.45 → 29.64, σ = 25 26.99 → 27.07; σ = 5 + 0.2 % random-valued 33.43 →
// 33.53, σ = 10 + 0.5 % 30.38 → 30.47, σ = 10 + 0.1 %, 0.5 % salt and pepper 31.09 → 31.45,
// 31.21 → 31.53; σ = 10 + 10 % random-valued, + 20 % salt and pepper unchanged.
//
// Two more tests while candidates are few (under fewShare of the plane). A candidate within
// the range of its 8-neighbours is taken for detail: an intermediate sample on a
// high-contrast edge, the side of a speck. An impulse lands there only where its neighbours
// span a wide range (texture, an edge, another impulse beside it), and leaving those
// measured better than replacing them (below). And candidates that the non-local mean does not explain crowd into some blocks
// where detail is (snow on branches, lettering, lights far off), while impulses spread
// evenly: in a busy block (busyBlocks) a candidate within localK times the local scale
// leaves Δ as in a picture without impulses, and the strong candidates that tell whether the
// picture has impulses are counted outside such blocks only. Before → after, impulse+nlm:
// Set12 Gaussian σ = 5 36.29 → 36.70 dB (nlm 36.99), σ = 10 33.29 → 33.33, σ = 15 31.30 →
// 31.31; σ = 5 + 0.2 % random-valued 35.75 → 36.36, σ = 10 + 0.5 % 32.60 → 32.88, + 2 % 31.99
// → 32.11, + 10 % 30.50 → 30.50; σ = 10 + 0.5 % salt and pepper 33.14 → 33.18, + 20 % 31.52 →
// 31.52. The CBSD432 crops: σ = 5 34.73 → 35.69 (nlm 36.11), σ = 10 31.64 → 31.83 (nlm
// 32.06), σ = 15 29.64 → 29.76; σ = 5 + 0.2 % random-valued 33.53 → 35.09, σ = 10 + 0.5 % 30.47
// → 31.04, + 2 % 29.97 → 30.22; σ = 10 + 0.5 % salt and pepper 31.53 → 31.72; σ = 25, σ = 10 +
// 10 % random-valued and + 20 % salt and pepper unchanged. (Both sets served to choose the
// rules and constants.)
const (
	verifyK, verifyFloor = 3.0, 30.0
	clusterShare         = 0.01
	similarK, similarC   = 3.0, 20.0
	spClusterShare       = 0.0025
	spClusterK           = 2.0
	strongDev            = 110.0
	strongShare          = 3e-4
	denseShare           = 2.5e-3
	spStrongK            = 5.0
	spStrongShare        = 2e-4
	localK               = 8.0
	fewShare             = 0.04
	blockSide            = 16
	busyQuantile         = 0.25
)

// verify takes the random-valued candidates that a leave-one-out non-local mean of p
// explains back out of Δ (restoring their m(y)) and returns how many remain.
func (c *Cleaner) verify(p *frame.Plane, sigma float64) int {
	d := &c.det
	if len(d.rv) == 0 {
		return 0
	}
	n := p.W * p.H
	if cap(c.none) < n {
		c.none = make([]bool, n)
	}
	c.none = c.none[:n]
	c.rep.setup(p, p, c.none, ReplaceParams(max(sigma, 1)))
	// each candidate's distance to the leave-one-out mean (-1: no estimate)
	if cap(c.dev) < len(d.rv) {
		c.dev = make([]float32, len(d.rv))
	}
	dev := c.dev[:len(d.rv)]
	t := float32(max(verifyK*sigma, verifyFloor) / 255)
	for i, e := range c.rep.means(&c.pool, d.rv) { // d.rv is in raster order
		k := int(d.rv[i])
		dev[i] = -1
		if e == e { // not NaN: some candidate had weight
			dev[i] = abs(e - p.Pix[k/p.W*p.Stride+k%p.W])
		}
	}
	// blocks crowded with candidates that the non-local mean does not explain hold detail
	few := float64(len(d.rv)) < fewShare*float64(n)
	var busy []bool
	bw := (p.W + blockSide - 1) / blockSide
	if few {
		busy = c.busyBlocks(p.W, p.H, dev, t)
	}
	inBusy := func(k int32) bool {
		return busy != nil && busy[blockOf(int(k), p.W)]
	}
	// the evidence of impulses comes from outside them
	quiet := n
	for i, b := range busy {
		if b {
			quiet -= min(blockSide, p.H-i/bw*blockSide) * min(blockSide, p.W-i%bw*blockSide)
		}
	}
	strong, unexplained := 0, 0
	for i, k := range d.rv {
		if dev[i] > float32(strongDev/255) && !inBusy(k) {
			strong++
			if dev[i] > localK*c.localScale(p, int(k)) {
				unexplained++
			}
		}
	}
	sparse := float64(unexplained) < strongShare*float64(quiet) && float64(strong) < denseShare*float64(quiet)
	kept := d.rv[:0]
	for i, k := range d.rv {
		explained := dev[i] >= 0 && (dev[i] <= t || (sparse || inBusy(k)) && dev[i] <= localK*c.localScale(p, int(k)))
		if explained || few && c.withinNeighbours(p, int(k)) {
			d.unflag(p, int(k))
			continue
		}
		kept = append(kept, k)
	}
	d.rv = kept
	return len(kept)
}

// decluster takes the random-valued candidates that have a neighbour of a like value standing
// out as much back out of Δ while Δ is sparse, and returns how many remain.
func (c *Cleaner) decluster(p *frame.Plane, sigma float64) int {
	d := &c.det
	w, h := p.W, p.H
	if len(d.rv) == 0 || float64(len(d.rv)+c.FoundSaltPepper) >= clusterShare*float64(w*h) {
		return len(d.rv)
	}
	t := float32((similarK*sigma + similarC) / 255)
	c.drop = c.drop[:0]
	for _, k := range d.rv {
		y, x := int(k)/w, int(k)%w
		if dsp.LikeDeviantNeighbour(p.Pix, p.Stride, d.med3.Pix, d.mask, w, h, x, y, t, d.medT) {
			c.drop = append(c.drop, k)
		}
	}
	// all decisions first: a run of like pixels goes as a whole
	for _, k := range c.drop {
		d.unflag(p, int(k))
	}
	kept := d.rv[:0]
	for _, k := range d.rv {
		if d.mask[k] {
			kept = append(kept, k)
		}
	}
	d.rv = kept
	return len(kept)
}

// weakSaltPepper takes the salt and pepper within spStrongK·σ of its neighbours back out of
// Δ while the samples beyond that are rare (under spStrongShare of the plane), and returns
// how many remain.
func (c *Cleaner) weakSaltPepper(p *frame.Plane, sigma float64) int {
	d := &c.det
	n := c.FoundSaltPepper
	t := float32(spStrongK * sigma / 255)
	strong := 0
	for _, f := range d.spDist {
		if f.dist > t {
			strong++
		}
	}
	if n == 0 || float64(strong) >= spStrongShare*float64(p.W*p.H) {
		return n
	}
	for _, f := range d.spDist {
		if f.dist <= t {
			k := int(f.k)
			d.unflag(p, k)
			n--
		}
	}
	return n
}

// declusterSaltPepper takes the salt and pepper with an 8-neighbour within near of the same
// extreme back out of Δ when that is structure: while salt and pepper is rare (under
// spClusterShare of the plane), or when more of it lies between two such neighbours (on a
// line through it) than spClusterK times what impulses placed at random would (the share of
// the plane's pixels with such a pair, sampled on every other row and column, plus three
// standard deviations). It returns how many remain.
func (c *Cleaner) declusterSaltPepper(p *frame.Plane, lo, hi, near float32) int {
	d := &c.det
	w, h := p.W, p.H
	n := c.FoundSaltPepper
	if n == 0 {
		return n
	}
	llo, lhi := lo+near, hi-near // like the extreme
	rows := func(y int) (a, b, c []float32) {
		if y > 0 {
			a = p.Row(y - 1)
		}
		if y < h-1 {
			c = p.Row(y + 1)
		}
		return a, p.Row(y), c
	}
	rare := float64(n) < spClusterShare*float64(w*h)
	var nullSalt, nullPepper float64
	if !rare {
		for y := 0; y < h; y += 2 {
			a, b, c := rows(y)
			s, pp := dsp.ExtremePairCounts(a, b, c, llo, lhi)
			nullSalt += float64(s)
			nullPepper += float64(pp)
		}
		sampled := float64(((h + 1) / 2) * ((w + 1) / 2))
		nullSalt /= sampled
		nullPepper /= sampled
	}
	c.drop = c.drop[:0]
	pairs, expect := 0, 0.0
	for _, f := range d.spDist {
		k := int(f.k)
		if !d.sp[k] {
			continue
		}
		x, y := k%w, k/w
		salt := p.Pix[y*p.Stride+x] >= hi
		if salt {
			expect += nullSalt
		} else {
			expect += nullPepper
		}
		a, b, cc := rows(y)
		pair, one := dsp.ExtremeNeighbours(a, b, cc, x, llo, lhi, salt)
		if pair {
			pairs++
		}
		if one {
			c.drop = append(c.drop, int32(k))
		}
	}
	if !rare && float64(pairs) <= spClusterK*expect+3*math.Sqrt(expect) {
		return n
	}
	for _, k := range c.drop {
		d.unflag(p, int(k))
	}
	return n - len(c.drop)
}

// localScale is 1.4826 times the median of |y − 3×3 median| over the 5×5 window around
// sample k of p: how much the picture varies there at the scale of impulses.
func (c *Cleaner) localScale(p *frame.Plane, k int) float32 {
	var s float32
	s, c.scaleWin = dsp.LocalScale(p.Pix, p.Stride, c.det.med3.Pix, p.W, p.W, p.H, k%p.W, k/p.W, c.scaleWin)
	return s
}

// busyBlocks counts the random-valued candidates that the non-local mean does not explain
// (dev over t, or no estimate) in each blockSide² block of a w×h plane and marks the blocks
// with more than the busyQuantile of the whole blocks holds, plus three Poisson standard
// deviations and two: impulses spread evenly over the picture, detail crowds. It returns nil
// when there are too few whole blocks to tell.
func (c *Cleaner) busyBlocks(w, h int, dev []float32, t float32) []bool {
	bw, bh := (w+blockSide-1)/blockSide, (h+blockSide-1)/blockSide
	if (w/blockSide)*(h/blockSide) < 16 {
		return nil
	}
	c.blocks = slices.Grow(c.blocks[:0], bw*bh)[:bw*bh]
	clear(c.blocks)
	for i, k := range c.det.rv {
		if dev[i] < 0 || dev[i] > t {
			c.blocks[blockOf(int(k), w)]++
		}
	}
	whole := c.blockSort[:0]
	for by := range h / blockSide {
		whole = append(whole, c.blocks[by*bw:by*bw+w/blockSide]...)
	}
	c.blockSort = whole
	slices.Sort(whole)
	lam := float64(whole[int(busyQuantile*float64(len(whole)-1))])
	limit := lam + 3*math.Sqrt(lam) + 2
	c.busy = slices.Grow(c.busy[:0], bw*bh)[:bw*bh]
	for i, v := range c.blocks {
		c.busy[i] = float64(v) > limit
	}
	return c.busy
}

// blockOf is the index of the blockSide² block that holds sample k (index y·w+x) of a plane w
// wide, the blocks counted row by row.
func blockOf(k, w int) int {
	return k/w/blockSide*((w+blockSide-1)/blockSide) + k%w/blockSide
}

// withinNeighbours reports whether sample k of p lies within the range of its 8-neighbours.
func (c *Cleaner) withinNeighbours(p *frame.Plane, k int) bool {
	return dsp.WithinNeighbours(p.Pix, p.Stride, p.W, p.H, k%p.W, k/p.W)
}
