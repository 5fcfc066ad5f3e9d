package cnn

import (
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// rot90 returns p turned a quarter (the test's own account of the square's symmetries).
func rot90(p *frame.Plane) *frame.Plane {
	r := &frame.Plane{W: p.H, H: p.W, Stride: p.H, Pix: make([]float32, p.W*p.H)}
	for y := range r.H {
		for x := range r.W {
			r.Pix[y*r.W+x] = p.Pix[(p.H-1-x)*p.Stride+y]
		}
	}
	return r
}

// mirrorLR returns p mirrored left–right.
func mirrorLR(p *frame.Plane) *frame.Plane {
	r := clonePlane(p)
	for y := range r.H {
		row := r.Row(y)
		for x := range row {
			row[x] = p.Pix[y*p.Stride+p.W-1-x]
		}
	}
	return r
}

func turn(p *frame.Plane, k int, m bool) *frame.Plane {
	if m {
		p = mirrorLR(p)
	}
	for range k {
		p = rot90(p)
	}
	return p
}

// untilt undoes turn(·, k, m).
func untilt(p *frame.Plane, k int, m bool) *frame.Plane {
	for range (4 - k) % 4 {
		p = rot90(p)
	}
	if m {
		p = mirrorLR(p)
	}
	return p
}

// TestEnsemble: with Ensemble n the filter gives the mean of the network's results on the
// picture's turned and mirrored views, turned back — for n = 2 the picture and its half
// turn, for n = 8 every view (the guide turned alike) — and differs from a single run.
func TestEnsemble(t *testing.T) {
	in := grayFrame(53, 37, 8, 4)
	guide := frame.New(in.Format, in.W, in.H)
	testImage(&guide.Planes[0], 9, 5.0/255)
	p, g := &in.Planes[0], &guide.Planes[0]
	single := referenceGuided(t, load(t, Options{Model: guideModel, Sigma: 20}), p, g, 20)
	for _, tc := range []struct {
		n     int
		views [][2]int // quarter turns, mirrored
	}{
		{2, [][2]int{{0, 0}, {2, 0}}},
		{8, [][2]int{{0, 0}, {1, 0}, {2, 0}, {3, 0}, {0, 1}, {1, 1}, {2, 1}, {3, 1}}},
	} {
		m := load(t, Options{Model: guideModel, Sigma: 20, Tile: 24, Ensemble: tc.n})
		want := clonePlane(p)
		clear(want.Pix)
		for _, v := range tc.views {
			k, mr := v[0], v[1] == 1
			r := untilt(referenceGuided(t, m, turn(p, k, mr), turn(g, k, mr), 20), k, mr)
			for i := range want.Pix {
				want.Pix[i] += r.Pix[i] / float32(tc.n)
			}
		}
		f := newFilter(t, m)
		got := withGuideCopy(in, guide)
		if _, err := f.Process(got); err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(t, &got.Planes[0], want); d > 1e-4 {
			t.Errorf("ensemble %d: %.2e from the mean of the views", tc.n, d)
		}
		if maxDiff(t, &got.Planes[0], single) < 1e-4 {
			t.Errorf("ensemble %d: the same as one run", tc.n)
		}
	}
	if _, err := Load(Options{Model: guideModel, Ensemble: 3}); err == nil {
		t.Error("ensemble 3 accepted")
	}
}
