package noise

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/denoise-go/denoise/filter/internal/evalset"
	"github.com/denoise-go/denoise/frame"
)

// synthetic returns a smooth w×h plane plus AWGN of sigma (0–255 scale), unclipped.
func synthetic(w, h int, sigma float64, seed uint64) *frame.Plane {
	rng := rand.New(rand.NewPCG(seed, 1))
	p := &frame.Plane{W: w, H: h, Stride: w + 3, Pix: make([]float32, (w+3)*h)}
	for y := 0; y < h; y++ {
		row := p.Row(y)
		for x := range row {
			clean := 0.5 + 0.3*math.Sin(float64(x)/37)*math.Cos(float64(y)/23)
			row[x] = float32(clean + sigma/255*rng.NormFloat64())
		}
	}
	return p
}

func TestEstimatorsSyntheticAWGN(t *testing.T) {
	for _, m := range []Method{LaplacianMAD, Immerkaer, WaveletMAD} {
		for _, sigma := range []float64{2, 5, 10, 25, 50} {
			p := synthetic(301, 257, sigma, uint64(sigma))
			got := Estimate(p, m, nil)
			if math.Abs(got-sigma) > 0.1*sigma {
				t.Errorf("%v σ=%g: estimated %.3f", m, sigma, got)
			}
		}
	}
}

func TestEstimatorsIgnoreImpulses(t *testing.T) {
	const sigma = 10
	p := synthetic(320, 240, sigma, 7)
	rng := rand.New(rand.NewPCG(3, 4))
	skip := make([]bool, p.W*p.H)
	for y := 0; y < p.H; y++ {
		row := p.Row(y)
		for x := range row {
			if rng.Float64() < 0.2 {
				row[x] = float32(rng.IntN(2))
				skip[y*p.W+x] = true
			}
		}
	}
	for _, m := range []Method{LaplacianMAD, Immerkaer, WaveletMAD} {
		got := Estimate(p, m, skip)
		if math.Abs(got-sigma) > 0.1*sigma {
			t.Errorf("%v with 20%% impulses masked: estimated %.3f, want %d", m, got, sigma)
		}
		if raw := Estimate(p, m, nil); raw < 2*sigma {
			t.Logf("%v unmasked reads %.2f (expected to be far off)", m, raw)
		}
	}
}

func TestEstimateAllocsSteadyState(t *testing.T) {
	p := synthetic(64, 48, 5, 1)
	skip := make([]bool, 64*48)
	skip[100] = true
	for _, m := range []Method{WaveletMAD, LaplacianMAD, Immerkaer} {
		e := Estimator{Method: m}
		e.Estimate(p, nil)
		e.Estimate(p, skip)
		if a := testing.AllocsPerRun(5, func() { e.Estimate(p, nil); e.Estimate(p, skip) }); a != 0 {
			t.Errorf("%v: Estimate allocates %v times per call", m, a)
		}
	}
}

// TestSet12Estimates logs how each estimator reads the true σ on Set12 (protocol noise:
// added to 8-bit codes, rounded, clipped).
func TestSet12Estimates(t *testing.T) {
	dir := evalset.SharedDir("../../../shared") + "/datasets/set12"
	ims, err := evalset.LoadGrayDir(dir)
	if err != nil {
		t.Skip("Set12 not available:", err)
	}
	for _, sigma := range []float64{5, 15, 25, 50} {
		nz := evalset.Noise{Sigma: sigma}
		for _, m := range []Method{LaplacianMAD, Immerkaer, WaveletMAD} {
			var sum, worst float64
			for i, im := range ims {
				codes, _ := nz.Apply(im, evalset.Seed(nz, i))
				fr := evalset.Gray8(im.W, im.H, codes)
				e := Estimate(&fr.Planes[0], m, nil)
				sum += e
				worst = math.Max(worst, math.Abs(e/sigma-1))
			}
			t.Logf("σ=%2g %-13v mean %.2f  worst rel err %.1f%%", sigma, m, sum/float64(len(ims)), 100*worst)
		}
	}
}

// A large plane is read on a subset of its rows: the estimate stays within 1 % of the one
// from every row, with and without impulses masked.
func TestWaveletMADLargePlane(t *testing.T) {
	for _, sigma := range []float64{3, 20} {
		p := synthetic(1920, 1080, sigma, 11)
		rng := rand.New(rand.NewPCG(5, 6))
		skip := make([]bool, p.W*p.H)
		for i := range skip {
			skip[i] = rng.Float64() < 0.05
		}
		for _, sk := range [][]bool{nil, skip} {
			got := Estimate(p, WaveletMAD, sk)
			all := allRowsWaveletMAD(p, sk)
			t.Logf("σ=%g masked=%v: %.4f from a subset of rows, %.4f from all", sigma, sk != nil, got, all)
			if math.Abs(got-all) > 0.01*all || math.Abs(got-sigma) > 0.03*sigma {
				t.Errorf("σ=%g masked=%v: %.4f from a subset of rows, %.4f from all", sigma, sk != nil, got, all)
			}
		}
	}
}

// allRowsWaveletMAD is WaveletMAD over every pair of rows, the reference for the subset.
func allRowsWaveletMAD(p *frame.Plane, skip []bool) float64 {
	var v []float64
	for y := 0; y+1 < p.H; y += 2 {
		a, b := p.Row(y), p.Row(y+1)
		for x := 0; x+1 < p.W; x += 2 {
			i := y*p.W + x
			if skip != nil && (skip[i] || skip[i+1] || skip[i+p.W] || skip[i+p.W+1]) {
				continue
			}
			v = append(v, math.Abs(float64(a[x]-a[x+1]-b[x]+b[x+1]))/2)
		}
	}
	slices.Sort(v)
	return v[(len(v)-1)/2] / 0.6745 * Scale255
}
