package impulse

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/frame"
)

// synthetic returns a w×h plane (smooth shading with a few edges) at the given bit depth with
// AWGN of sigma (0–255 scale), then a share sp of salt and pepper or rv of random values,
// quantised to the depth, and which pixels got an impulse with their clean values.
func synthetic(w, h, depth int, sigma, sp, rv float64, seed uint64) (p *frame.Plane, imp []bool, clean []float32) {
	rng := rand.New(rand.NewPCG(seed, 5))
	mc := float64(int(1)<<depth - 1)
	p = &frame.Plane{W: w, H: h, Stride: w, Pix: make([]float32, w*h)}
	imp = make([]bool, w*h)
	clean = make([]float32, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := 0.45 + 0.25*math.Sin(float64(x)/23)*math.Cos(float64(y)/31)
			if (x/40+y/40)%2 == 0 {
				c += 0.15
			}
			v := c + sigma/255*rng.NormFloat64()
			switch u := rng.Float64(); {
			case u < sp:
				v = float64(rng.IntN(2))
				imp[y*w+x] = true
			case u < sp+rv:
				v = rng.Float64()
				imp[y*w+x] = true
			}
			v = math.Round(min(1, max(0, v))*mc) / mc
			p.Pix[y*w+x], clean[y*w+x] = float32(v), float32(c)
		}
	}
	return p, imp, clean
}

// rates returns the share of impulses more than minErr (8-bit codes) off that mask flags and
// the share of pixels without impulse that it flags.
func rates(mask, imp []bool, p *frame.Plane, clean []float32, minErr float64) (recall, falseAlarms float64) {
	var hit, n, fa, m int
	for i, flagged := range mask {
		if !imp[i] {
			m++
			if flagged {
				fa++
			}
			continue
		}
		if math.Abs(float64(p.Pix[i]-clean[i]))*255 > minErr {
			n++
			if flagged {
				hit++
			}
		}
	}
	return float64(hit) / float64(n), float64(fa) / float64(m)
}

func TestSaltPepperDetection(t *testing.T) {
	for _, depth := range []int{8, 10, 16} {
		p, imp, clean := synthetic(301, 203, depth, 10, 0.2, 0, uint64(depth))
		c, _ := NewCleaner(Options{Kind: SaltPepper})
		orig := append([]float32(nil), p.Pix...)
		c.Detect(p)
		recall, fa := rates(c.Mask(), imp, &frame.Plane{W: p.W, H: p.H, Stride: p.W, Pix: orig}, clean, 30)
		t.Logf("%d-bit, σ=10 + 20%% salt and pepper: recall %.4f, false alarms %.4f", depth, recall, fa)
		if recall < 0.995 || fa > 0.005 {
			t.Errorf("%d-bit: recall %.4f, false alarms %.4f", depth, recall, fa)
		}
	}
}

func TestRandomValuedDetection(t *testing.T) {
	p, imp, clean := synthetic(320, 240, 8, 10, 0, 0.1, 3)
	orig := &frame.Plane{W: p.W, H: p.H, Stride: p.W, Pix: append([]float32(nil), p.Pix...)}
	c, _ := NewCleaner(Options{Kind: RandomValued, Threads: 2})
	c.Detect(p)
	r1, fa1 := rates(c.Mask(), imp, orig, clean, 40)
	if _, err := c.Clean(p); err != nil {
		t.Fatal(err)
	}
	r2, fa2 := rates(c.Mask(), imp, orig, clean, 40)
	t.Logf("σ=10 + 10%% random-valued, impulses > 40 codes off: median-type detector recall %.4f false alarms %.4f; refined recall %.4f false alarms %.4f", r1, fa1, r2, fa2)
	if r2 < 0.95 || fa2 > 0.01 || r2 < r1 {
		t.Errorf("refined recall %.4f, false alarms %.4f (first pass %.4f, %.4f)", r2, fa2, r1, fa1)
	}
}

