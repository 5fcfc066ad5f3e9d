package temporal

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// sequence renders a clean current and neighbour from scene functions and, when sigma > 0,
// noisy copies of both; motion is estimated on the noisy pair and judged on the clean one.
type sequence struct {
	cur, ref           *frame.Frame // clean
	noisyCur, noisyRef *frame.Frame
}

func newSequence(g frame.Geometry, cur, ref scene, sigma float64, seed uint64) *sequence {
	s := &sequence{cur: newFrame(g), ref: newFrame(g)}
	renderFrame(s.cur, cur)
	renderFrame(s.ref, ref)
	s.noisyCur, s.noisyRef = s.cur, s.ref
	if sigma > 0 {
		rng := rand.New(rand.NewPCG(seed, 2))
		s.noisyCur, s.noisyRef = newFrame(g), newFrame(g)
		s.noisyCur.CopyFrom(s.cur)
		s.noisyRef.CopyFrom(s.ref)
		addNoise(s.noisyCur, sigma, rng)
		addNoise(s.noisyRef, sigma, rng)
	}
	return s
}

// estimate returns the field from the noisy current to the noisy neighbour, and the clean
// neighbour warped along it.
func (s *sequence) estimate(t *testing.T, cfg MotionConfig) (*MotionField, *frame.Frame) {
	t.Helper()
	e, err := NewMotionEstimator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCompensator(CompensateConfig{})
	if err != nil {
		t.Fatal(err)
	}
	f := new(MotionField)
	for range 2 {
		e.Estimate(f, &s.noisyCur.Planes[0], &s.noisyRef.Planes[0])
	}
	warped := newFrame(s.ref.Geometry())
	c.Warp(warped, s.ref, f)
	return f, warped
}

func TestCompensatePan(t *testing.T) {
	tex := newColourTexture(2)
	g := yuvGeom(256, 192)
	for _, tc := range []struct {
		dx, dy, sigma255 float64
		minGain          float64 // dB over the unaligned neighbour, every plane
	}{
		{2.3, -1.6, 0, 15},
		{-9.6, 4.25, 0, 15},
		{2.3, -1.6, 20, 12},
	} {
		s := newSequence(g, shifted(tex, tc.dx, tc.dy), tex.at, tc.sigma255/255, 4)
		_, warped := s.estimate(t, MotionConfig{})
		m := int(math.Ceil(math.Max(math.Abs(tc.dx), math.Abs(tc.dy)))) + 2 // beyond it the content is unknown
		for p := range s.cur.Planes {
			pm := m
			if p > 0 {
				pm = m/2 + 1
			}
			before := psnr(&s.ref.Planes[p], &s.cur.Planes[p], pm)
			after := psnr(&warped.Planes[p], &s.cur.Planes[p], pm)
			t.Logf("pan (%.2f, %.2f) σ=%g/255 plane %d: PSNR %.1f dB unaligned, %.1f dB aligned",
				tc.dx, tc.dy, tc.sigma255, p, before, after)
			if after-before < tc.minGain {
				t.Errorf("pan (%g, %g) σ=%g plane %d: aligned %.1f dB vs %.1f dB unaligned, want a gain ≥ %g dB",
					tc.dx, tc.dy, tc.sigma255, p, after, before, tc.minGain)
			}
		}
	}
}

func TestCompensateZoom(t *testing.T) {
	tex := newColourTexture(3)
	g := yuvGeom(256, 192)
	const z = 1.03 // 3 % closer per frame
	cx, cy := 127.5, 95.5
	zoom := func(p int, x, y float64) float32 { return tex.at(p, cx+(x-cx)/z, cy+(y-cy)/z) }
	for _, sigma255 := range []float64{0, 20} {
		s := newSequence(g, zoom, tex.at, sigma255/255, 5)
		f, warped := s.estimate(t, MotionConfig{})
		// cur(p) = ref(c + (p−c)/z): the true vector at p is (p−c)(1/z − 1).
		n, ok := 0, 0
		var se float64
		for by := 1; by < f.BH-1; by++ {
			for bx := 1; bx < f.BW-1; bx++ {
				px, py := float64(bx*8)+3.5, float64(by*8)+3.5
				v := f.At(bx, by)
				ex := float64(v.X) - (px-cx)*(1/z-1)
				ey := float64(v.Y) - (py-cy)*(1/z-1)
				se += ex*ex + ey*ey
				n++
				if math.Abs(ex) <= 0.25 && math.Abs(ey) <= 0.25 {
					ok++
				}
			}
		}
		within := float64(ok) / float64(n)
		before := psnr(&s.ref.Planes[0], &s.cur.Planes[0], 8)
		after := psnr(&warped.Planes[0], &s.cur.Planes[0], 8)
		t.Logf("zoom ×%.2f σ=%g/255: %.1f%% of blocks within 0.25 px, RMS %.3f px; luma PSNR %.1f dB unaligned, %.1f dB aligned",
			z, sigma255, 100*within, math.Sqrt(se/float64(n)), before, after)
		// A block is one vector for a motion that varies by 8·0.03 = 0.24 px across it.
		if want := map[float64]float64{0: 0.95, 20: 0.75}[sigma255]; within < want {
			t.Errorf("zoom σ=%g: %.1f%% of blocks within 0.25 px, want ≥ %.0f%%", sigma255, 100*within, 100*want)
		}
		if after-before < 10 {
			t.Errorf("zoom σ=%g: aligned %.1f dB vs %.1f dB unaligned, want a gain ≥ 10 dB", sigma255, after, before)
		}
	}
}

