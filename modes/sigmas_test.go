package modes

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/frame"
)

// A 4:2:0 frame with AWGN σ=20 on Y and σ=5 on U and V: the impulse stage reports each
// plane's σ through OnSigmas (and then not through OnSigma). The tolerance, 10 %: the
// median-based estimate on 128×96 chroma planes of pure noise has a relative standard error
// near 1.6/√12288 ≈ 1.5 %, on luma less; the rest is room for rounding to 8-bit codes.
func TestOnSigmasPerPlane(t *testing.T) {
	cfg, err := configs.Load(configs.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Mode = "impulse"
	cfg.Pipeline.Workers = 1
	var got []float64
	var layout frame.Layout
	plain := 0
	st, err := BuildWith(cfg, Hooks{
		OnSigma: func(string, int64, float64) { plain++ },
		OnSigmas: func(stage string, _ int64, l frame.Layout, s []float64) {
			got, layout = append([]float64(nil), s...), l
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	f := frame.New(frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8}, 256, 192)
	truth := []float64{20, 5, 5}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3 {
		p := &f.Planes[i]
		for y := range p.H {
			row := p.Row(y)
			for x := range row {
				v := 128 + rng.NormFloat64()*truth[i]
				row[x] = float32(math.Round(min(max(v, 0), 255)) / 255)
			}
		}
	}
	flt, err := st[0].Filter()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flt.Process(f); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || layout != frame.YUV || plain != 0 {
		t.Fatalf("OnSigmas %v (%v), OnSigma called %d times", got, layout, plain)
	}
	for i, s := range got {
		if math.Abs(s-truth[i]) > 0.1*truth[i] {
			t.Errorf("plane %d: σ %.2f, true %.0f", i, s, truth[i])
		}
	}
}