// TestCleanRestoresImpulses checks the replacement: after cleaning, the pixels that had an
// impulse are close to the clean image, the others untouched.
func TestCleanRestoresImpulses(t *testing.T) {
	p, imp, clean := synthetic(256, 256, 8, 5, 0.2, 0, 11)
	orig := append([]float32(nil), p.Pix...)
	c, _ := NewCleaner(Options{})
	if _, err := c.Clean(p); err != nil {
		t.Fatal(err)
	}
	var se float64
	var n int
	for i, v := range p.Pix {
		if c.Mask()[i] {
			continue
		}
		if v != orig[i] {
			t.Fatalf("pixel %d outside Δ changed", i)
		}
	}
	for i := range imp {
		if imp[i] {
			d := float64(p.Pix[i]-clean[i]) * 255
			se += d * d
			n++
		}
	}
	if rmse := math.Sqrt(se / float64(n)); rmse > 8 {
		t.Errorf("impulse pixels restored with RMSE %.2f codes, want ≤ 8", rmse)
	}
}

func TestFiltersOnYUV420(t *testing.T) {
	fr := frame.New(frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 10}, 97, 63)
	for i := range fr.Planes {
		p, _, _ := synthetic(fr.Planes[i].W, fr.Planes[i].H, 10, 8, 0.1, 0, uint64(i))
		fr.Planes[i].CopyFrom(p)
	}
	for _, mk := range []func() (*Filter, error){
		func() (*Filter, error) { return New(Options{}) },
		func() (*Filter, error) { return NewWithNLM(Options{Threads: 2}, nlm.Options{}) },
	} {
		f, err := mk()
		if err != nil {
			t.Fatal(err)
		}
		var sig []float64
		f.opt.OnSigma = func(_ int64, s float64) { sig = append(sig, s) }
		in := frame.New(fr.Format, fr.W, fr.H)
		in.CopyFrom(fr)
		out, err := f.Process(in)
		if err != nil {
			t.Fatal(err)
		}
		for i := range out.Planes {
			ext := 0
			for _, v := range out.Planes[i].Pix {
				if v == 0 || v == 1 {
					ext++
				}
			}
			if ext > len(out.Planes[i].Pix)/200 {
				t.Errorf("%s: plane %d keeps %d extreme samples", label(f), i, ext)
			}
		}
		if len(sig) != 1 || math.Abs(sig[0]-8) > 2 {
			t.Errorf("%s: OnSigma reported %v, want one σ ≈ 8", label(f), sig)
		}
	}
}

func TestProcessSteadyStateDoesNotAllocate(t *testing.T) {
	fr := frame.New(frame.Format{Layout: frame.Gray, BitDepth: 8}, 120, 90)
	p, _, _ := synthetic(120, 90, 8, 10, 0, 0.1, 1)
	for _, threads := range []int{1, 2} {
		f, _ := NewWithNLM(Options{Threads: threads}, nlm.Options{})
		run := func() {
			fr.Planes[0].CopyFrom(p)
			f.Process(fr)
		}
		run()
		run()
		if a := testing.AllocsPerRun(3, run); a != 0 {
			t.Errorf("threads %d: Process allocates %v times per frame", threads, a)
		}
	}
}

// TestUnknownKind: an unknown impulse kind is refused. (The stage names of modes impulse and
// impulse+nlm are modes' business: modes.TestFilterStageNames.)
func TestUnknownKind(t *testing.T) {
	a, _ := New(Options{})
	b, _ := NewWithNLM(Options{}, nlm.Options{})
	if a.WithNLM() || !b.WithNLM() {
		t.Errorf("with NLM: %v, %v", a.WithNLM(), b.WithNLM())
	}
	if _, err := New(Options{Kind: 7}); err == nil {
		t.Error("unknown kind accepted")
	}
}

// label names f in test messages and benchmarks, as the modes that run it are named.
func label(f *Filter) string {
	if f.WithNLM() {
		return "impulse+nlm"
	}
	return "impulse"
}

