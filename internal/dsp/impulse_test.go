package dsp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestMirrorEdge(t *testing.T) {
	for _, c := range []struct{ i, n, want int }{
		{0, 1, 0}, {-5, 1, 0}, {7, 1, 0},
		{-1, 5, 0}, {-2, 5, 1}, {5, 5, 4}, {6, 5, 3}, {4, 5, 4},
		{-6, 5, 4}, {10, 5, 0}, {-11, 5, 0}, // more than one reflection
		{-1, 2, 0}, {2, 2, 1}, {3, 2, 0},
	} {
		if got := MirrorEdge(c.i, c.n); got != c.want {
			t.Errorf("MirrorEdge(%d, %d) = %d, want %d", c.i, c.n, got, c.want)
		}
	}
}

func TestPadPlaneEdge(t *testing.T) {
	for _, w := range parityWidths {
		for _, h := range []int{1, 2, 5, 9} {
			for _, pad := range []int{0, 1, 3, 9} {
				// the whole plane, and bands of rows at the top, inside and at the bottom
				for _, rows := range [][2]int{{0, h}, {0, (h + 1) / 2}, {h / 3, 2 * h / 3}, {h / 2, h}} {
					y0, y1 := rows[0], rows[1]
					if y1 <= y0 {
						continue
					}
					src := make([]float32, (w+3)*h)
					mask := make([]bool, w*h)
					for i := range src {
						src[i] = float32(i)
					}
					for i := range mask {
						mask[i] = i%3 == 0
					}
					stride := w + 2*pad + 5
					n := stride * (y1 - y0 + 2*pad)
					g := newGuardedF32(n, 3)
					PadPlaneEdge(g.Data, stride, pad, src, w+3, w, h, y0, y1)
					g.check(t, "PadPlaneEdge")
					k := newGuardedF32(n, 1)
					PadMaskEdge(k.Data, stride, pad, mask, w, h, y0, y1)
					k.check(t, "PadMaskEdge")
					for y := y0 - pad; y < y1+pad; y++ {
						for x := -pad; x < w+pad; x++ {
							sy, sx := MirrorEdge(y, h), MirrorEdge(x, w)
							o := (y-y0+pad)*stride + pad + x
							if got, want := g.Data[o], src[sy*(w+3)+sx]; got != want {
								t.Fatalf("w=%d h=%d pad=%d rows %d-%d: (%d,%d) = %g, want %g", w, h, pad, y0, y1, x, y, got, want)
							}
							want := float32(1)
							if mask[sy*w+sx] {
								want = 0
							}
							if got := k.Data[o]; got != want {
								t.Fatalf("mask w=%d h=%d pad=%d rows %d-%d: (%d,%d) = %g, want %g", w, h, pad, y0, y1, x, y, got, want)
							}
						}
					}
				}
			}
		}
	}
}

func TestWindowEdge(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 1))
	w, h, stride := 9, 6, 12
	pix := randF32(r, stride*h, 0, 1)
	for _, rad := range []int{1, 3} {
		for y := range h {
			for x := range w {
				got := WindowEdge(make([]float32, 0, 49), pix, stride, w, h, x, y, rad)
				var want []float32
				for j := y - rad; j <= y+rad; j++ {
					for i := x - rad; i <= x+rad; i++ {
						want = append(want, pix[MirrorEdge(j, h)*stride+MirrorEdge(i, w)])
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("r=%d (%d,%d): %v, want %v", rad, x, y, got, want)
				}
			}
		}
	}
}

func TestSaltPepperWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 2))
	lo, hi := float32(0.01), float32(0.99)
	for range 200 {
		win := randF32(r, 9+16*r.IntN(3), 0, 1)
		for i := range win {
			switch r.IntN(4) {
			case 0:
				win[i] = 0
			case 1:
				win[i] = 1
			}
		}
		v := float32(r.IntN(2))
		sorted := slices.Sorted(slices.Values(win))
		med := sorted[(len(sorted)-1)/2]
		var inner []float32
		for _, s := range sorted {
			if s > lo && s < hi {
				inner = append(inner, s)
			}
		}
		m, dist, ok := SaltPepperWindow(slices.Clone(win), v, lo, hi)
		if want := med > lo && med < hi; ok != want {
			t.Fatalf("%v: ok %v, want %v", win, ok, want)
		}
		if !ok {
			continue
		}
		k := len(inner)
		near := inner[k/3]
		if v >= hi {
			near = inner[k-1-k/3]
		}
		if m != inner[(k-1)/2] || dist != float32(math.Abs(float64(near-v))) {
			t.Fatalf("%v: m %g dist %g", win, m, dist)
		}
	}
}

