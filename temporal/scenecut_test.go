package temporal

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// shot is a camera moving over a textured world: a pan of (vx, vy) and a zoom by z per frame
// about the frame centre, starting from offset (x0, y0).
type shot struct {
	tex            colourTexture
	x0, y0, vx, vy float64
	z              float64
	n              int
	w, h           float64
}

func (s shot) at(i int) scene {
	ox, oy := s.x0+s.vx*float64(i), s.y0+s.vy*float64(i)
	k := 1.0
	if s.z != 0 {
		k = math.Pow(s.z, -float64(i))
	}
	cx, cy := s.w/2-0.5, s.h/2-0.5
	return func(p int, x, y float64) float32 { return s.tex.at(p, ox+cx+(x-cx)*k, oy+cy+(y-cy)*k) }
}

// renderShots renders the shots one after the other and returns the frames and the indices
// where shots start.
func renderShots(g frame.Geometry, shots []shot) ([]*frame.Frame, []int) {
	var frames []*frame.Frame
	var starts []int
	for _, s := range shots {
		s.w, s.h = float64(g.W), float64(g.H)
		starts = append(starts, len(frames))
		for i := range s.n {
			f := newFrame(g)
			renderFrame(f, s.at(i))
			f.Index = int64(len(frames))
			frames = append(frames, f)
		}
	}
	return frames, starts
}

// noisy returns copies of frames with noise of sigma added.
func noisy(frames []*frame.Frame, sigma float64, seed uint64) []*frame.Frame {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([]*frame.Frame, len(frames))
	for i, f := range frames {
		out[i] = newFrame(f.Geometry())
		out[i].CopyFrom(f)
		addNoise(out[i], sigma, rng)
	}
	return out
}

func TestSceneCuts(t *testing.T) {
	a, b := newColourTexture(10), newColourTexture(11)
	shots := []shot{
		{tex: a, vx: 2.7, vy: -1.3, n: 12},
		{tex: b, x0: 40, vx: -6.2, vy: 0.8, z: 1.02, n: 10},
		// The first world again, far from where the first shot saw it.
		{tex: a, x0: 500, y0: 300, vx: 0.4, vy: 3.1, n: 10},
		{tex: b, vx: 11.5, vy: 4.5, n: 8},
	}
	g := grayGeom(192, 144)
	clean, starts := renderShots(g, shots)
	for _, sigma255 := range []float64{0, 10, 20, 30, 40} {
		frames := noisy(clean, sigma255/255, 8)
		d, err := NewSceneCutDetector(SceneCutConfig{})
		if err != nil {
			t.Fatal(err)
		}
		var cuts []int
		var worstIn, weakestCut float32 = 0, 1
		for i, f := range frames {
			if d.Push(&f.Planes[0]) {
				cuts = append(cuts, i)
			}
			st := d.Last()
			if i == 0 {
				continue
			}
			if slices.Contains(starts, i) {
				weakestCut = min(weakestCut, st.Unmatched)
			} else {
				worstIn = max(worstIn, st.Unmatched)
			}
		}
		t.Logf("σ=%g/255: cuts at %v; unmatched blocks: ≤ %.0f%% inside shots, ≥ %.0f%% at cuts",
			sigma255, cuts, 100*worstIn, 100*weakestCut)
		if !slices.Equal(cuts, starts) {
			t.Errorf("σ=%g: cuts at %v, want %v", sigma255, cuts, starts)
		}
	}
}

// A single long shot that pans faster and faster while zooming: no cut after the first frame.
func TestSceneCutsNoneInMotion(t *testing.T) {
	tex := newColourTexture(12)
	g := grayGeom(192, 144)
	var shots []shot
	for i, v := range []float64{0, 1.5, 4.25, 8.5, 14} {
		shots = append(shots, shot{tex: tex, x0: 100 * float64(i), vx: v, vy: -v / 3, z: 1.015, n: 6})
	}
	// Stitch the pieces into one continuous shot: each starts where the last ended.
	for i := 1; i < len(shots); i++ {
		p := shots[i-1]
		shots[i].x0 = p.x0 + p.vx*float64(p.n)
		shots[i].y0 = p.y0 + p.vy*float64(p.n)
	}
	var clean []*frame.Frame
	var speed []float64
	scale := 1.0
	for _, s := range shots {
		s.w, s.h = float64(g.W), float64(g.H)
		for i := range s.n {
			f := newFrame(g)
			fn, base := s.at(i), scale // the zoom carries on across pieces
			renderFrame(f, func(p int, x, y float64) float32 {
				cx, cy := s.w/2-0.5, s.h/2-0.5
				return fn(p, cx+(x-cx)/base, cy+(y-cy)/base)
			})
			clean = append(clean, f)
			speed = append(speed, s.vx)
		}
		scale *= math.Pow(s.z, float64(s.n))
	}
	for _, sigma255 := range []float64{0, 30} {
		frames := clean
		if sigma255 > 0 {
			frames = noisy(clean, sigma255/255, 9)
		}
		d, _ := NewSceneCutDetector(SceneCutConfig{})
		var worst float32
		for k, f := range frames {
			if d.Push(&f.Planes[0]) != (k == 0) {
				t.Errorf("σ=%g: frame %d (pan %.1f px/frame) cut=%v, unmatched %.0f%%",
					sigma255, k, speed[k], k != 0, 100*d.Last().Unmatched)
			}
			if k > 0 {
				worst = max(worst, d.Last().Unmatched)
			}
		}
		t.Logf("σ=%g/255: at most %.0f%% of blocks unmatched inside the shot", sigma255, 100*worst)
	}
}

// With the noise level given, the second frame can already be a cut.
func TestSceneCutKnownSigma(t *testing.T) {
	g := grayGeom(160, 120)
	shots := []shot{{tex: newColourTexture(13), n: 1}, {tex: newColourTexture(14), n: 3}}
	clean, _ := renderShots(g, shots)
	frames := noisy(clean, 20.0/255, 10)
	d, _ := NewSceneCutDetector(SceneCutConfig{Sigma: 20.0 / 255})
	var cuts []int
	for i, f := range frames {
		if d.Push(&f.Planes[0]) {
			cuts = append(cuts, i)
		}
	}
	if !slices.Equal(cuts, []int{0, 1}) {
		t.Errorf("cuts at %v, want [0 1]", cuts)
	}
}
