package dsp

import (
	"math"
	"slices"
)

// Kernels of impulse detection and replacement (filter/impulse): the per-pixel tests that
// find candidates, the window statistics that judge them (adaptive median of salt and
// pepper, ROAD, local scale) and the non-local mean that replaces them. The fast kernels give
// the same results as the references, bit for bit.

// ExtremeIndex returns the index of the first sample of row that is not strictly between lo
// and hi (salt or pepper when lo and hi are the extremes' bounds), or len(row).
func ExtremeIndex(row []float32, lo, hi float32) int { return extremeIndex(row, lo, hi) }

var extremeIndex = extremeIndexGeneric

var fastExtremeIndex func(row []float32, lo, hi float32) int

func extremeIndexGeneric(row []float32, lo, hi float32) int {
	for x, v := range row {
		if !(v > lo && v < hi) {
			return x
		}
	}
	return len(row)
}

// DeviantIndex returns the index of the first x with |row[x] − ref[x]| > t, or len(row);
// ref is at least as long as row.
func DeviantIndex(row, ref []float32, t float32) int { return deviantIndex(row, ref, t) }

var deviantIndex = deviantIndexGeneric

var fastDeviantIndex func(row, ref []float32, t float32) int

func deviantIndexGeneric(row, ref []float32, t float32) int {
	ref = ref[:len(row)]
	for x, v := range row {
		if impulseAbs(v-ref[x]) > t {
			return x
		}
	}
	return len(row)
}

// AbsDiffRow writes |a[x] − b[x]| into dst for every x of dst.
func AbsDiffRow(dst, a, b []float32) { absDiffRow(dst, a, b) }

var absDiffRow = absDiffRowGeneric

var fastAbsDiffRow func(dst, a, b []float32)

func absDiffRowGeneric(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for x := range dst {
		dst[x] = impulseAbs(a[x] - b[x])
	}
}

