package temporal

import (
	"fmt"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
)

var _ pipeline.Temporal = (*AlignedAverage)(nil)

// runTemporal pushes copies of src through st and returns the outputs.
func runTemporal(t *testing.T, st pipeline.Temporal, src []*frame.Frame) []*frame.Frame {
	t.Helper()
	pool := frame.NewPool(64)
	var out []*frame.Frame
	emit := func(f *frame.Frame) error { out = append(out, f); return nil }
	for _, s := range src {
		f := pool.Get(s.Geometry())
		f.CopyFrom(s)
		if err := st.Push(f, emit); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Flush(emit); err != nil {
		t.Fatal(err)
	}
	if len(out) != len(src) {
		t.Fatalf("%s: %d frames out of %d", st.Name(), len(out), len(src))
	}
	for i, f := range out {
		if f.Index != src[i].Index {
			t.Fatalf("%s: output %d has index %d", st.Name(), i, f.Index)
		}
	}
	return out
}

// meanPSNR is the mean luma PSNR of got against want over the frames in [lo, hi).
func meanPSNR(got, want []*frame.Frame, lo, hi int) float64 {
	var s float64
	for i := lo; i < hi; i++ {
		s += psnr(&got[i].Planes[0], &want[i].Planes[0], 4)
	}
	return s / float64(hi-lo)
}

func TestAlignedAverageDenoisesMotion(t *testing.T) {
	g := yuvGeom(160, 120)
	a, b := newColourTexture(30), newColourTexture(31)
	clean, starts := renderShots(g, []shot{
		{tex: a, vx: 3.4, vy: -1.2, n: 8},
		{tex: b, vx: -2.2, vy: 1.9, z: 1.015, n: 8},
	})
	src := noisy(clean, 20.0/255, 12)
	cut := starts[1]
	plain, _ := NewAverage(3)
	results := map[string][]*frame.Frame{"noisy": src, "plain mean of 3": runTemporal(t, plain, src)}
	for _, cfg := range []WindowConfig{{Radius: 1}, {Radius: 2}, {Radius: 2, Causal: true}} {
		st, err := NewAlignedAverage(cfg)
		if err != nil {
			t.Fatal(err)
		}
		results[fmt.Sprintf("aligned r=%d causal=%v", cfg.Radius, cfg.Causal)] = runTemporal(t, st, src)
	}
	psnrOf := map[string]float64{}
	for name, out := range results {
		psnrOf[name] = meanPSNR(out, clean, 0, len(clean))
		t.Logf("%-26s luma PSNR %.2f dB (frames next to the cut: %.2f, %.2f dB)", name, psnrOf[name],
			psnr(&out[cut-1].Planes[0], &clean[cut-1].Planes[0], 4), psnr(&out[cut].Planes[0], &clean[cut].Planes[0], 4))
	}
	for _, name := range []string{"aligned r=1 causal=false", "aligned r=2 causal=false", "aligned r=2 causal=true"} {
		if gain := psnrOf[name] - psnrOf["noisy"]; gain < 3 {
			t.Errorf("%s: %.2f dB over the noisy input, want ≥ 3", name, gain)
		}
		if psnrOf[name] < psnrOf["plain mean of 3"]+3 {
			t.Errorf("%s: %.2f dB, the plain mean %.2f dB: motion compensation should win by ≥ 3 dB",
				name, psnrOf[name], psnrOf["plain mean of 3"])
		}
		// Frames next to the cut are averaged with their own scene only: they gain too,
		// except the first of a scene in a causal window, which has no past to draw on.
		out := results[name]
		next := []int{cut - 1, cut}
		if strings.HasSuffix(name, "causal=true") {
			next = next[:1]
		}
		for _, i := range next {
			if d := psnr(&out[i].Planes[0], &clean[i].Planes[0], 4) - psnr(&src[i].Planes[0], &clean[i].Planes[0], 4); d < 1 {
				t.Errorf("%s: frame %d next to the cut gains %.2f dB, want ≥ 1", name, i, d)
			}
		}
	}
	if r1, r2 := psnrOf["aligned r=1 causal=false"], psnrOf["aligned r=2 causal=false"]; r2 < r1 {
		t.Errorf("radius 2 (%.2f dB) should beat radius 1 (%.2f dB)", r2, r1)
	}
}
