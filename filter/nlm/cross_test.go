package nlm

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// referenceST is the spatio-temporal NLM computed directly: the spatial window of cur as in
// referenceNLM, plus for every cross plane the (2Rt+1)² samples around p, each weighted by
// exp(−max(d²−2σt², 0)/ht²) of its patch distance to p's patch in cur, times the reliability
// (sampled down by its shifts, as a mean) at the candidate; the pixel itself at weight 1.
func referenceST(cur *frame.Plane, cross []CrossPlane, p Params, cp CrossParams) []float64 {
	w, h := cur.W, cur.H
	at := func(pl *frame.Plane, x, y int) float64 {
		return float64(pl.Pix[dsp.Mirror(y, pl.H)*pl.Stride+dsp.Mirror(x, pl.W)])
	}
	weight := func(other *frame.Plane, x, y, dx, dy, f int, sigma, hh float64) float64 {
		n := float64((2*f + 1) * (2*f + 1))
		var ssd float64
		for j := -f; j <= f; j++ {
			for i := -f; i <= f; i++ {
				d := at(cur, x+i, y+j) - at(other, x+dx+i, y+dy+j)
				ssd += d * d
			}
		}
		t := max(ssd/n-2*sigma*sigma, 0) / (hh * hh)
		if t >= dsp.NLMTail {
			return 0
		}
		return math.Exp(-t)
	}
	ht, st, ft := cp.H, cp.Sigma, cp.PatchRadius
	if ft == 0 {
		ft = p.PatchRadius
	}
	if ht == 0 {
		ht = p.H
	}
	if st == 0 {
		st = p.Sigma
	}
	out := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sw, sv := 1.0, at(cur, x, y)
			r := p.SearchRadius
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					if dx == 0 && dy == 0 {
						continue
					}
					wt := weight(cur, x, y, dx, dy, p.PatchRadius, p.Sigma/255, p.H/255)
					sw += wt
					sv += wt * at(cur, x+dx, y+dy)
				}
			}
			for _, c := range cross {
				rt := cp.SearchRadius
				for dy := -rt; dy <= rt; dy++ {
					for dx := -rt; dx <= rt; dx++ {
						wt := weight(c.Plane, x, y, dx, dy, ft, st/255, ht/255) * relMean(c, w, h, x+dx, y+dy)
						sw += wt
						sv += wt * at(c.Plane, x+dx, y+dy)
					}
				}
			}
			out[y*w+x] = sv / sw
		}
	}
	return out
}

// relMean is c's reliability at (x, y) of a w×h plane (mirrored): the mean of the samples
// it covers, sampled down by its shifts; 1 without one.
func relMean(c CrossPlane, w, h, x, y int) float64 {
	if c.Reliability == nil {
		return 1
	}
	x, y = dsp.Mirror(x, w), dsp.Mirror(y, h)
	kx, ky := 1<<c.RelShiftW, 1<<c.RelShiftH
	var s float64
	n := 0
	for yy := y * ky; yy < min((y+1)*ky, c.Reliability.H); yy++ {
		for xx := x * kx; xx < min((x+1)*kx, c.Reliability.W); xx++ {
			s += float64(c.Reliability.Pix[yy*c.Reliability.Stride+xx])
			n++
		}
	}
	return s / float64(n)
}

