package quality

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

func mustParse(t *testing.T, spec string) Noise {
	t.Helper()
	n, err := ParseNoise(spec)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestParseNoiseRoundTrip(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"awgn:25", "awgn:25"},
		{"AWGN:25.0", "awgn:25"},
		{" awgn : 10 + sp:0.2 ", "awgn:10+sp:0.2"},
		{"sp:0.05+rv:0.1", "sp:0.05+rv:0.1"},
		{"pg:0.5:2", "pg:0.5:2"},
		{"rician:7.5", "rician:7.5"},
		{"awgn:1e+1+rv:1e-3", "awgn:10+rv:0.001"},
		{"pg:2:3,native,noround", "pg:2:3,native,noround"},
		{"awgn:3,NOCLIP,noround,native", "awgn:3,native,noround,noclip"},
		{"awgn:0", "awgn:0"},
		{"none", "none"},
		{"none,noclip", "none,noclip"},
		{"sp:1", "sp:1"},
	} {
		n := mustParse(t, c.in)
		if got := n.String(); got != c.want {
			t.Errorf("ParseNoise(%q).String() = %q, want %q", c.in, got, c.want)
		}
		back := mustParse(t, n.String())
		if !reflect.DeepEqual(back, n) {
			t.Errorf("%q: round trip gave %+v, want %+v", c.in, back, n)
		}
	}
	n := mustParse(t, "awgn:10+sp:0.2+pg:4:1+rician:3+rv:0.01")
	want := []Component{{Kind: AWGN, Sigma: 10}, {Kind: SaltPepper, P: 0.2},
		{Kind: PoissonGaussian, Gain: 4, Sigma: 1}, {Kind: Rician, Sigma: 3}, {Kind: RandomImpulse, P: 0.01}}
	if !reflect.DeepEqual(n.Parts, want) {
		t.Errorf("parts %+v, want %+v", n.Parts, want)
	}
	if !n.HasImpulses() || mustParse(t, "awgn:1+pg:1:1").HasImpulses() {
		t.Error("HasImpulses wrong")
	}
}

func TestParseNoiseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "no noise given"},
		{"gauss:25", `part 1 "gauss:25": unknown noise kind "gauss"`},
		{"awgn:10+sp:x", `part 2 "sp:x": probability "x" is not a number`},
		{"awgn:abc", `part 1 "awgn:abc": sigma "abc" is not a number`},
		{"awgn", `part 1 "awgn": awgn takes one SIGMA, got 0 value(s)`},
		{"awgn:1:2", "awgn takes one SIGMA, got 2"},
		{"pg:2", `part 1 "pg:2": pg takes GAIN:SIGMA, got 1`},
		{"pg:0:1", "gain 0 is not a finite number > 0"},
		{"pg:q:1", `gain "q" is not a number`},
		{"pg:1:w", `sigma "w" is not a number`},
		{"awgn:-1", "sigma -1 is not a finite number ≥ 0"},
		{"awgn:NaN", "sigma NaN"},
		{"awgn:inf", "sigma +Inf"},
		{"sp:1.5", `part 1 "sp:1.5": probability 1.5 is not in [0,1]`},
		{"rv:-0.1", "probability -0.1 is not in [0,1]"},
		{"awgn:10++sp:0.1", "part 2 \"\": empty"},
		{"awgn:10+", "part 2 \"\": empty"},
		{"awgn:10,fast", `option "fast" unknown`},
		{"none+awgn:1", `part 1 "none": unknown noise kind`},
	} {
		_, err := ParseNoise(c.in)
		if err == nil {
			t.Errorf("ParseNoise(%q): no error", c.in)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "quality: noise spec") {
			t.Errorf("ParseNoise(%q): %v; want it to contain %q", c.in, err, c.want)
		}
	}
	if err := (Noise{Parts: []Component{{Kind: AWGN, Sigma: -2}}}).Validate(); err == nil ||
		!strings.Contains(err.Error(), `part 1 "awgn:-2"`) {
		t.Errorf("Validate: %v", err)
	}
}

// constCodes returns n samples of code v.
func constCodes(n int, v float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = v
	}
	return x
}

func meanVar(x []float64) (float64, float64) {
	m := 0.0
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	s := 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return m, s / float64(len(x)-1)
}

func within(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s = %.6g, want %.6g within %.3g%%", what, got, want, 100*rel)
	}
}

const nStat = 400_000

func TestAWGNStatistics(t *testing.T) {
	for _, c := range []struct {
		spec      string
		bd        int
		level     float64
		wantSigma float64
	}{
		{"awgn:25", 8, 128, 25},
		{"awgn:5", 8, 40, 5},
		{"awgn:25", 16, 128 * 257, 25 * 257}, // 0–255 scale carried to 16 bits
		{"awgn:25,native", 16, 30000, 25},
		{"awgn:25,native", 10, 500, 25},
	} {
		x := constCodes(nStat, c.level)
		if m := mustParse(t, c.spec).ApplyCodes(x, c.bd, 1); m != nil {
			t.Errorf("%s: mask without impulses", c.spec)
		}
		m, v := meanVar(x)
		within(t, c.spec+" std", math.Sqrt(v), c.wantSigma, 0.02)
		within(t, c.spec+" mean", m, c.level, 0.002)
		for _, s := range x {
			if s != math.Round(s) {
				t.Fatalf("%s: sample %v not rounded", c.spec, s)
			}
		}
	}
}

