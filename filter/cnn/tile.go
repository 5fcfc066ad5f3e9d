package cnn

import "fmt"

// layout splits a w×h plane into nx×ny tiles. Each tile's core (cw×ch, cropped at the right
// and bottom edges) is written to the output; the network reads the core plus a margin of
// m pixels on every side, taken from the plane mirrored at its edges. With m at least the
// receptive-field radius every output pixel sees exactly what it would see in one pass over
// the mirrored plane, so the tiles join without seams and memory is bounded by the tile.
type layout struct {
	w, h, m        int
	nx, ny, cw, ch int
}

// newLayout picks the fewest tiles whose cores are at most maxCore on a side, all the same
// size (so one pair of tensors serves every tile of the plane). A model with a fixed input
// size fixes the tile: fixedW×fixedH including the margins.
func newLayout(w, h, maxCore, m, fixedW, fixedH int) (layout, error) {
	l := layout{w: w, h: h, m: m}
	if fixedW > 0 {
		l.cw, l.ch = fixedW-2*m, fixedH-2*m
		if l.cw < 1 || l.ch < 1 {
			return l, fmt.Errorf("fixed input %dx%d leaves no core inside a margin of %d", fixedW, fixedH, m)
		}
		l.nx, l.ny = ceilDiv(w, l.cw), ceilDiv(h, l.ch)
		return l, nil
	}
	l.nx, l.ny = ceilDiv(w, maxCore), ceilDiv(h, maxCore)
	l.cw, l.ch = ceilDiv(w, l.nx), ceilDiv(h, l.ny)
	return l, nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// tileW and tileH are the size of the network input, margins included.
func (l layout) tileW() int { return l.cw + 2*l.m }
func (l layout) tileH() int { return l.ch + 2*l.m }

// core returns the output rectangle of tile (tx, ty): columns x0..x1−1, rows y0..y1−1.
func (l layout) core(tx, ty int) (x0, y0, x1, y1 int) {
	x0, y0 = tx*l.cw, ty*l.ch
	return x0, y0, min(x0+l.cw, l.w), min(y0+l.ch, l.h)
}