func impulseAbs(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

// SaltPepperWindow judges the sample v at an extreme (v ≤ lo or v ≥ hi) by its window win (the
// adaptive median's, reordered): ok is false when the window's median is itself at an
// extreme (grow the window). Otherwise m is the median of the window's non-extreme samples and
// dist the distance from v to the non-extreme sample nearest its value once the third nearest
// are left out (the k/3-th from v's side), so that a few outliers do not decide.
func SaltPepperWindow(win []float32, v, lo, hi float32) (m, dist float32, ok bool) {
	// One sort gives both: the window's median, and its non-extreme samples as the run of
	// sorted samples strictly between lo and hi.
	slices.Sort(win)
	n := len(win)
	if med := win[(n-1)/2]; med <= lo || med >= hi {
		return 0, 0, false
	}
	i0, i1 := 0, n
	for win[i0] <= lo { // the median is inside: both loops stop at it
		i0++
	}
	for win[i1-1] >= hi {
		i1--
	}
	s := win[i0:i1]
	k := len(s)
	m, near := s[(k-1)/2], s[k/3]
	if v >= hi {
		near = s[k-1-k/3]
	}
	return m, impulseAbs(near - v), true
}

// ROAD returns the sum of the m smallest absolute differences between b[x] and its 8
// neighbours in the rows a, b, c at the columns xl, x, xr (Garnett et al.'s ROAD_m).
func ROAD(a, b, c []float32, xl, x, xr, m int) float32 {
	v := b[x]
	d := [8]float32{a[xl], a[x], a[xr], b[xl], b[xr], c[xl], c[x], c[xr]}
	for k := range d {
		d[k] = impulseAbs(d[k] - v)
	}
	var s float32
	for i := 0; i < m; i++ { // partial selection sort: m is small
		k := i
		for j := i + 1; j < 8; j++ {
			if d[j] < d[k] {
				k = j
			}
		}
		d[i], d[k] = d[k], d[i]
		s += d[i]
	}
	return s
}

// LocalScale returns 1.4826 times the median of |p − ref| over the 5×5 window around (x, y)
// of a w×h plane, its centre left out and cut at the borders (p's rows pStride apart, ref's
// refStride); scratch holds the window and is returned for reuse.
func LocalScale(p []float32, pStride int, ref []float32, refStride, w, h, x, y int, scratch []float32) (float32, []float32) {
	win := scratch[:0]
	for yy := max(y-2, 0); yy <= min(y+2, h-1); yy++ {
		pr, rr := p[yy*pStride:], ref[yy*refStride:]
		for xx := max(x-2, 0); xx <= min(x+2, w-1); xx++ {
			if yy == y && xx == x {
				continue
			}
			win = append(win, impulseAbs(pr[xx]-rr[xx]))
		}
	}
	slices.Sort(win)
	return 1.4826 * win[(len(win)-1)/2], win
}

// WithinNeighbours reports whether sample (x, y) of the w×h plane pix (rows stride apart)
// lies within the range of its 8-neighbours (those inside the plane).
func WithinNeighbours(pix []float32, stride, w, h, x, y int) bool {
	v := pix[y*stride+x]
	below, above := false, false
	for yy := max(y-1, 0); yy <= min(y+1, h-1); yy++ {
		for xx := max(x-1, 0); xx <= min(x+1, w-1); xx++ {
			if yy == y && xx == x {
				continue
			}
			u := pix[yy*stride+xx]
			below = below || u <= v
			above = above || u >= v
		}
	}
	return below && above
}

// ImpulseMaxPatch bounds ImpulseNLM's patch radius.
const ImpulseMaxPatch = 4

// ImpulseNLM returns the non-local mean of the sample at index c of padded planes (rows
// stride apart, a border of at least f+rad around every sample it is asked for): for every
// candidate j of the (2·rad+1)² window with keep[j] ≠ 0, other than c itself, d² is the sum
// of squared differences of guide's (2f+1)² patches around c and j with the centre pair left
// out, the weight lut[min(⌊d²·lutScale/((2f+1)²−1)⌋, len(lut)−1)] (0 when f = 0), and the
// mean is of value[j]. ok is false when no candidate got any weight. f ≤ ImpulseMaxPatch.
func ImpulseNLM(guide, value, keep []float32, stride, c, f, rad int, lut []float32, lutScale float32) (v float32, ok bool) {
	return impulseNLM(guide, value, keep, stride, c, f, rad, lut, lutScale)
}

var impulseNLM = impulseNLMGeneric

var fastImpulseNLM func(guide, value, keep []float32, stride, c, f, rad int, lut []float32, lutScale float32) (float32, bool)

func impulseNLMGeneric(guide, value, keep []float32, s, c, f, rad int, lut []float32, lutScale float32) (float32, bool) {
	pw := 2*f + 1
	// the reference patch, row by row, with its centre
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
	var sw, sv float32
	for dy := -rad; dy <= rad; dy++ {
		row := c + dy*s
		keep, value := keep[row-rad:row+rad+1], value[row-rad:row+rad+1]
		for i := range keep {
			if keep[i] == 0 || (dy == 0 && i == rad) {
				continue
			}
			j := row + i - rad
			var ssd float32
			for ky := 0; ky < pw; ky++ {
				b := guide[j+(ky-f)*s-f:]
				b = b[:pw]
				ar := a[ky*pw : (ky+1)*pw]
				for kx, av := range ar {
					d := av - b[kx]
					ssd += float32(d * d) // never fused: the fast kernel adds the rounded square
				}
			}
			d := gc - guide[j] // the centre pair is left out
			ssd -= float32(d * d)
			wt := lut[min(uint(max(ssd*inv, 0)), top)]
			sw += wt
			sv += float32(wt * value[i])
		}
	}
	if sw == 0 {
		return 0, false
	}
	return sv / sw, true
}

// ExtremeNeighbours reports whether two opposite 8-neighbours of b[x] are like the extreme
// (salt: ≥ hi; pepper: ≤ lo), and whether one is. a and c are the rows above and below b,
// nil beyond the plane; samples beyond the row's ends count as unlike.
func ExtremeNeighbours(a, b, c []float32, x int, lo, hi float32, salt bool) (pair, one bool) {
	at := func(row []float32, x int) bool {
		if row == nil || x < 0 || x >= len(b) {
			return false
		}
		u := row[x]
		return salt && u >= hi || !salt && u <= lo
	}
	for _, d := range [4][2]bool{{at(b, x-1), at(b, x+1)}, {at(a, x), at(c, x)}, {at(a, x-1), at(c, x+1)}, {at(c, x-1), at(a, x+1)}} {
		one = one || d[0] || d[1]
		pair = pair || d[0] && d[1]
	}
	return pair, one
}

// ExtremePairCounts counts the samples at the even columns of row b that have two opposite
// 8-neighbours like salt (≥ hi) and like pepper (≤ lo), as ExtremeNeighbours tells; a and c
// are the rows above and below b, nil beyond the plane.
func ExtremePairCounts(a, b, c []float32, lo, hi float32) (salt, pepper int) {
	return extremePairCounts(a, b, c, lo, hi)
}

var extremePairCounts = extremePairCountsGeneric

var fastExtremePairCounts func(a, b, c []float32, lo, hi float32) (salt, pepper int)

func extremePairCountsGeneric(a, b, c []float32, lo, hi float32) (salt, pepper int) {
	return extremePairCountsFrom(a, b, c, lo, hi, 0)
}

// extremePairCountsFrom counts from the even column x0 on.
func extremePairCountsFrom(a, b, c []float32, lo, hi float32, x0 int) (salt, pepper int) {
	for x := x0; x < len(b); x += 2 {
		if pair, _ := ExtremeNeighbours(a, b, c, x, lo, hi, true); pair {
			salt++
		}
		if pair, _ := ExtremeNeighbours(a, b, c, x, lo, hi, false); pair {
			pepper++
		}
	}
	return salt, pepper
}

// ImpulseWeightTable fills lut (len(lut)−1 ≥ 1 nodes and a last entry 0) with ImpulseNLM's
// weights exp(−max(d² − 2σ², 0)/h²) for d² from 0 to 2σ² + 30h² (σ² = s2, h² = h2, in working
// units squared) and returns the scale that maps d² to the node index.
func ImpulseWeightTable(lut []float32, s2, h2 float64) (scale float32) {
	nodes := len(lut) - 1
	top := 2*s2 + 30*h2
	for i := range lut {
		d2 := float64(i) / float64(nodes) * top
		lut[i] = float32(math.Exp(-max(d2-2*s2, 0) / h2))
	}
	lut[nodes] = 0
	return float32(float64(nodes) / top)
}

// MaskedMedian3 returns the median of the samples of the 3×3 window around (x, y) of the w×h
// plane pix (rows stride apart) that mask (rows w apart) does not flag, reflected at the
// borders with MirrorEdge; ok is false when every one is flagged. scratch holds the window.
func MaskedMedian3(pix []float32, stride int, mask []bool, w, h, x, y int, scratch []float32) (m float32, ok bool) {
	win := scratch[:0]
	for j := y - 1; j <= y+1; j++ {
		jj := MirrorEdge(j, h)
		row := pix[jj*stride:]
		for i := x - 1; i <= x+1; i++ {
			if ii := MirrorEdge(i, w); !mask[jj*w+ii] {
				win = append(win, row[ii])
			}
		}
	}
	if len(win) == 0 {
		return 0, false
	}
	return Select(win, (len(win)-1)/2, nil), true
}

// LikeDeviantNeighbour reports whether sample (x, y) of the w×h plane pix (rows stride apart)
// has an 8-neighbour (inside the plane) within t of its value that is flagged in mask or
// departs from ref by more than refT (ref and mask have rows w apart): a run of like samples
// standing out together, which is detail rather than independent impulses.
func LikeDeviantNeighbour(pix []float32, stride int, ref []float32, mask []bool, w, h, x, y int, t, refT float32) bool {
	v := pix[y*stride+x]
	for yy := max(y-1, 0); yy <= min(y+1, h-1); yy++ {
		for xx := max(x-1, 0); xx <= min(x+1, w-1); xx++ {
			if yy == y && xx == x {
				continue
			}
			u := pix[yy*stride+xx]
			if impulseAbs(u-v) <= t && (mask[yy*w+xx] || impulseAbs(u-ref[yy*w+xx]) > refT) {
				return true
			}
		}
	}
	return false
}

// ColourDiffWindow returns the differences a − b over the samples of the (2r+1)² window
// around (x, y) of two w×h planes (rows aStride and bStride apart; masks ma and mb rows w
// apart) that
// neither mask flags and that lie strictly between lo and hi in both, (x, y) left out,
// reflected at the borders with MirrorEdge (appended to scratch[:0]), and the variances of a
// and of a − b over them. Colour channels move together far more than their values do: b(x, y)
// plus the median difference predicts a(x, y) where a is an impulse and b is not, and where
// a − b varies less than a, the two channels move together there.
func ColourDiffWindow(a []float32, aStride int, b []float32, bStride int, ma, mb []bool, w, h, x, y, r int, lo, hi float32,
	scratch []float32) (diffs []float32, va, vd float64) {
	diffs = scratch[:0]
	var sa, saa, sd, sdd float64
	for j := y - r; j <= y+r; j++ {
		jj := MirrorEdge(j, h)
		ra, rb := a[jj*aStride:], b[jj*bStride:]
		for i := x - r; i <= x+r; i++ {
			if i == x && j == y {
				continue
			}
			ii := MirrorEdge(i, w)
			k := jj*w + ii
			u, v := ra[ii], rb[ii]
			if ma[k] || mb[k] || u <= lo || u >= hi || v <= lo || v >= hi {
				continue
			}
			d := u - v
			diffs = append(diffs, d)
			sa += float64(u)
			saa += float64(u) * float64(u)
			sd += float64(d)
			sdd += float64(d) * float64(d)
		}
	}
	if len(diffs) == 0 {
		return diffs, 0, 0
	}
	m := float64(len(diffs))
	return diffs, saa/m - (sa/m)*(sa/m), sdd/m - (sd/m)*(sd/m)
}