func TestSaltPepperStatistics(t *testing.T) {
	x := constCodes(nStat, 128)
	mask := mustParse(t, "sp:0.2").ApplyCodes(x, 8, 7)
	hits, low := 0, 0
	for i, v := range x {
		switch {
		case mask[i] && v == 0:
			hits++
			low++
		case mask[i] && v == 255:
			hits++
		case mask[i] || v != 128:
			t.Fatalf("sample %d: %v with mask %v", i, v, mask[i])
		}
	}
	within(t, "sp fraction", float64(hits)/nStat, 0.2, 0.01)
	within(t, "pepper share", float64(low)/float64(hits), 0.5, 0.02)

	// 16-bit: salt is the largest code.
	x = constCodes(1000, 1000)
	mustParse(t, "sp:1").ApplyCodes(x, 16, 1)
	for _, v := range x {
		if v != 0 && v != 65535 {
			t.Fatalf("16-bit sp gave %v", v)
		}
	}
}

func TestRandomImpulseStatistics(t *testing.T) {
	x := constCodes(nStat, 100.5) // not a code: only impulses are integers after noround
	mask := mustParse(t, "rv:0.1,noround").ApplyCodes(x, 8, 3)
	var imp []float64
	lo, hi := 255.0, 0.0
	for i, v := range x {
		if mask[i] {
			imp = append(imp, v)
			lo, hi = min(lo, v), max(hi, v)
			if v != math.Round(v) {
				t.Fatalf("impulse %v not a code", v)
			}
		} else if v != 100.5 {
			t.Fatalf("sample %d changed to %v without an impulse", i, v)
		}
	}
	within(t, "rv fraction", float64(len(imp))/nStat, 0.1, 0.01)
	m, v := meanVar(imp)
	within(t, "rv impulse mean", m, 127.5, 0.01)
	within(t, "rv impulse variance", v, (256*256-1)/12.0, 0.02) // discrete uniform 0..255
	if lo != 0 || hi != 255 {
		t.Errorf("rv impulses span %v..%v, want 0..255", lo, hi)
	}
}

func TestPoissonGaussianStatistics(t *testing.T) {
	const gain, sigma = 2.0, 3.0
	prev := 0.0
	// Levels below and above 10·gain exercise both Poisson samplers.
	for _, level := range []float64{0, 5, 19, 50, 120, 230} {
		x := constCodes(nStat/2, level)
		mustParse(t, "pg:2:3,noround,noclip").ApplyCodes(x, 8, int64(level))
		m, v := meanVar(x)
		want := gain*level + sigma*sigma
		if math.Abs(m-level) > 5*math.Sqrt(want/float64(len(x))) { // 5 standard errors
			t.Errorf("pg level %v: mean %.4f", level, m)
		}
		within(t, "pg variance", v, want, 0.03)
		if v <= prev {
			t.Errorf("pg variance %v at level %v does not grow", v, level)
		}
		prev = v
	}
	// Pure shot noise: integer multiples of the gain, variance gain·mean.
	x := constCodes(nStat/2, 3)
	mustParse(t, "pg:0.5:0,noround,noclip").ApplyCodes(x, 8, 11)
	for _, v := range x[:1000] {
		if v/0.5 != math.Round(v/0.5) {
			t.Fatalf("pg:0.5:0 gave %v", v)
		}
	}
	_, v := meanVar(x)
	within(t, "shot variance", v, 1.5, 0.03)

	// 16 bits, 0–255 scale: variance s²·(gain·level/s + σ²) with s = 257.
	x = constCodes(nStat/2, 100*257)
	mustParse(t, "pg:2:3,noround,noclip").ApplyCodes(x, 16, 5)
	_, v = meanVar(x)
	within(t, "pg 16-bit variance", v, 257*257*(2*100+9), 0.03)
}

func TestRicianBias(t *testing.T) {
	const sigma = 10.0
	x := constCodes(nStat/2, 0)
	mustParse(t, "rician:10,noround,noclip").ApplyCodes(x, 8, 2)
	m, _ := meanVar(x)
	within(t, "rician mean at 0", m, sigma*math.Sqrt(math.Pi/2), 0.01) // 12.53: biased up
	for _, v := range x {
		if v < 0 {
			t.Fatalf("rician gave %v < 0", v)
		}
	}
	// Bright: E[z] ≈ sqrt(x² + σ²) ≈ x + σ²/(2x), a small bias.
	x = constCodes(nStat/2, 200)
	mustParse(t, "rician:10,noround,noclip").ApplyCodes(x, 8, 2)
	m, v := meanVar(x)
	if b := m - 200; b < 0.1 || b > 0.4 {
		t.Errorf("rician bias at 200 = %.3f, want ≈ 0.25", b)
	}
	within(t, "rician std at 200", math.Sqrt(v), sigma, 0.02)
}