// TestStrideAndTinyPlanes: a plane with padding after each row cleans exactly like a packed
// one, and planes down to 1×1 go through every mode.
func TestStrideAndTinyPlanes(t *testing.T) {
	p, _, _ := synthetic(67, 45, 8, 10, 0.05, 0.05, 2)
	q := &frame.Plane{W: p.W, H: p.H, Stride: p.W + 7, Pix: make([]float32, (p.W+7)*p.H)}
	q.CopyFrom(p)
	for _, kind := range []Kind{Auto, SaltPepper, RandomValued} {
		a, _ := NewCleaner(Options{Kind: kind, Threads: 2})
		b, _ := NewCleaner(Options{Kind: kind})
		pa := &frame.Plane{W: p.W, H: p.H, Stride: p.W, Pix: append([]float32(nil), p.Pix...)}
		qb := &frame.Plane{W: q.W, H: q.H, Stride: q.Stride, Pix: append([]float32(nil), q.Pix...)}
		sa, _ := a.Clean(pa)
		sb, _ := b.Clean(qb)
		if sa != sb {
			t.Errorf("%v: σ %v with stride %d, %v with stride %d", kind, sa, pa.Stride, sb, qb.Stride)
		}
		for y := 0; y < p.H; y++ {
			ra, rb := pa.Row(y), qb.Row(y)
			for x := range ra {
				if ra[x] != rb[x] {
					t.Fatalf("%v: (%d,%d) %v with stride %d, %v with stride %d", kind, x, y, ra[x], pa.Stride, rb[x], qb.Stride)
				}
			}
		}
	}
	for _, sz := range [][2]int{{1, 1}, {2, 3}, {5, 1}, {3, 7}} {
		fr := frame.New(frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8}, sz[0], sz[1])
		for i := range fr.Planes {
			for j := range fr.Planes[i].Pix {
				fr.Planes[i].Pix[j] = float32(j%3) / 2
			}
		}
		for _, f := range []func() (*Filter, error){
			func() (*Filter, error) { return New(Options{}) },
			func() (*Filter, error) { return NewWithNLM(Options{Threads: 2}, nlm.Options{}) },
		} {
			g, _ := f()
			if _, err := g.Process(fr); err != nil {
				t.Errorf("%dx%d %s: %v", sz[0], sz[1], label(g), err)
			}
		}
	}
}

// TestClippedEdgeIsNoSaltOrPepper: Gaussian noise clipped on the bright (dark) side of a
// strong edge is no impulse, though the window's median may lie across the edge; replacing
// it by the far side adds error. Judged against the window's non-extreme median, cleaning
// flagged 272 pixels here and doubled the error (MSE ×255² 321 → 688); judged against the
// nearest non-extreme neighbours it flags a few bar corners (69) and adds a quarter (407).
func TestClippedEdgeIsNoSaltOrPepper(t *testing.T) {
	const w, h, sigma = 96, 64, 25.0
	rng := rand.New(rand.NewPCG(3, 3))
	p := &frame.Plane{W: w, H: h, Stride: w, Pix: make([]float32, w*h)}
	clean := make([]float32, w*h)
	for y := range h {
		for x := range w {
			// bars 8 px wide: bright at 250 (clipped half the time) and dark at 5
			c := 5.0 / 255
			if (x/8+y/16)%2 == 0 {
				c = 250.0 / 255
			}
			v := c + sigma/255*rng.NormFloat64()
			p.Pix[y*w+x], clean[y*w+x] = float32(math.Round(min(1, max(0, v))*255)/255), float32(c)
		}
	}
	mse := func() float64 {
		var s float64
		for i, v := range p.Pix {
			d := float64(v - clean[i])
			s += d * d
		}
		return s / float64(len(p.Pix))
	}
	before := mse()
	c, err := NewCleaner(Options{Kind: SaltPepper, Sigma: sigma})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Clean(p); err != nil {
		t.Fatal(err)
	}
	after := mse()
	t.Logf("flagged %d of %d; MSE ×255² %.1f → %.1f", c.FoundSaltPepper, w*h, before*255*255, after*255*255)
	if after > 1.5*before || c.FoundSaltPepper > 120 {
		t.Errorf("clipped Gaussian noise at edges taken for salt and pepper: %d flagged, MSE ×255² %.1f → %.1f",
			c.FoundSaltPepper, before*255*255, after*255*255)
	}
}

