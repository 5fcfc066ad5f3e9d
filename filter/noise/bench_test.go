package noise

import (
	"math/rand/v2"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// BenchmarkEstimate720p estimates σ of a 1280×720 noisy gradient, as the stnlm and impulse
// stages do per frame (the latter with impulses masked).
func BenchmarkEstimate720p(b *testing.B) {
	const w, h = 1280, 720
	p := &frame.Plane{}
	p.Resize(w, h)
	r := rand.New(rand.NewPCG(1, 1))
	for y := range h {
		row := p.Row(y)
		for x := range row {
			row[x] = float32(x+y)/float32(w+h) + float32(r.NormFloat64())*20/255
		}
	}
	skip := make([]bool, w*h)
	for i := range skip {
		skip[i] = r.IntN(100) == 0
	}
	for _, m := range []Method{LaplacianMAD, Immerkaer, WaveletMAD} {
		for _, masked := range []bool{false, true} {
			name := m.String()
			var s []bool
			if masked {
				name += "/masked"
				s = skip
			}
			b.Run(name, func(b *testing.B) {
				e := Estimator{Method: m}
				for b.Loop() {
					e.Estimate(p, s)
				}
			})
		}
	}
}
