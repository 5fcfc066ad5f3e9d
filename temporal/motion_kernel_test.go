package temporal

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refSSD is the plain definition the kernels must match.
func refSSD(c []float32, co, cs int, r []float32, ro, rs, w, h int, ax, ay float32) float64 {
	var s float64
	for y := range h {
		for x := range w {
			p := r[ro+y*rs+x]
			if ax != 0 || ay != 0 {
				a, b := r[ro+y*rs+x], r[ro+y*rs+x+1]
				cc, d := r[ro+(y+1)*rs+x], r[ro+(y+1)*rs+x+1]
				p = (1-ay)*((1-ax)*a+ax*b) + ay*((1-ax)*cc+ax*d)
			}
			e := float64(c[co+y*cs+x] - p)
			s += e * e
		}
	}
	return s
}

func TestKernelsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const cs, rs = 23, 29
	c := make([]float32, cs*20)
	r := make([]float32, rs*22)
	for i := range c {
		c[i] = rng.Float32()
	}
	for i := range r {
		r[i] = rng.Float32()
	}
	inf := float32(math.Inf(1))
	for w := 1; w <= 13; w++ {
		for _, h := range []int{1, 5, 8} {
			for _, f := range [][2]float32{{0, 0}, {0.5, 0}, {0, 0.25}, {0.75, 0.5}, {0.25, 0.75}} {
				co, ro := 3*cs+2, 2*rs+5
				want := refSSD(c, co, cs, r, ro, rs, w, h, f[0], f[1])
				var got float32
				if f == [2]float32{} {
					got = ssd(c, co, cs, r, ro, rs, w, h, inf)
				} else {
					got = ssdBilinear(c, co, cs, r, ro, rs, w, h, f[0], f[1], inf)
				}
				if math.Abs(float64(got)-want) > 1e-4*max(want, 1) {
					t.Errorf("%dx%d at %v: %g, want %g", w, h, f, got, want)
				}
				// A limit stops the sum early, never below the limit.
				lim := float32(want / 2)
				if f == [2]float32{} {
					got = ssd(c, co, cs, r, ro, rs, w, h, lim)
				} else {
					got = ssdBilinear(c, co, cs, r, ro, rs, w, h, f[0], f[1], lim)
				}
				if want > 0 && got < lim {
					t.Errorf("%dx%d at %v with limit %g: %g", w, h, f, lim, got)
				}
			}
		}
	}
}