// TestFineDetailIsNoImpulse: thin lines, diagonal lines and specks of high contrast under
// Gaussian noise of σ = 5 stand out of their 3×3 median like impulses; the verification and
// the declustering must keep them out of Δ while sparse impulses scattered over the picture
// are still found. (A single dot far from any other is an impulse as far as one picture can
// tell, and so is each dot of a texture coarser than the patches.)
func TestFineDetailIsNoImpulse(t *testing.T) {
	const w, h, sigma = 128, 96, 5.0
	rng := rand.New(rand.NewPCG(7, 7))
	p, detail := detailPicture(w, h, sigma, 100, rng, func(x, y int) float64 {
		switch {
		case x%16 == 3, y%24 == 5, (x+y)%32 == 0: // 1-px lines, some crossing
			return 200
		case x%32 == 20 && y%24 == 14: // 2-px specks
			return 20
		case x%32 == 21 && y%24 == 14:
			return 30
		}
		return 100
	})
	// impulses at 0.3 %, away from the detail (one beside a line, of a like value, would
	// extend it)
	imp := make([]bool, w*h)
	near := func(k int) bool {
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				if j := k + dy*w + dx; j >= 0 && j < w*h && detail[j] {
					return true
				}
			}
		}
		return false
	}
	for range w * h * 3 / 1000 {
		k := rng.IntN(w * h)
		if near(k) || imp[k] {
			continue
		}
		imp[k] = true
		p.Pix[k] = float32(160+rng.IntN(20)) / 255 // 60–80 codes above the background
		if rng.IntN(2) == 0 {
			p.Pix[k] = float32(30+rng.IntN(20)) / 255
		}
	}
	c, err := NewCleaner(Options{Kind: RandomValued, Sigma: sigma, Refine: -1})
	if err != nil {
		t.Fatal(err)
	}
	c.Detect(p)
	lost, _, hits, imps := flagCounts(c.Mask(), detail, imp)
	t.Logf("detail pixels flagged %d; impulses found %d of %d", lost, hits, imps)
	if lost > 0 {
		t.Errorf("%d pixels of fine detail taken for impulses", lost)
	}
	if hits < imps*9/10 {
		t.Errorf("found %d of %d impulses", hits, imps)
	}
}

// TestWhiteDetailIsNoSalt: a one-pixel white line and a white square, clipped by Gaussian noise
// of σ = 25, stand as far from their neighbours as salt does; with salt rare they must stay
// out of Δ (but for a pixel whose neighbours along the line all fell more than σ below white:
// at most 1 in 20), while isolated salt and pepper is still found.
func TestWhiteDetailIsNoSalt(t *testing.T) {
	const w, h, sigma = 256, 192, 25.0
	rng := rand.New(rand.NewPCG(9, 9))
	p, detail := detailPicture(w, h, sigma, 110, rng, func(x, y int) float64 {
		if x == 40 && y >= 20 && y < 80 || x >= 80 && x < 83 && y >= 50 && y < 53 {
			return 255
		}
		return 110
	})
	imp := make([]bool, w*h)
	for i := range 48 { // 0.1 %, on a grid away from the detail
		k := (8+i/8*30)*w + 10 + i%8*30
		if x := k % w; x >= 38 && x <= 42 {
			k += 4
		}
		imp[k] = true
		p.Pix[k] = float32(i % 2)
	}
	c, err := NewCleaner(Options{Kind: SaltPepper, Sigma: sigma})
	if err != nil {
		t.Fatal(err)
	}
	c.Detect(p)
	lost, details, hits, imps := flagCounts(c.Mask(), detail, imp)
	t.Logf("detail pixels flagged %d of %d; impulses found %d of %d", lost, details, hits, imps)
	if lost*20 > details || hits < imps {
		t.Errorf("%d of %d white detail pixels taken for salt; %d of %d impulses found", lost, details, hits, imps)
	}
}

// detailPicture returns a w×h plane of clean(x, y) plus Gaussian noise of sigma, rounded and
// clipped to 8-bit codes, and which pixels are detail (clean value other than background).
func detailPicture(w, h int, sigma, background float64, rng *rand.Rand, clean func(x, y int) float64) (*frame.Plane, []bool) {
	p := &frame.Plane{W: w, H: h, Stride: w, Pix: make([]float32, w*h)}
	detail := make([]bool, w*h)
	for y := range h {
		for x := range w {
			c := clean(x, y)
			detail[y*w+x] = c != background
			p.Pix[y*w+x] = float32(math.Round(min(255, max(0, c+sigma*rng.NormFloat64()))) / 255)
		}
	}
	return p, detail
}

