package temporal

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMotionThreadsDeterministic: the wavefront gives every block the neighbours of the
// serial pass, so the field is the same, bit for bit, on any number of goroutines.
func TestMotionThreadsDeterministic(t *testing.T) {
	tex := newColourTexture(4)
	for _, sz := range [][2]int{{320, 200}, {203, 157}} {
		g := grayGeom(sz[0], sz[1])
		cur, ref := newFrame(g), newFrame(g)
		renderFrame(ref, tex.at)
		// A zoom about the centre with a patch moving against it: vectors vary everywhere.
		cx, cy := float64(g.W)/2, float64(g.H)/2
		renderFrame(cur, func(p int, x, y float64) float32 {
			if x > 40 && x < 120 && y > 30 && y < 100 {
				return tex.at(p, x-6.3, y+4.1)
			}
			return tex.at(p, cx+(x-cx)*1.04, cy+(y-cy)*1.04)
		})
		rng := rand.New(rand.NewPCG(5, 1))
		addNoise(cur, 12.0/255, rng)
		addNoise(ref, 12.0/255, rng)
		for _, ov := range []int{0, 2} {
			var want MotionField
			serial, _ := NewMotionEstimator(MotionConfig{Overlap: ov, Threads: 1})
			for range 2 {
				serial.Estimate(&want, &cur.Planes[0], &ref.Planes[0])
			}
			for _, th := range []int{2, 3, 5} {
				e, _ := NewMotionEstimator(MotionConfig{Overlap: ov, Threads: th})
				var got MotionField
				for range 2 {
					e.Estimate(&got, &cur.Planes[0], &ref.Planes[0])
				}
				for i := range want.Vectors {
					if got.Vectors[i] != want.Vectors[i] || math.Float32bits(got.Cost[i]) != math.Float32bits(want.Cost[i]) {
						t.Fatalf("%dx%d overlap %d, %d threads: block %d: %v cost %g, serial %v cost %g",
							g.W, g.H, ov, th, i, got.Vectors[i], got.Cost[i], want.Vectors[i], want.Cost[i])
					}
				}
				if got.Sigma != want.Sigma {
					t.Fatalf("%d threads: σ %g, serial %g", th, got.Sigma, want.Sigma)
				}
			}
		}
	}
}

func TestMotionParallelDoesNotAllocate(t *testing.T) {
	cur, ref := panPair(grayGeom(320, 240), newColourTexture(2), 2.5, -1.25, 10.0/255, 3)
	e, _ := NewMotionEstimator(MotionConfig{Threads: 2})
	var f MotionField
	e.Estimate(&f, &cur.Planes[0], &ref.Planes[0])
	if n := testing.AllocsPerRun(5, func() { e.Estimate(&f, &cur.Planes[0], &ref.Planes[0]) }); n != 0 {
		t.Fatalf("%g allocations per estimate", n)
	}
}