func TestCrossMatchesReference(t *testing.T) {
	cases := []struct {
		w, h    int
		p       Params
		cp      CrossParams
		planes  int
		shift   int  // reliability at 2^shift the size
		rel     bool // with reliability
		threads int
	}{
		{1, 1, Params{PatchRadius: 1, SearchRadius: 2, H: 10, Sigma: 10}, CrossParams{SearchRadius: 1}, 1, 0, false, 1},
		{7, 5, Params{PatchRadius: 1, SearchRadius: 3, H: 10, Sigma: 10}, CrossParams{SearchRadius: 2}, 2, 0, true, 1},
		{33, 17, Params{PatchRadius: 2, SearchRadius: 2, H: 12, Sigma: 20}, CrossParams{SearchRadius: 1, H: 9, Sigma: 15}, 2, 1, true, 1},
		{31, 101, Params{PatchRadius: 2, SearchRadius: 5, H: 15, Sigma: 20}, CrossParams{SearchRadius: 2}, 4, 0, true, 3},
		{45, 120, Params{PatchRadius: 1, SearchRadius: 1, H: 10, Sigma: 10}, CrossParams{SearchRadius: 3}, 1, 1, true, 2},
		{64, 90, Params{PatchRadius: 2, SearchRadius: 1, H: 14, Sigma: 20}, CrossParams{SearchRadius: 1, PatchRadius: 3, H: 9}, 2, 1, true, 2},
		// patches of another size for the cross candidates, both ways
		{41, 110, Params{PatchRadius: 1, SearchRadius: 4, H: 12, Sigma: 20}, CrossParams{SearchRadius: 1, PatchRadius: 3, H: 8}, 2, 1, true, 2},
		{38, 99, Params{PatchRadius: 3, SearchRadius: 2, H: 12, Sigma: 20}, CrossParams{SearchRadius: 2, PatchRadius: 1, H: 8}, 2, 0, true, 3},
		// spatial part off: cross candidates only
		{29, 60, Params{PatchRadius: 2, SearchRadius: 0, H: 10, Sigma: 10}, CrossParams{SearchRadius: 1}, 2, 0, true, 2},
		{23, 50, Params{PatchRadius: 0, SearchRadius: 2, H: 10}, CrossParams{SearchRadius: 0}, 2, 0, false, 2},
	}
	var overall float64
	defer func() { t.Logf("largest |fast − reference| over all cases: %.2e", overall) }()
	for ci, c := range cases {
		cur := randomPlane(c.w, c.h, c.w+2, uint64(ci+1))
		var cross []CrossPlane
		for k := 0; k < c.planes; k++ {
			cp := CrossPlane{Plane: randomPlane(c.w, c.h, c.w, uint64(100*ci+k))}
			// make the cross planes resemble cur so that weights are not all tiny
			for y := 0; y < c.h; y++ {
				a, b := cur.Row(y), cp.Plane.Row(y)
				for x := range b {
					b[x] = 0.7*a[x] + 0.3*b[x]
				}
			}
			if c.rel {
				rw, rh := c.w<<c.shift, c.h<<c.shift
				if c.shift > 0 {
					rw-- // an odd luma width
				}
				rel := randomPlane(max(rw, 1), rh, max(rw, 1), uint64(200*ci+k))
				cp.Reliability, cp.RelShiftW, cp.RelShiftH = rel, c.shift, c.shift
			}
			cross = append(cross, cp)
		}
		want := referenceST(cur, cross, c.p, c.cp)
		dst := &frame.Plane{W: c.w, H: c.h, Stride: c.w + 1, Pix: make([]float32, (c.w+1)*c.h)}
		d := STDenoiser{Threads: c.threads}
		for range 2 { // the second call reuses the scratch
			if err := d.Denoise(dst, cur, cross, c.p, c.cp); err != nil {
				t.Fatal(err)
			}
		}
		var worst float64
		for y := 0; y < c.h; y++ {
			for x, v := range dst.Row(y) {
				worst = max(worst, math.Abs(float64(v)-want[y*c.w+x]))
			}
		}
		overall = max(overall, worst)
		if worst > 1e-4 {
			t.Errorf("case %d %dx%d %v %+v: max |fast − reference| = %.2e", ci, c.w, c.h, c.p, c.cp, worst)
		}
	}
}

// TestCrossWithoutPlanesIsSpatial checks that with no cross planes the result is the
// PlaneDenoiser's.
func TestCrossWithoutPlanesIsSpatial(t *testing.T) {
	src := randomPlane(77, 130, 77, 9)
	p := Params{PatchRadius: 2, SearchRadius: 5, H: 12, Sigma: 20}
	a := &frame.Plane{W: 77, H: 130, Stride: 77, Pix: make([]float32, 77*130)}
	b := &frame.Plane{W: 77, H: 130, Stride: 77, Pix: make([]float32, 77*130)}
	pd := PlaneDenoiser{Threads: 2}
	sd := STDenoiser{Threads: 2}
	if err := pd.Denoise(a, src, p); err != nil {
		t.Fatal(err)
	}
	if err := sd.Denoise(b, src, nil, p, CrossParams{SearchRadius: 2}); err != nil {
		t.Fatal(err)
	}
	for i := range a.Pix {
		if a.Pix[i] != b.Pix[i] {
			t.Fatalf("sample %d: %g against the plane denoiser's %g", i, b.Pix[i], a.Pix[i])
		}
	}
}

func TestCrossInPlaceAndAllocations(t *testing.T) {
	cur := randomPlane(64, 100, 64, 3)
	nb := randomPlane(64, 100, 64, 4)
	rel := randomPlane(127, 200, 127, 5)
	cross := []CrossPlane{{Plane: nb, Reliability: rel, RelShiftW: 1, RelShiftH: 1}, {Plane: nb}}
	p := Params{PatchRadius: 1, SearchRadius: 3, H: 10, Sigma: 10}
	cp := CrossParams{SearchRadius: 1}
	want := &frame.Plane{W: 64, H: 100, Stride: 64, Pix: make([]float32, 64*100)}
	d := STDenoiser{Threads: 2}
	if err := d.Denoise(want, cur, cross, p, cp); err != nil {
		t.Fatal(err)
	}
	got := &frame.Plane{W: 64, H: 100, Stride: 64, Pix: make([]float32, 64*100)}
	got.CopyFrom(cur)
	if err := d.Denoise(got, got, cross, p, cp); err != nil {
		t.Fatal(err)
	}
	for i := range want.Pix {
		if want.Pix[i] != got.Pix[i] {
			t.Fatalf("in place: sample %d is %g, want %g", i, got.Pix[i], want.Pix[i])
		}
	}
	if a := testing.AllocsPerRun(3, func() { _ = d.Denoise(want, cur, cross, p, cp) }); a != 0 {
		t.Errorf("Denoise allocates %v times per call", a)
	}
	if err := d.Denoise(want, cur, []CrossPlane{{Plane: randomPlane(3, 3, 3, 1)}}, p, cp); err == nil {
		t.Error("a cross plane of another size was accepted")
	}
}