// flagCounts counts the detail pixels and the impulses, and how many of each mask flags.
func flagCounts(mask, detail, imp []bool) (lost, details, hits, imps int) {
	for k, m := range mask {
		if detail[k] {
			details++
			if m {
				lost++
			}
		}
		if imp[k] {
			imps++
			if m {
				hits++
			}
		}
	}
	return
}

// TestTextureIsNoImpulse: a fine texture under Gaussian noise of σ = 10 stands out of its 3×3
// median like impulses here and there, but without any sample far from what its
// neighbourhood says the picture shows no random-valued impulses: nothing may be flagged
// (357 were before that test). With 2 % of uniform random-valued impulses the test must not
// stand in the way: those still found (in such a texture, about half of them).
func TestTextureIsNoImpulse(t *testing.T) {
	const w, h, sigma = 128, 128, 10.0
	texture := func(x, y int) float64 {
		fx, fy := float64(x), float64(y)
		return 110 + 35*math.Sin(2.1*fx+0.7*fy) + 25*math.Sin(1.3*fy-0.4*fx) + 15*math.Sin(0.9*(fx+fy))
	}
	for _, density := range []float64{0, 0.02} {
		rng := rand.New(rand.NewPCG(3, 9))
		p, _ := detailPicture(w, h, sigma, -1, rng, texture)
		imp := make([]bool, w*h)
		for k := range imp {
			if rng.Float64() < density {
				imp[k] = true
				p.Pix[k] = float32(rng.IntN(256)) / 255
			}
		}
		c, err := NewCleaner(Options{Sigma: sigma})
		if err != nil {
			t.Fatal(err)
		}
		c.Detect(p)
		_, _, hits, imps := flagCounts(c.Mask(), make([]bool, w*h), imp)
		flagged := c.FoundSaltPepper + c.FoundRandomValued
		t.Logf("impulses %.0f %%: flagged %d, impulses found %d of %d", 100*density, flagged, hits, imps)
		switch {
		case density == 0 && flagged > 0:
			t.Errorf("%d samples of texture taken for impulses", flagged)
		case density > 0 && hits < imps/2:
			t.Errorf("found %d of %d impulses", hits, imps)
		}
	}
}

// TestClippedNoiseIsNoSalt: bright areas (150–240) under Gaussian noise of σ = 25 clip many
// samples to white, some of them 2σ above their neighbours; with no salt far above its
// neighbours the picture shows no salt and pepper, and none may be flagged (7 were before
// that test). With 1 % of salt and pepper added it is found.
func TestClippedNoiseIsNoSalt(t *testing.T) {
	const w, h, sigma = 160, 96, 25.0
	for _, density := range []float64{0, 0.01} {
		rng := rand.New(rand.NewPCG(5, 1))
		p, _ := detailPicture(w, h, sigma, -1, rng, func(x, y int) float64 { return 150 + 90*float64(x)/w })
		imp := make([]bool, w*h)
		for k := range imp {
			if rng.Float64() < density {
				imp[k] = true
				p.Pix[k] = float32(255 * rng.IntN(2))
			}
		}
		c, err := NewCleaner(Options{Sigma: sigma, Kind: SaltPepper})
		if err != nil {
			t.Fatal(err)
		}
		c.Detect(p)
		_, _, hits, imps := flagCounts(c.Mask(), make([]bool, w*h), imp)
		t.Logf("salt and pepper %.0f %%: flagged %d, found %d of %d", 100*density, c.FoundSaltPepper, hits, imps)
		switch {
		case density == 0 && c.FoundSaltPepper > 0:
			t.Errorf("%d clipped samples taken for salt", c.FoundSaltPepper)
		case density > 0 && hits < imps*9/10:
			t.Errorf("found %d of %d", hits, imps)
		}
	}
}