// movingSquare is a textured square sliding over a static textured background.
type movingSquare struct {
	bg, fg     colourTexture
	x, y, side float64 // top-left and side at frame 0
	vx, vy     float64 // displacement per frame
}

func (m *movingSquare) at(t float64) scene {
	ox, oy := m.x+m.vx*t, m.y+m.vy*t
	return func(p int, x, y float64) float32 {
		if x >= ox && x < ox+m.side && y >= oy && y < oy+m.side {
			return m.fg.at(p, x-ox, y-oy) // the texture moves with the square
		}
		return m.bg.at(p, x, y)
	}
}

func (m *movingSquare) inside(t float64, x, y, margin int) bool {
	ox, oy := m.x+m.vx*t, m.y+m.vy*t
	fx, fy := float64(x), float64(y)
	d := float64(margin)
	return fx >= ox-d && fx < ox+m.side+d && fy >= oy-d && fy < oy+m.side+d
}

func TestCompensateOcclusion(t *testing.T) {
	m := &movingSquare{bg: newColourTexture(4), fg: newColourTexture(5),
		x: 96, y: 64, side: 56, vx: 7, vy: 3}
	g := yuvGeom(256, 192)
	for _, tc := range []struct {
		sigma255     float64
		backward     bool
		maxUncovered float64
	}{
		{0, false, 0.25},
		{0, true, 0.25},
		// Under heavy noise a smooth background matched a few pixels off differs from the
		// truth by about the noise: the residual alone cannot tell, and is only logged.
		{20, false, 1},
		// The round trip can: the occluded blocks' vectors do not lead back.
		{20, true, 0.25},
	} {
		s := newSequence(g, m.at(1), m.at(0), tc.sigma255/255, 6)
		e, _ := NewMotionEstimator(MotionConfig{})
		c, _ := NewCompensator(CompensateConfig{})
		var fwd, bwd MotionField
		for range 2 {
			e.Estimate(&fwd, &s.noisyCur.Planes[0], &s.noisyRef.Planes[0])
		}
		var back *MotionField
		if tc.backward {
			e.Estimate(&bwd, &s.noisyRef.Planes[0], &s.noisyCur.Planes[0])
			back = &bwd
		}
		warped := newFrame(g)
		c.Warp(warped, s.noisyRef, &fwd)
		rel := frame.New(frame.Format{Layout: frame.Gray, BitDepth: 32}, g.W, g.H)
		c.Reliability(&rel.Planes[0], &s.noisyCur.Planes[0], &warped.Planes[0], &fwd, back, float32(tc.sigma255/255))

		// Uncovered: where the square was in the neighbour and is no longer; the background
		// there was hidden. Static: background well away from both squares. Object: the
		// square's interior.
		var unc, stat, obj meanOf
		pl := &rel.Planes[0]
		for y := 0; y < g.H; y++ {
			for x, r := range pl.Row(y) {
				inRef, inCur := m.inside(0, x, y, 0), m.inside(1, x, y, 0)
				switch {
				case inRef && !inCur && !m.inside(1, x, y, 1):
					unc.add(r)
				case !m.inside(0, x, y, 16) && !m.inside(1, x, y, 16):
					stat.add(r)
				case m.inside(1, x, y, -8):
					obj.add(r)
				}
			}
		}
		t.Logf("square σ=%g/255 backward check %v: mean reliability uncovered %.3f (%d px), static %.3f, object %.3f",
			tc.sigma255, tc.backward, unc.mean(), unc.n, stat.mean(), obj.mean())
		if unc.mean() > tc.maxUncovered {
			t.Errorf("σ=%g backward %v: uncovered area trusted %.2f on average, want ≤ %g",
				tc.sigma255, tc.backward, unc.mean(), tc.maxUncovered)
		}
		if stat.mean() < 0.9 || obj.mean() < 0.8 {
			t.Errorf("σ=%g: static background trusted %.2f, object %.2f, want ≥ 0.9 and ≥ 0.8", tc.sigma255, stat.mean(), obj.mean())
		}
	}
}

type meanOf struct {
	s float64
	n int
}

func (m *meanOf) add(v float32) { m.s += float64(v); m.n++ }
func (m *meanOf) mean() float64 { return m.s / float64(max(m.n, 1)) }