func TestROAD(t *testing.T) {
	a, b, c := []float32{0.1, 0.5, 0.9}, []float32{0.2, 0.6, 0.3}, []float32{0.7, 0.4, 0.6}
	// |differences to 0.6|: .5 .1 .3 .4 .3 .1 .2 0 → sorted 0 .1 .1 .2 .3 .3 .4 .5
	for m, want := range []float32{0, 0, 0.1, 0.2, 0.4} {
		if got := ROAD(a, b, c, 0, 1, 2, m); math.Abs(float64(got-want)) > 1e-6 {
			t.Errorf("ROAD_%d = %g, want %g", m, got, want)
		}
	}
}

func TestExtremeAndDeviantIndexParity(t *testing.T) {
	needFast(t, fastExtremeIndex != nil && fastDeviantIndex != nil && fastAbsDiffRow != nil)
	r := rand.New(rand.NewPCG(8, 3))
	lo, hi := float32(0.5/255), float32(1-0.5/255)
	for _, w := range append(parityWidths, 64, 1280) {
		for off := range 3 {
			for trial := range 20 {
				row := randF32(r, w+off, 0.02, 0.98)[off:]
				ref := randF32(r, w+3, 0.3, 0.7)
				if trial > 0 { // one or two extremes or deviants somewhere (the first trial: none)
					for range 1 + trial%2 {
						i := r.IntN(w)
						row[i] = float32(r.IntN(2))
						if trial%3 == 0 {
							row[i] = lo // the bound itself counts
						}
					}
				}
				gi := fastExtremeIndex(row, lo, hi)
				checkUpperClean(t, "ExtremeIndex")
				if want := extremeIndexGeneric(row, lo, hi); gi != want {
					t.Fatalf("ExtremeIndex w %d: %d, reference %d", w, gi, want)
				}
				for _, th := range []float32{0.3, 0.45, 0.6} {
					got := fastDeviantIndex(row, ref, th)
					checkUpperClean(t, "DeviantIndex")
					if want := deviantIndexGeneric(row, ref, th); got != want {
						t.Fatalf("DeviantIndex w %d t %g: %d, reference %d", w, th, got, want)
					}
				}
				got, want := newGuardedF32(w, off), newGuardedF32(w, 0)
				fastAbsDiffRow(got.Data, row, ref)
				absDiffRowGeneric(want.Data, row, ref)
				got.check(t, "AbsDiffRow")
				compareF32(t, "AbsDiffRow", got.Data, want.Data)
			}
		}
	}
}

// impulseNLMCase is a padded w×h guide, values and keep mask with a border of pad.
type impulseNLMCase struct {
	guide, value, keep []float32
	stride, pad        int
	lut                []float32
	lutScale           float32
}

func newImpulseNLMCase(r *rand.Rand, w, h, f, rad int) *impulseNLMCase {
	pad := f + rad
	stride := w + 2*pad + 3 // wider than the padded row
	n := stride * (h + 2*pad)
	c := &impulseNLMCase{guide: randF32(r, n, 0, 1), value: randF32(r, n, 0, 1), keep: make([]float32, n), stride: stride, pad: pad}
	for i := range c.guide { // smooth, so that weights spread over the table
		c.guide[i] = 0.5 + 0.1*float32(math.Sin(float64(i%stride)/5)) + 0.02*c.guide[i]
	}
	for i := range c.keep {
		if r.IntN(5) > 0 {
			c.keep[i] = 1
		}
	}
	c.lut = make([]float32, 4097)
	for i := range 4096 {
		c.lut[i] = float32(math.Exp(-float64(i) / 700))
	}
	c.lutScale = 4096 / 0.05
	return c
}

func TestImpulseNLMParity(t *testing.T) {
	needFast(t, fastImpulseNLM != nil)
	r := rand.New(rand.NewPCG(8, 4))
	for _, f := range []int{0, 1, 2, 4} {
		for _, rad := range []int{1, 3, 4, 5, 7, 10} {
			w, h := 13, 7
			c := newImpulseNLMCase(r, w, h, f, rad)
			for y := range h {
				for x := range w {
					i := (y+c.pad)*c.stride + x + c.pad
					gv, gok := fastImpulseNLM(c.guide, c.value, c.keep, c.stride, i, f, rad, c.lut, c.lutScale)
					checkUpperClean(t, "ImpulseNLM")
					wv, wok := impulseNLMGeneric(c.guide, c.value, c.keep, c.stride, i, f, rad, c.lut, c.lutScale)
					if gok != wok || math.Float32bits(gv) != math.Float32bits(wv) {
						t.Fatalf("f %d rad %d (%d,%d): %g %v, reference %g %v", f, rad, x, y, gv, gok, wv, wok)
					}
				}
			}
		}
	}
}