// TestDarkLinesAreNoPepper: thin black lines (a frame line at the top and left, one every 8
// rows) under Gaussian noise of σ = 25 clip to 0 in half their samples, and those stand out
// of their grey neighbourhood like pepper; there are too many for the rare-pepper rule (932 of
// 2,004 line samples were flagged before the line test). They lie on lines of like samples,
// impulses do not: without impulses under 2 % of the line samples may be flagged (those whose
// neighbours on the line all lie over σ from 0), and with 20 % salt and pepper 95 % of the
// impulses off the lines must still be found.
func TestDarkLinesAreNoPepper(t *testing.T) {
	const w, h, sigma = 160, 96, 25.0
	for _, density := range []float64{0, 0.2} {
		rng := rand.New(rand.NewPCG(7, 3))
		p, line := detailPicture(w, h, sigma, 120, rng, func(x, y int) float64 {
			if x == 0 || y%8 == 0 {
				return 0
			}
			return 120
		})
		imp := make([]bool, w*h)
		for k := range imp {
			if rng.Float64() < density {
				p.Pix[k] = float32(rng.IntN(2))
				imp[k] = !line[k]
			}
		}
		c, err := NewCleaner(Options{Sigma: sigma, Kind: SaltPepper})
		if err != nil {
			t.Fatal(err)
		}
		c.Detect(p)
		lost, lines, hits, imps := flagCounts(c.Mask(), line, imp)
		t.Logf("salt and pepper %.0f %%: %d of %d line samples flagged, %d of %d impulses off the lines found", 100*density, lost, lines, hits, imps)
		if density == 0 && lost > lines/50 {
			t.Errorf("%d line samples taken for pepper", lost)
		}
		if density > 0 && hits < imps*95/100 {
			t.Errorf("found %d of %d impulses", hits, imps)
		}
	}
}

// TestSpecklesAreNoImpulse: a third of the picture is bright specks on a dark ground (snow on
// branches, lights far off), the rest smooth, under Gaussian noise of σ = 5. Specks stand out
// of their 3×3 median like impulses; with 1 % of uniform random-valued impulses in the smooth
// part the picture has impulses, and before the neighbour-range and busy-block tests 174 of
// the 489 speck pixels were flagged with them (40 now: the side of a speck lies within its
// neighbours' range, where an impulse rarely does). Under 10 % may be flagged, with or
// without the impulses (an isolated speck is an impulse as far as one picture can tell: 39
// without, 41 before), and 90 % of the impulses must still be found.
func TestSpecklesAreNoImpulse(t *testing.T) {
	const w, h, sigma = 192, 128, 5.0
	specks := make([]bool, w*h)
	rng := rand.New(rand.NewPCG(11, 5))
	for y := 1; y < h-2; y++ {
		for x := 1; x < w/3-2; x++ {
			if rng.Float64() < 0.03 { // a speck of 1×1 to 2×2
				sx, sy := 1+rng.IntN(2), 1+rng.IntN(2)
				for j := range sy {
					for i := range sx {
						specks[(y+j)*w+x+i] = true
					}
				}
			}
		}
	}
	for _, density := range []float64{0, 0.01} {
		rng := rand.New(rand.NewPCG(13, uint64(100*density)))
		p, speck := detailPicture(w, h, sigma, -1, rng, func(x, y int) float64 {
			if specks[y*w+x] {
				return 220
			}
			if x < w/3 {
				return 40
			}
			return 100 + 40*math.Sin(float64(x)/17)*math.Cos(float64(y)/23)
		})
		for k := range speck {
			speck[k] = specks[k]
		}
		imp := make([]bool, w*h)
		for k := range imp {
			if x := k % w; x >= w/3+2 && rng.Float64() < density {
				v := float32(rng.IntN(256)) / 255
				if d := v - p.Pix[k]; d > 40.0/255 || d < -40.0/255 { // an impulse worth finding
					imp[k] = true
				}
				p.Pix[k] = v
			}
		}
		c, err := NewCleaner(Options{})
		if err != nil {
			t.Fatal(err)
		}
		c.Detect(p)
		lost, specked, hits, imps := flagCounts(c.Mask(), speck, imp)
		t.Logf("impulses %.0f %%: %d of %d speck pixels flagged, %d of %d impulses found (sp %d rv %d)", 100*density, lost, specked, hits, imps, c.FoundSaltPepper, c.FoundRandomValued)
		if lost > specked/10 {
			t.Errorf("impulses %.0f %%: %d of %d speck pixels taken for impulses", 100*density, lost, specked)
		}
		if density > 0 && hits < imps*9/10 {
			t.Errorf("found %d of %d impulses", hits, imps)
		}
	}
}