func TestRoundClip(t *testing.T) {
	base := constCodes(20000, 250)
	run := func(spec string) []float64 {
		x := append([]float64(nil), base...)
		mustParse(t, spec).ApplyCodes(x, 8, 9)
		return x
	}
	var over, frac bool
	for _, v := range run("awgn:20") {
		if v < 0 || v > 255 || v != math.Round(v) {
			t.Fatalf("default awgn gave %v", v)
		}
	}
	for _, v := range run("awgn:20,noclip") {
		over = over || v > 255
		if v != math.Round(v) {
			t.Fatalf("noclip gave unrounded %v", v)
		}
	}
	for _, v := range run("awgn:20,noround") {
		frac = frac || v != math.Round(v)
		if v > 255 {
			t.Fatalf("noround gave unclipped %v", v)
		}
	}
	if !over || !frac {
		t.Errorf("noclip exceeded 255: %v; noround left fractions: %v", over, frac)
	}
	// Mixture: Gaussian first, impulses after, so impulses stay exact extremes.
	x := constCodes(20000, 128)
	mask := mustParse(t, "awgn:10+sp:0.2").ApplyCodes(x, 8, 4)
	for i, v := range x {
		if mask[i] && v != 0 && v != 255 {
			t.Fatalf("impulse after Gaussian is %v", v)
		}
	}
}

func testFrame(f frame.Format, w, h int) *frame.Frame {
	fr := frame.New(f, w, h)
	for i := range fr.Planes {
		p := &fr.Planes[i]
		for y := range p.H {
			for x, row := 0, p.Row(y); x < p.W; x++ {
				row[x] = float32((x*7+y*3+i*50)%256) / 255
			}
		}
	}
	return fr
}

func TestApplyDeterminism(t *testing.T) {
	n := mustParse(t, "awgn:10+sp:0.1")
	f420 := frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8, Alpha: true}
	a, b, c := testFrame(f420, 65, 33), testFrame(f420, 65, 33), testFrame(f420, 65, 33)
	ma := n.Apply(a, 42)
	mb := n.Apply(b, 42)
	mc := n.Apply(c, 43)
	if len(ma) != 4 || ma[3] != nil || len(ma[1]) != 33*17 {
		t.Fatalf("masks: %d planes, alpha %v, chroma %d", len(ma), ma[3] != nil, len(ma[1]))
	}
	if !reflect.DeepEqual(ma, mb) {
		t.Error("masks differ for one seed")
	}
	if reflect.DeepEqual(ma, mc) {
		t.Error("masks the same for seeds 42 and 43")
	}
	for i := range a.Planes {
		if !reflect.DeepEqual(a.Planes[i].Pix, b.Planes[i].Pix) {
			t.Errorf("plane %d differs for one seed", i)
		}
		if i < 3 && reflect.DeepEqual(a.Planes[i].Pix, c.Planes[i].Pix) {
			t.Errorf("plane %d the same for seeds 42 and 43", i)
		}
	}
	if !reflect.DeepEqual(a.Planes[3].Pix, testFrame(f420, 65, 33).Planes[3].Pix) {
		t.Error("alpha was noised")
	}
	if reflect.DeepEqual(a.Planes[1].Pix, a.Planes[2].Pix) {
		t.Error("U and V got the same noise")
	}
	// Every sample stays on the 8-bit code grid.
	for _, v := range a.Planes[0].Pix {
		if c := float64(v) * 255; math.Abs(c-math.Round(c)) > 1e-4 || v < 0 || v > 1 {
			t.Fatalf("sample %v is not a code in range", v)
		}
	}

	// A gray frame, its plane, and its codes draw the same noise.
	g := frame.Format{Layout: frame.Gray, BitDepth: 10}
	fa, fp := testFrame(g, 40, 30), testFrame(g, 40, 30)
	codes := make([]float64, 40*30)
	for i, v := range fp.Planes[0].Pix {
		codes[i] = float64(v) * 1023
	}
	n = mustParse(t, "pg:1:2+rv:0.05")
	m1 := n.Apply(fa, 5)
	m2 := n.ApplyPlane(&fp.Planes[0], 10, 5)
	m3 := n.ApplyCodes(codes, 10, 5)
	if !reflect.DeepEqual(m1[0], m2) || !reflect.DeepEqual(m2, m3) {
		t.Error("masks of Apply, ApplyPlane and ApplyCodes differ")
	}
	for i, v := range fa.Planes[0].Pix {
		if v != fp.Planes[0].Pix[i] || math.Abs(float64(v)*1023-codes[i]) > 1e-3 {
			t.Fatalf("sample %d: frame %v, plane %v, codes %v", i, v*1023, fp.Planes[0].Pix[i]*1023, codes[i])
		}
	}
	if n := mustParse(t, "awgn:3").Apply(fa, 1); n != nil {
		t.Error("mask returned without impulses")
	}
}

func TestApplyPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"bit depth 0": func() { mustParse(t, "awgn:1").ApplyCodes(make([]float64, 4), 0, 1) },
		"invalid": func() {
			Noise{Parts: []Component{{Kind: SaltPepper, P: 2}}}.ApplyCodes(make([]float64, 4), 8, 1)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