func BenchmarkImpulseNLM(b *testing.B) {
	r := rand.New(rand.NewPCG(8, 5))
	const w, h, f, rad = 64, 32, 2, 5
	c := newImpulseNLMCase(r, w, h, f, rad)
	var sink float32
	for _, im := range []struct {
		name string
		k    func(guide, value, keep []float32, stride, c, f, rad int, lut []float32, lutScale float32) (float32, bool)
	}{{"generic", impulseNLMGeneric}, {"avx2", fastImpulseNLM}} {
		if im.k == nil {
			continue
		}
		b.Run(fmt.Sprintf("%s/pixels%d", im.name, w*h), func(b *testing.B) {
			for b.Loop() {
				for y := range h {
					for x := range w {
						v, _ := im.k(c.guide, c.value, c.keep, c.stride, (y+c.pad)*c.stride+x+c.pad, f, rad, c.lut, c.lutScale)
						sink += v
					}
				}
			}
		})
	}
	_ = sink
}

func BenchmarkExtremeIndex720p(b *testing.B) {
	r := rand.New(rand.NewPCG(8, 6))
	p := randF32(r, 1280*720, 0.02, 0.98)
	for _, im := range []struct {
		name string
		k    func(row []float32, lo, hi float32) int
	}{{"generic", extremeIndexGeneric}, {"avx2", fastExtremeIndex}} {
		if im.k == nil {
			continue
		}
		b.Run(im.name, func(b *testing.B) {
			for b.Loop() {
				for y := range 720 {
					row := p[y*1280 : (y+1)*1280]
					for x := 0; x < len(row); {
						x += im.k(row[x:], 0.01, 0.99) + 1
					}
				}
			}
		})
	}
}

func TestExtremePairCountsParity(t *testing.T) {
	needFast(t, fastExtremePairCounts != nil)
	r := rand.New(rand.NewPCG(8, 7))
	lo, hi := float32(0.05), float32(0.95)
	for _, w := range append(parityWidths, 10, 11, 18, 64, 1280) {
		for off := range 3 {
			for _, share := range []int{2, 5, 20} { // one in share samples at an extreme
				rows := make([][]float32, 3)
				for i := range rows {
					rows[i] = randF32(r, w+off, 0.1, 0.9)[off:]
					for x := range rows[i] {
						if r.IntN(share) == 0 {
							rows[i][x] = float32(r.IntN(2))
						}
					}
				}
				for _, ac := range [][2][]float32{{rows[0], rows[2]}, {nil, rows[2]}, {rows[0], nil}} {
					gs, gp := fastExtremePairCounts(ac[0], rows[1], ac[1], lo, hi)
					checkUpperClean(t, "ExtremePairCounts")
					ws, wp := extremePairCountsGeneric(ac[0], rows[1], ac[1], lo, hi)
					if gs != ws || gp != wp {
						t.Fatalf("w %d: salt %d pepper %d, reference %d %d", w, gs, gp, ws, wp)
					}
				}
			}
		}
	}
}

func TestExtremeNeighbours(t *testing.T) {
	// a line of salt through the middle sample, one pepper beside it
	a := []float32{1, 0.5, 0.5}
	b := []float32{0.5, 0.5, 0}
	c := []float32{0.5, 0.5, 1}
	if pair, one := ExtremeNeighbours(a, b, c, 1, 0.1, 0.9, true); !pair || !one {
		t.Errorf("salt: pair %v one %v", pair, one)
	}
	if pair, one := ExtremeNeighbours(a, b, c, 1, 0.1, 0.9, false); pair || !one {
		t.Errorf("pepper: pair %v one %v", pair, one)
	}
	if pair, one := ExtremeNeighbours(nil, b, nil, 0, 0.1, 0.9, true); pair || one {
		t.Errorf("edge: pair %v one %v", pair, one)
	}
}

func TestMaskedMedian3(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	w, h, stride := 7, 5, 9
	pix := randF32(r, stride*h, 0, 1)
	mask := make([]bool, w*h)
	for i := range mask {
		mask[i] = r.IntN(3) == 0
	}
	for y := range h {
		for x := range w {
			var want []float32
			for j := y - 1; j <= y+1; j++ {
				for i := x - 1; i <= x+1; i++ {
					if jj, ii := MirrorEdge(j, h), MirrorEdge(i, w); !mask[jj*w+ii] {
						want = append(want, pix[jj*stride+ii])
					}
				}
			}
			m, ok := MaskedMedian3(pix, stride, mask, w, h, x, y, make([]float32, 0, 9))
			if ok != (len(want) > 0) {
				t.Fatalf("(%d,%d): ok %v with %d unmasked", x, y, ok, len(want))
			}
			if ok {
				slices.Sort(want)
				if m != want[(len(want)-1)/2] {
					t.Fatalf("(%d,%d): %g, want %g", x, y, m, want[(len(want)-1)/2])
				}
			}
		}
	}
}

