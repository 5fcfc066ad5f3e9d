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
	yuv := frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8}
	checkOnSigmas(t, "impulse", yuv)
}

// The nlm stage reports the σ each plane was filtered with, plane by plane (4:2:0) and
// with joint weights (RGB), as impulse does; same noise and tolerance.
func TestOnSigmasNLM(t *testing.T) {
	t.Run("yuv420", func(t *testing.T) {
		checkOnSigmas(t, "nlm", frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8})
	})
	t.Run("rgb", func(t *testing.T) {
		checkOnSigmas(t, "nlm", frame.Format{Layout: frame.RGB, BitDepth: 8})
	})
}

// checkOnSigmas runs mode's one stage on a 256×192 frame of format with AWGN σ=20 on the
// first plane and σ=5 on the others, and checks the σ it reports through OnSigmas.
func checkOnSigmas(t *testing.T, mode string, format frame.Format) {
	t.Helper()
	cfg, err := configs.Load(configs.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Mode = mode
	cfg.Pipeline.Workers = 1
	var got []float64
	var layout frame.Layout
	var stage string
	plain := 0
	st, err := BuildWith(cfg, Hooks{
		OnSigma: func(string, int64, float64) { plain++ },
		OnSigmas: func(s string, _ int64, l frame.Layout, sig []float64) {
			got, layout, stage = append([]float64(nil), sig...), l, s
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	f := frame.New(format, 256, 192)
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
	if len(got) != 3 || layout != format.Layout || plain != 0 || stage != mode {
		t.Fatalf("OnSigmas %v (%v, stage %q), OnSigma called %d times", got, layout, stage, plain)
	}
	for i, s := range got {
		if math.Abs(s-truth[i]) > 0.1*truth[i] {
			t.Errorf("plane %d: σ %.2f, true %.0f", i, s, truth[i])
		}
	}
}

// The Rician NLM reports through OnSigmas the one σ it filters every plane with.
func TestOnSigmasRician(t *testing.T) {
	cfg := defaults(t)
	cfg.NoiseModel = configs.NoiseRician
	cfg.Mode = "nlm"
	cfg.Sigma = 10
	var got []float64
	var stage string
	plain := 0
	st, err := BuildWith(cfg, Hooks{
		OnSigma: func(string, int64, float64) { plain++ },
		OnSigmas: func(s string, _ int64, _ frame.Layout, sig []float64) {
			got, stage = append([]float64(nil), sig...), s
		},
	})
	if err != nil || len(st) != 1 || st[0].Temporal == nil {
		t.Fatalf("rician nlm: %v, %v", st, err)
	}
	f := frame.NewPool(2).Get(frame.Geometry{Format: frame.Format{Layout: frame.RGB, BitDepth: 8}, W: 32, H: 24})
	emit := func(o *frame.Frame) error { return nil }
	if err := st[0].Temporal.Push(f, emit); err != nil {
		t.Fatal(err)
	}
	if err := st[0].Temporal.Flush(emit); err != nil {
		t.Fatal(err)
	}
	if stage != stageRician || plain != 0 || len(got) != 3 || got[0] != 10 || got[1] != 10 || got[2] != 10 {
		t.Errorf("OnSigmas %v from %q, OnSigma called %d times; want [10 10 10] from %q", got, stage, plain, stageRician)
	}
}
