package cnn

import (
	"math/rand/v2"
	"testing"

	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/frame"
)

// impulseFrames returns a smoothed picture and, as the impulse stage and the chain would
// leave them, its guide (impulses replaced by a flat value) and source (share of the pixels
// salt or pepper), and the impulses.
func impulseFrames(w, h int, share float64) (in, guide, source *frame.Frame, imp []bool) {
	in = grayFrame(w, h, 8, 11)
	testImage(&in.Planes[0], 11, 3.0/255)
	source = frame.New(in.Format, w, h)
	testImage(&source.Planes[0], 13, 10.0/255)
	guide = frame.New(in.Format, w, h)
	guide.CopyFrom(source)
	rng := rand.New(rand.NewPCG(17, 3))
	imp = make([]bool, w*h)
	for k := range imp {
		if rng.Float64() < share {
			imp[k] = true
			source.Planes[0].Pix[k] = float32(rng.IntN(2))
			guide.Planes[0].Pix[k] = 0.5
		}
	}
	return in, guide, source, imp
}

// TestRefill checks refill passes against a reference built here from whole-plane runs of
// the network and the NLM package: after the first run, the source with the impulse pixels
// taken from its result is smoothed by NLM (with the σ given) and is the network's guide
// and source for the second run, whose result stands where the smoothing was spatial, and
// at the impulse pixels only where it was temporal. Below 1 % of impulses, or with no
// passes configured, the first result stands.
func TestRefill(t *testing.T) {
	const w, h, sigma = 83, 57, 20
	m := load(t, Options{Model: sourceModel, Sigma: sigma, Tile: 40, Refill: 1})
	f := newFilter(t, m)
	off := newFilter(t, load(t, Options{Model: sourceModel, Sigma: sigma, Tile: 40}))

	run := func(f *Filter, in, guide, source *frame.Frame, neighbours int) *frame.Plane {
		t.Helper()
		fr := frame.New(in.Format, w, h)
		fr.CopyFrom(in)
		fr.Neighbours = neighbours
		g, s := frame.New(in.Format, w, h), frame.New(in.Format, w, h)
		g.CopyFrom(guide)
		s.CopyFrom(source)
		fr.SetGuide(g)
		fr.SetSource(s)
		out, err := f.Process(fr)
		if err != nil {
			t.Fatal(err)
		}
		return &out.Planes[0]
	}
	for _, c := range []struct {
		share      float64
		neighbours int
	}{{0.05, 0}, {0.05, 2}, {0.004, 0}} {
		in, guide, source, imp := impulseFrames(w, h, c.share)
		first := referenceSource(t, m, &in.Planes[0], &guide.Planes[0], &source.Planes[0], sigma)
		filled := clonePlane(&source.Planes[0])
		for k, i := range imp {
			if i {
				filled.Pix[k] = first.Pix[k]
			}
		}
		smooth := clonePlane(filled)
		var nl nlm.PlaneDenoiser
		if err := nl.Denoise(smooth, filled, nlm.DefaultParams(sigma)); err != nil { // σ given
			t.Fatal(err)
		}
		second := referenceSource(t, m, smooth, filled, filled, sigma)
		want := second
		switch {
		case c.share < refillShare:
			want = first
		case c.neighbours > 0:
			want = clonePlane(first)
			for k, i := range imp {
				if i {
					want.Pix[k] = second.Pix[k]
				}
			}
		}
		got := run(f, in, guide, source, c.neighbours)
		if d := maxDiff(t, got, want); d > 1e-4 {
			t.Errorf("impulses %.1f %%, %d neighbours: %.2e from the reference", 100*c.share, c.neighbours, d)
		}
		if c.share >= refillShare && maxDiff(t, got, first) < 1e-3 {
			t.Errorf("impulses %.1f %%, %d neighbours: the pass changed nothing", 100*c.share, c.neighbours)
		}
		if d := maxDiff(t, run(off, in, guide, source, c.neighbours), first); d > 1e-4 {
			t.Errorf("impulses %.1f %%, no passes configured: %.2e from the first result", 100*c.share, d)
		}
	}
	if _, err := Load(Options{Model: sourceModel, Refill: MaxRefill + 1}); err == nil {
		t.Errorf("%d refill passes accepted", MaxRefill+1)
	}
}
