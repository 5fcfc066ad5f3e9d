package cnn

import "github.com/denoise-go/denoise/frame"

// A view is one of the eight symmetries of the square, applied to a picture: view(x, y) =
// picture(u, v) with (u, v) = (y, x) when transposed, else (x, y), then mirrored
// horizontally (u = w−1−u) and vertically (v = h−1−v) as asked. views lists them so that
// the first 2 and the first 4 are ensembles in their own right (the identity and the half
// turn; then both mirrors) and keep the picture's orientation, so the tile layout is made
// once; the last four transpose it.
type view struct{ transpose, mirrorX, mirrorY bool }

var views = [8]view{
	{false, false, false}, {false, true, true}, {false, true, false}, {false, false, true},
	{true, true, false}, {true, false, true}, {true, false, false}, {true, true, true},
}

// size is the size of the view of a w×h picture.
func (v view) size(w, h int) (int, int) {
	if v.transpose {
		return h, w
	}
	return w, h
}

// source maps (x, y) of the view of a w×h picture to the picture's coordinates.
func (v view) source(x, y, w, h int) (int, int) {
	u, t := x, y
	if v.transpose {
		u, t = y, x
	}
	if v.mirrorX {
		u = w - 1 - u
	}
	if v.mirrorY {
		t = h - 1 - t
	}
	return u, t
}

// fill writes the view of src into dst (resized to the view's size).
func (v view) fill(dst, src *frame.Plane) {
	vw, vh := v.size(src.W, src.H)
	dst.Resize(vw, vh)
	for y := range vh {
		row := dst.Row(y)
		for x := range row {
			u, t := v.source(x, y, src.W, src.H)
			row[x] = src.Pix[t*src.Stride+u]
		}
	}
}

// addBack adds the view p of a w×h picture, turned back, to sum (w·h samples, row-major).
func (v view) addBack(sum []float32, p *frame.Plane, w, h int) {
	for y := range p.H {
		row := p.Row(y)
		for x, s := range row {
			u, t := v.source(x, y, w, h)
			sum[t*w+u] += s
		}
	}
}

// viewScratch holds a session's turned copies of the image and guide planes and the sums.
type viewScratch struct {
	img, guide []frame.Plane
	pimg, pgd  []*frame.Plane
	sum        [][]float32
}

// denoiseViews is Denoise with a geometric self-ensemble of n views (checked planes).
func (s *Session) denoiseViews(planes, guide []*frame.Plane, sigma float64, n int) error {
	sc := &s.views
	w, h := planes[0].W, planes[0].H
	if len(sc.img) != len(planes) || len(sc.guide) != len(guide) {
		sc.img, sc.guide = make([]frame.Plane, len(planes)), make([]frame.Plane, len(guide))
		sc.pimg, sc.pgd = make([]*frame.Plane, len(planes)), make([]*frame.Plane, len(guide))
		for i := range sc.img {
			sc.pimg[i] = &sc.img[i]
		}
		for i := range sc.guide {
			sc.pgd[i] = &sc.guide[i]
		}
		sc.sum = make([][]float32, len(planes))
	}
	for c := range sc.sum {
		if cap(sc.sum[c]) < w*h {
			sc.sum[c] = make([]float32, w*h)
		}
		sc.sum[c] = sc.sum[c][:w*h]
		clear(sc.sum[c])
	}
	var pgd []*frame.Plane
	if guide != nil {
		pgd = sc.pgd
	}
	for _, v := range views[:n] {
		for c, p := range planes {
			v.fill(&sc.img[c], p)
		}
		for c, p := range guide {
			v.fill(&sc.guide[c], p)
		}
		if err := s.denoise(sc.pimg, pgd, sigma); err != nil {
			return err
		}
		for c := range planes {
			v.addBack(sc.sum[c], &sc.img[c], w, h)
		}
	}
	inv := 1 / float32(n)
	for c, p := range planes {
		for y := range h {
			row, sum := p.Row(y), sc.sum[c][y*w:(y+1)*w]
			for x := range row {
				row[x] = sum[x] * inv
			}
		}
	}
	return nil
}