func TestImpulseWeightTable(t *testing.T) {
	lut := make([]float32, 4097)
	s2, h2 := 0.0016, 0.0036
	scale := ImpulseWeightTable(lut, s2, h2)
	if lut[4096] != 0 || lut[0] != 1 {
		t.Fatalf("ends %g %g", lut[0], lut[4096])
	}
	d2 := 3 * s2 // σ² beyond the offset 2σ², within a node (one node moves the weight ≈0.5 %)
	if got, want := float64(lut[int(d2*float64(scale))]), math.Exp(-s2/h2); math.Abs(got-want) > 1e-2 {
		t.Fatalf("weight at d² = 3σ²: %g, want %g", got, want)
	}
}

func TestLikeDeviantNeighbour(t *testing.T) {
	// a 3×3 plane: the centre 0.9, ref 0.5 everywhere
	pix := []float32{0.5, 0.5, 0.5, 0.5, 0.9, 0.5, 0.5, 0.5, 0.5}
	ref := []float32{0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}
	mask := make([]bool, 9)
	if LikeDeviantNeighbour(pix, 3, ref, mask, 3, 3, 1, 1, 0.1, 0.2) {
		t.Fatal("an isolated sample has a like neighbour")
	}
	pix[2] = 0.85 // like the centre, and 0.35 off its ref
	if !LikeDeviantNeighbour(pix, 3, ref, mask, 3, 3, 1, 1, 0.1, 0.2) {
		t.Fatal("a like, deviant neighbour not found")
	}
	pix[2], mask[6], pix[6] = 0.5, true, 0.95 // like and flagged, below its ref test
	ref[6] = 0.9
	if !LikeDeviantNeighbour(pix, 3, ref, mask, 3, 3, 1, 1, 0.1, 0.2) {
		t.Fatal("a like, flagged neighbour not found")
	}
}

// TestColourDiffWindow checks ColourDiffWindow against the window written out: the samples of
// the 5×5 window (mirrored), the centre left out, unflagged in both masks and strictly inside
// (lo, hi) in both planes.
func TestColourDiffWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	w, h, sa0, sb0 := 9, 7, 11, 13 // strides wider than the row, and unequal
	a, b := randF32(r, sa0*h, 0, 1), randF32(r, sb0*h, 0, 1)
	for i := range a {
		if r.IntN(8) == 0 {
			a[i] = 0
		}
	}
	for i := range b {
		if r.IntN(8) == 0 {
			b[i] = 1
		}
	}
	ma, mb := make([]bool, w*h), make([]bool, w*h)
	for i := range ma {
		ma[i], mb[i] = r.IntN(5) == 0, r.IntN(5) == 0
	}
	const lo, hi = 0.002, 0.998
	for y := range h {
		for x := range w {
			var want []float32
			var sa, saa, sd, sdd float64
			for j := y - 2; j <= y+2; j++ {
				for i := x - 2; i <= x+2; i++ {
					if i == x && j == y {
						continue
					}
					jj, ii := MirrorEdge(j, h), MirrorEdge(i, w)
					u, v := a[jj*sa0+ii], b[jj*sb0+ii]
					if ma[jj*w+ii] || mb[jj*w+ii] || u <= lo || u >= hi || v <= lo || v >= hi {
						continue
					}
					want = append(want, u-v)
					sa, saa = sa+float64(u), saa+float64(u)*float64(u)
					sd, sdd = sd+float64(u-v), sdd+float64(u-v)*float64(u-v)
				}
			}
			got, va, vd := ColourDiffWindow(a, sa0, b, sb0, ma, mb, w, h, x, y, 2, lo, hi, make([]float32, 0, 25))
			if !slices.Equal(got, want) {
				t.Fatalf("(%d,%d): differences %v, want %v", x, y, got, want)
			}
			if n := float64(len(want)); n > 0 {
				wa, wd := saa/n-(sa/n)*(sa/n), sdd/n-(sd/n)*(sd/n)
				if math.Abs(va-wa) > 1e-9 || math.Abs(vd-wd) > 1e-9 {
					t.Fatalf("(%d,%d): variances %g, %g, want %g, %g", x, y, va, vd, wa, wd)
				}
			}
		}
	}
}