// TestCrossSteps runs a call step by step, bands on two goroutines in an order that
// differs from Denoise's, cross planes given while bands already run: the result is the
// same to the bit.
func TestCrossSteps(t *testing.T) {
	cur := randomPlane(70, 230, 70, 11)
	var cross []CrossPlane
	for k := range 3 {
		cross = append(cross, CrossPlane{Plane: randomPlane(70, 230, 70, uint64(20+k)),
			Reliability: randomPlane(139, 460, 139, uint64(30+k)), RelShiftW: 1, RelShiftH: 1})
	}
	p := Params{PatchRadius: 2, SearchRadius: 3, H: 12, Sigma: 15}
	cp := CrossParams{SearchRadius: 1, PatchRadius: 3, H: 8, SpatialWeight: 0.4}
	want := &frame.Plane{W: 70, H: 230, Stride: 70, Pix: make([]float32, 70*230)}
	d := STDenoiser{Threads: 3}
	if err := d.Denoise(want, cur, cross, p, cp); err != nil {
		t.Fatal(err)
	}
	got := &frame.Plane{W: 70, H: 230, Stride: 70, Pix: make([]float32, 70*230)}
	s := STDenoiser{BandRows: 40, MaxBands: 100}
	nb, err := s.Begin(got, cur, len(cross), p, cp)
	if err != nil {
		t.Fatal(err)
	}
	if nb != 5 {
		t.Fatalf("%d bands, want 5", nb)
	}
	var wg sync.WaitGroup
	var set atomic.Int32 // cross planes given
	for g := range 2 {
		wg.Go(func() {
			for b := g; b < nb; b += 2 {
				s.RunStep(b, 0)
			}
			for k := range cross {
				for int(set.Load()) <= k {
					runtime.Gosched()
				}
				for b := g; b < nb; b += 2 {
					s.RunStep(b, k+1)
				}
			}
			for b := g; b < nb; b += 2 {
				s.RunStep(b, len(cross)+1)
			}
		})
	}
	for k := range cross {
		if err := s.SetCross(k, cross[k]); err != nil {
			t.Fatal(err)
		}
		set.Add(1)
	}
	wg.Wait()
	for i := range want.Pix {
		if d := math.Abs(float64(want.Pix[i] - got.Pix[i])); d > 1e-6 {
			t.Fatalf("sample %d: %g step by step, %g from Denoise", i, got.Pix[i], want.Pix[i])
		}
	}
	if err := s.SetCross(3, cross[0]); err == nil {
		t.Error("a fourth cross plane was accepted for a call of three")
	}
}

// TestCrossLateOutput: Begin may be given no output, and SetDst the output before the last
// steps, the only ones that write it: the same samples as Denoise, also when there is
// nothing to filter and the last step copies the plane; a plane of another size is refused.
func TestCrossLateOutput(t *testing.T) {
	cur := randomPlane(61, 97, 61, 41)
	cross := []CrossPlane{{Plane: randomPlane(61, 97, 61, 42)}, {Plane: randomPlane(61, 97, 61, 43)}}
	for _, p := range []Params{{PatchRadius: 2, SearchRadius: 3, H: 12, Sigma: 15}, {}} {
		cp := CrossParams{SearchRadius: 1, H: p.H}
		want := &frame.Plane{W: 61, H: 97, Stride: 61, Pix: make([]float32, 61*97)}
		d := STDenoiser{BandRows: 30, MaxBands: 10} // the same bands: the same sums
		if err := d.Denoise(want, cur, cross, p, cp); err != nil {
			t.Fatal(err)
		}
		s := STDenoiser{BandRows: 30, MaxBands: 10}
		nb, err := s.Begin(nil, cur, len(cross), p, cp)
		if err != nil {
			t.Fatal(err)
		}
		for k := range cross {
			if err := s.SetCross(k, cross[k]); err != nil {
				t.Fatal(err)
			}
		}
		for step := 0; step <= len(cross); step++ {
			for b := range nb {
				s.RunStep(b, step)
			}
		}
		if err := s.SetDst([3]*frame.Plane{{W: 60, H: 97, Stride: 60, Pix: make([]float32, 60*97)}}); err == nil {
			t.Error("SetDst took a plane of another size")
		}
		got := &frame.Plane{W: 61, H: 97, Stride: 61, Pix: make([]float32, 61*97)}
		if err := s.SetDst([3]*frame.Plane{got}); err != nil {
			t.Fatal(err)
		}
		for b := range nb {
			s.RunStep(b, len(cross)+1)
		}
		for i := range want.Pix {
			if got.Pix[i] != want.Pix[i] {
				t.Fatalf("h=%g sample %d: %g with the output given late, %g from Denoise", p.H, i, got.Pix[i], want.Pix[i])
			}
		}
	}
}
