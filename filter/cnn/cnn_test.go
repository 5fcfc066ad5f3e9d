package cnn

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
	"github.com/denoise-go/denoise/models"
)

// Test models (models/testdata): smoke is DnCNN 5×16 trained briefly on train400 at σ=25
// (see its card); tiny_rgb (3→3), tiny_sigma (gray + σ map → 1), tiny_guide (gray +
// guide + σ map → 1) and tiny_source (gray + guide + source + σ map → 1) are untrained 3×8
// nets with random weights and batch-norm statistics, written by `train.py init` and exported
// by train.py like any other.
const (
	smokeModel  = "../../models/testdata/smoke.onnx"
	smokeGolden = "../../models/testdata/smoke_golden.bin"
	rgbModel    = "../../models/testdata/tiny_rgb.onnx"
	sigmaModel  = "../../models/testdata/tiny_sigma.onnx"
	guideModel  = "../../models/testdata/tiny_guide.onnx"
	sourceModel = "../../models/testdata/tiny_source.onnx"
)

// needLibrary skips a test when no ONNX Runtime library can be found (scripts/setup.sh
// installs it; CI has it).
func needLibrary(t testing.TB) {
	t.Helper()
	p, found := ResolveLibrary("")
	if !found {
		t.Skipf("no ONNX Runtime library (run scripts/setup.sh or set %s)", LibraryEnv)
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("ONNX Runtime library %s: %v", p, err)
	}
}

func load(t testing.TB, opt Options) *Model {
	t.Helper()
	needLibrary(t)
	m, err := Load(opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newFilter(t testing.TB, m *Model) *Filter {
	t.Helper()
	f, err := m.NewFilter()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// testImage fills a plane with smooth structure, edges and noise, seeded.
func testImage(p *frame.Plane, seed uint64, sigma float32) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for y := 0; y < p.H; y++ {
		row := p.Row(y)
		for x := range row {
			v := 0.5 + 0.3*float32(math.Sin(float64(x)/9+float64(seed))*math.Cos(float64(y)/13))
			if (x/23+y/17)%2 == 0 {
				v += 0.15
			}
			v += sigma * float32(rng.NormFloat64())
			row[x] = min(max(v, 0), 1)
		}
	}
}

func grayFrame(w, h, depth int, seed uint64) *frame.Frame {
	f := frame.New(frame.Format{Layout: frame.Gray, BitDepth: depth}, w, h)
	testImage(&f.Planes[0], seed, 25.0/255)
	return f
}

// withGuideCopy returns a copy of in whose guide is a copy of guide.
func withGuideCopy(in, guide *frame.Frame) *frame.Frame {
	f := frame.New(in.Format, in.W, in.H)
	f.CopyFrom(in)
	g := frame.New(guide.Format, guide.W, guide.H)
	g.CopyFrom(guide)
	f.SetGuide(g)
	return f
}

func clonePlane(p *frame.Plane) *frame.Plane {
	c := &frame.Plane{W: p.W, H: p.H, Stride: p.W, Pix: make([]float32, p.W*p.H)}
	c.CopyFrom(p)
	return c
}

func maxDiff(t testing.TB, a, b *frame.Plane) float64 {
	t.Helper()
	if a.W != b.W || a.H != b.H {
		t.Fatalf("planes %dx%d and %dx%d", a.W, a.H, b.W, b.H)
	}
	var d float64
	for y := 0; y < a.H; y++ {
		ra, rb := a.Row(y), b.Row(y)
		for x := range ra {
			d = max(d, math.Abs(float64(ra[x]-rb[x])))
		}
	}
	return d
}

// reference denoises one plane without tiles: the whole plane, mirrored by the margin, in
// one RunRaw, then residual and clamp — what the tiled filter must reproduce.
func reference(t testing.TB, m *Model, p *frame.Plane, sigma float64) *frame.Plane {
	return referenceGuided(t, m, p, p, sigma)
}

// referenceGuided is reference with guide as the guide channel of a model that takes one
// (and as its source channel too, for a model that takes one).
func referenceGuided(t testing.TB, m *Model, p, guide *frame.Plane, sigma float64) *frame.Plane {
	return referenceSource(t, m, p, guide, guide, sigma)
}

// referenceSource is reference with the guide and source channels of a model that takes them.
func referenceSource(t testing.TB, m *Model, p, guide, source *frame.Plane, sigma float64) *frame.Plane {
	t.Helper()
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mg := m.Margin()
	w, h := p.W+2*mg, p.H+2*mg
	in := make([]float32, m.InChannels*w*h)
	chans := []*frame.Plane{p}
	if m.Guide {
		chans = append(chans, guide)
	}
	if m.Source {
		chans = append(chans, source)
	}
	for c, pl := range chans {
		for y := range h {
			dsp.MirrorRow(in[(c*h+y)*w:(c*h+y+1)*w], pl.Row(dsp.Mirror(y-mg, p.H)), -mg)
		}
	}
	if m.SigmaMap {
		for i := len(chans) * w * h; i < len(in); i++ {
			in[i] = SigmaMapValue(sigma)
		}
	}
	out, err := s.RunRaw(in, h, w)
	if err != nil {
		t.Fatal(err)
	}
	r := clonePlane(p)
	for y := range p.H {
		row := r.Row(y)
		for x := range row {
			i := (y+mg)*w + x + mg
			row[x] = clamp01(in[i] - out[i])
		}
	}
	return r
}

func TestGoldenMatchesPyTorch(t *testing.T) {
	m := load(t, Options{Model: smokeModel})
	b, err := os.ReadFile(smokeGolden)
	if err != nil {
		t.Fatal(err)
	}
	hdr := make([]int, 4)
	for i := range hdr {
		hdr[i] = int(binary.LittleEndian.Uint32(b[4*i:]))
	}
	cin, cout, h, w := hdr[0], hdr[1], hdr[2], hdr[3]
	vals := make([]float32, (len(b)-16)/4)
	for i := range vals {
		vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[16+4*i:]))
	}
	x, want := vals[:cin*h*w], vals[cin*h*w:]
	if len(want) != cout*h*w {
		t.Fatalf("golden file: %d output values, want %d", len(want), cout*h*w)
	}
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.RunRaw(x, h, w)
	if err != nil {
		t.Fatal(err)
	}
	var d float64
	for i := range got {
		d = max(d, math.Abs(float64(got[i]-want[i])))
	}
	if d > 1e-4 {
		t.Fatalf("ONNX Runtime vs PyTorch on %dx%d: max |difference| %.2e > 1e-4", w, h, d)
	}
	t.Logf("ONNX Runtime %s vs PyTorch: max |difference| %.1e", LibraryVersion(), d)
}

func TestSpec(t *testing.T) {
	m := load(t, Options{Model: smokeModel})
	if m.InChannels != 1 || m.OutChannels != 1 || m.ImageChannels != 1 || m.SigmaMap || !m.Residual || m.Radius != 5 || m.Margin() != 5 || m.FixedW != 0 {
		t.Errorf("smoke spec: %+v", m.Spec)
	}
	if m.Meta[MetaChain] != "none" {
		t.Errorf("smoke chain metadata %q", m.Meta[MetaChain])
	}
	r := load(t, Options{Model: rgbModel})
	if r.InChannels != 3 || r.ImageChannels != 3 || r.SigmaMap || r.Radius != 3 {
		t.Errorf("rgb spec: %+v", r.Spec)
	}
	s := load(t, Options{Model: sigmaModel, Overlap: 7})
	if s.InChannels != 2 || s.ImageChannels != 1 || !s.SigmaMap || s.Margin() != 7 {
		t.Errorf("sigma spec: %+v", s.Spec)
	}
	t.Log(m.Describe())
}

func TestShapeAndRange(t *testing.T) {
	m := load(t, Options{Model: smokeModel})
	f := newFilter(t, m)
	in := grayFrame(97, 61, 8, 1)
	before := clonePlane(&in.Planes[0])
	out, err := f.Process(in)
	if err != nil {
		t.Fatal(err)
	}
	if out.W != 97 || out.H != 61 || len(out.Planes) != 1 || out.Planes[0].W != 97 || out.Planes[0].H != 61 {
		t.Fatalf("output %dx%d with %d planes", out.W, out.H, len(out.Planes))
	}
	for _, v := range out.Planes[0].Pix {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("sample %v outside [0,1]", v)
		}
	}
	if d := maxDiff(t, before, &out.Planes[0]); d < 0.01 {
		t.Errorf("the model changed the frame by at most %.2g", d)
	}
}

// TestTilingMatchesWhole: a frame of odd size, larger than a tile, gives within 1e-4 what one
// pass over the whole frame gives, and the untiled filter matches the reference.
func TestTilingMatchesWhole(t *testing.T) {
	for _, name := range []string{smokeModel, sigmaModel} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			whole := load(t, Options{Model: name, Sigma: 20})
			tiled := load(t, Options{Model: name, Tile: 48, Sigma: 20})
			in := grayFrame(301, 217, 8, 2)
			ref := reference(t, whole, &in.Planes[0], 20)
			a, b := in, frame.New(in.Format, in.W, in.H)
			b.CopyFrom(in)
			if _, err := newFilter(t, whole).Process(a); err != nil {
				t.Fatal(err)
			}
			tf := newFilter(t, tiled)
			if _, err := tf.Process(b); err != nil {
				t.Fatal(err)
			}
			if n := tf.s.lay.nx * tf.s.lay.ny; n < 20 {
				t.Fatalf("only %d tiles", n)
			}
			if d := maxDiff(t, &a.Planes[0], ref); d > 1e-4 {
				t.Errorf("whole frame vs reference: %.2e", d)
			}
			if d := maxDiff(t, &a.Planes[0], &b.Planes[0]); d > 1e-4 {
				t.Errorf("tiled (%dx%d tiles) vs whole: max |difference| %.2e > 1e-4", tf.s.lay.nx, tf.s.lay.ny, d)
			}
		})
	}
	// and the test can see seams: too small an overlap differs
	m := load(t, Options{Model: smokeModel, Tile: 48, Overlap: 1})
	in := grayFrame(301, 217, 8, 2)
	ref := reference(t, load(t, Options{Model: smokeModel}), &in.Planes[0], 0)
	if _, err := newFilter(t, m).Process(in); err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, &in.Planes[0], ref); d < 1e-3 {
		t.Errorf("overlap 1 < radius 5 gave no seams (%.2e): the tiling test is blind", d)
	}
}

func TestSixteenBit(t *testing.T) {
	m := load(t, Options{Model: smokeModel, Tile: 64})
	f := newFilter(t, m)
	a := grayFrame(131, 77, 8, 3)
	b := frame.New(frame.Format{Layout: frame.Gray, BitDepth: 16, PixFmt: "gray16le"}, 131, 77)
	// the same picture on the 16-bit grid
	for i, v := range a.Planes[0].Pix {
		b.Planes[0].Pix[i] = float32(math.Round(float64(v)*65535)) / 65535
	}
	ref := reference(t, m, &b.Planes[0], 0)
	if _, err := f.Process(b); err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, &b.Planes[0], ref); d > 1e-4 {
		t.Errorf("16-bit: %.2e from the reference", d)
	}
	fine := false
	for _, v := range b.Planes[0].Pix {
		// the output is not rounded to 8 bits: encode quantises to the output depth
		if c := float64(v) * 255; math.Abs(c-math.Round(c)) > 1e-3 {
			fine = true
			break
		}
	}
	if !fine {
		t.Error("16-bit output sits on the 8-bit grid")
	}
}

func TestYUVLumaOnly(t *testing.T) {
	m := load(t, Options{Model: smokeModel, Tile: 64})
	f := newFilter(t, m)
	for _, fm := range []frame.Format{
		{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8, PixFmt: "yuv420p"},
		{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 0, BitDepth: 10, PixFmt: "yuv422p10le", Alpha: false},
		{Layout: frame.YUV, BitDepth: 8, Alpha: true, PixFmt: "yuva444p"},
	} {
		in := frame.New(fm, 101, 75)
		for i := range in.Planes {
			testImage(&in.Planes[i], uint64(10+i), 20.0/255)
		}
		var before []*frame.Plane
		for i := range in.Planes {
			before = append(before, clonePlane(&in.Planes[i]))
		}
		ref := reference(t, m, before[0], 0)
		out, err := f.Process(in)
		if err != nil {
			t.Fatalf("%s: %v", fm, err)
		}
		if d := maxDiff(t, &out.Planes[0], ref); d > 1e-4 {
			t.Errorf("%s: luma %.2e from the reference", fm, d)
		}
		for i := 1; i < len(out.Planes); i++ {
			if d := maxDiff(t, &out.Planes[i], before[i]); d != 0 {
				t.Errorf("%s: plane %d changed by %.2g", fm, i, d)
			}
		}
	}
}

func TestRGB(t *testing.T) {
	// a one-channel model runs on R, G and B in turn
	m := load(t, Options{Model: smokeModel})
	in := frame.New(frame.Format{Layout: frame.RGB, BitDepth: 8, PixFmt: "gbrp"}, 67, 45)
	var refs []*frame.Plane
	for i := range in.Planes {
		testImage(&in.Planes[i], uint64(20+i), 20.0/255)
		refs = append(refs, reference(t, m, &in.Planes[i], 0))
	}
	if _, err := newFilter(t, m).Process(in); err != nil {
		t.Fatal(err)
	}
	for i, r := range refs {
		if d := maxDiff(t, &in.Planes[i], r); d > 1e-4 {
			t.Errorf("plane %d: %.2e from the reference", i, d)
		}
	}

	// a three-channel model takes them together, and refuses gray and YUV frames
	rm := load(t, Options{Model: rgbModel, Tile: 32})
	whole := load(t, Options{Model: rgbModel})
	a := frame.New(in.Format, 67, 45)
	for i := range a.Planes {
		testImage(&a.Planes[i], uint64(30+i), 20.0/255)
	}
	b := frame.New(in.Format, 67, 45)
	b.CopyFrom(a)
	if _, err := newFilter(t, rm).Process(a); err != nil {
		t.Fatal(err)
	}
	if _, err := newFilter(t, whole).Process(b); err != nil {
		t.Fatal(err)
	}
	for i := range a.Planes {
		if d := maxDiff(t, &a.Planes[i], &b.Planes[i]); d > 1e-4 {
			t.Errorf("rgb model, plane %d: tiled vs whole %.2e", i, d)
		}
	}
	_, err := newFilter(t, rm).Process(grayFrame(20, 20, 8, 1))
	if err == nil || !strings.Contains(err.Error(), "takes RGB") || strings.Contains(err.Error(), "\n") {
		t.Errorf("rgb model on a gray frame: %v", err)
	}
}

func TestSigmaMap(t *testing.T) {
	in := grayFrame(64, 48, 8, 5)
	var outs []*frame.Plane
	for _, s := range []float64{10, 40} {
		m := load(t, Options{Model: sigmaModel, Sigma: s})
		f := frame.New(in.Format, in.W, in.H)
		f.CopyFrom(in)
		ref := reference(t, m, &f.Planes[0], s)
		if _, err := newFilter(t, m).Process(f); err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(t, &f.Planes[0], ref); d > 1e-4 {
			t.Errorf("sigma %g: %.2e from the reference", s, d)
		}
		outs = append(outs, &f.Planes[0])
	}
	if maxDiff(t, outs[0], outs[1]) < 1e-3 {
		t.Error("the noise-level map made no difference")
	}
	// sigma 0: estimated on the plane, about 25 here
	m := load(t, Options{Model: sigmaModel})
	f := newFilter(t, m)
	est := EstimateSigma([]*frame.Plane{&in.Planes[0]}, &f.est)
	if est < 15 || est > 35 {
		t.Errorf("estimated sigma %.1f, want about 25", est)
	}
	ref := reference(t, m, &in.Planes[0], est)
	if _, err := f.Process(in); err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, &in.Planes[0], ref); d > 1e-4 {
		t.Errorf("estimated sigma: %.2e from the reference", d)
	}
}

func TestErrors(t *testing.T) {
	needLibrary(t)
	oneLine := func(t *testing.T, err error, want ...string) {
		t.Helper()
		if err == nil {
			t.Fatalf("no error; want one containing %q", want)
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") {
			t.Errorf("error spans lines: %q", msg)
		}
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("error %q lacks %q", msg, w)
			}
		}
	}
	t.Run("library missing", func(t *testing.T) {
		_, err := Load(Options{Model: smokeModel, Library: "/nonexistent/libonnxruntime.so"})
		oneLine(t, err)
		want := "cnn: ONNX Runtime library not found at /nonexistent/libonnxruntime.so (run scripts/setup.sh or set DENOISE_ORT_LIBRARY)"
		if err.Error() != want && !strings.Contains(err.Error(), "already loaded") {
			t.Errorf("got  %q\nwant %q", err, want)
		}
		if !errors.Is(err, ErrLibrary) {
			t.Error("not ErrLibrary")
		}
	})
	t.Run("library not a library", func(t *testing.T) {
		_, err := Load(Options{Model: smokeModel, Library: smokeGolden})
		oneLine(t, err, "ONNX Runtime library", smokeGolden)
	})
	t.Run("model missing", func(t *testing.T) {
		_, err := Load(Options{Model: "nonexistent.onnx"})
		oneLine(t, err, "cnn: model nonexistent.onnx: no such file or directory")
		if !errors.Is(err, ErrModel) {
			t.Error("not ErrModel")
		}
	})
	t.Run("builtin unknown", func(t *testing.T) {
		_, err := Load(Options{Model: "nosuchmodel"})
		oneLine(t, err, `cnn: model nosuchmodel: no built-in model "nosuchmodel"`)
	})
	t.Run("model not onnx", func(t *testing.T) {
		_, err := Load(Options{Model: "garbage.onnx", ModelData: []byte("not a model")})
		oneLine(t, err, "cnn: model garbage.onnx: not a usable ONNX model")
	})
	t.Run("provider unknown", func(t *testing.T) {
		_, err := Load(Options{Model: smokeModel, Provider: "tpu"})
		oneLine(t, err, `execution provider "tpu" is not one of cpu, cuda`)
	})
	t.Run("provider cuda unavailable", func(t *testing.T) {
		_, err := Load(Options{Model: smokeModel, Provider: "cuda"})
		if err == nil {
			t.Skip("this ONNX Runtime has CUDA")
		}
		oneLine(t, err, "execution provider cuda is not available")
	})
	t.Run("default model", func(t *testing.T) {
		_, err := Load(Options{})
		if models.Default() == "" {
			oneLine(t, err, "cnn: no model given, and none is built into this binary")
		} else if err != nil {
			t.Errorf("built-in %s: %v", models.Default(), err)
		}
	})
}

// TestConcurrentWorkers runs two workers of one factory on different frames at once, as a
// pipeline stage does, and checks each result against a sequential run.
func TestConcurrentWorkers(t *testing.T) {
	m := load(t, Options{Model: smokeModel, Tile: 64})
	ff := m.NewFilter
	const frames = 8
	want := make([]*frame.Plane, frames)
	seq := newFilter(t, m)
	for i := range frames {
		f := grayFrame(90+i, 70, 8, uint64(100+i))
		if _, err := seq.Process(f); err != nil {
			t.Fatal(err)
		}
		want[i] = &f.Planes[0]
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w := range 2 {
		flt, err := ff()
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func(flt *Filter) {
			defer wg.Done()
			defer flt.Close()
			for i := w; i < frames; i += 2 {
				f := grayFrame(90+i, 70, 8, uint64(100+i))
				if _, err := flt.Process(f); err != nil {
					errs <- err
					return
				}
				if d := maxDiff(t, &f.Planes[0], want[i]); d > 1e-6 {
					errs <- errors.New("concurrent result differs from the sequential one")
					return
				}
			}
		}(flt)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestGuide: a model with guide channels reads the frame's Guide (or the frame itself when
// it has none), over tiles, releases the guide, and refuses one of another geometry.
func TestGuide(t *testing.T) {
	m := load(t, Options{Model: guideModel, Sigma: 20, Tile: 40})
	if !m.Guide || !m.SigmaMap || m.InChannels != 3 || m.ImageChannels != 1 {
		t.Fatalf("spec %s: guide %v sigma %v in %d", m.Describe(), m.Guide, m.SigmaMap, m.InChannels)
	}
	in := grayFrame(97, 61, 8, 11)
	pool := frame.NewPool(1)
	guide := pool.Get(in.Geometry())
	testImage(&guide.Planes[0], 12, 5.0/255)

	f := newFilter(t, m)
	withGuide := frame.New(in.Format, in.W, in.H)
	withGuide.CopyFrom(in)
	withGuide.SetGuide(guide)
	want := referenceGuided(t, m, &in.Planes[0], &guide.Planes[0], 20)
	if _, err := f.Process(withGuide); err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, &withGuide.Planes[0], want); d > 1e-4 {
		t.Errorf("with a guide: %.2e from the reference", d)
	}
	if withGuide.Guide != nil {
		t.Error("the guide is still attached after the cnn stage")
	}
	if g := pool.Get(in.Geometry()); g != guide {
		t.Error("the guide was not released to its pool")
	}

	self := frame.New(in.Format, in.W, in.H)
	self.CopyFrom(in)
	want = reference(t, m, &in.Planes[0], 20)
	if _, err := f.Process(self); err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, &self.Planes[0], want); d > 1e-4 {
		t.Errorf("without a guide (the input is its own): %.2e from the reference", d)
	}
	if maxDiff(t, &self.Planes[0], &withGuide.Planes[0]) < 1e-3 {
		t.Error("the guide channels made no difference")
	}

	bad := frame.New(in.Format, in.W, in.H)
	bad.CopyFrom(in)
	bad.SetGuide(frame.New(in.Format, in.W+1, in.H))
	if _, err := f.Process(bad); err == nil || !strings.Contains(err.Error(), "guide frame 98x61") {
		t.Errorf("guide of another size: %v", err)
	}
}

// TestSource: a model with source channels reads the frame's Source after its Guide (the
// guide when no stage kept a source) and the filter releases both.
func TestSource(t *testing.T) {
	m := load(t, Options{Model: sourceModel, Sigma: 20, Tile: 40})
	if !m.Guide || !m.Source || !m.SigmaMap || m.InChannels != 4 || !strings.Contains(m.Describe(), "+guide+source+sigma") {
		t.Fatalf("spec %s: guide %v source %v sigma %v in %d", m.Describe(), m.Guide, m.Source, m.SigmaMap, m.InChannels)
	}
	in := grayFrame(97, 61, 8, 11)
	pool := frame.NewPool(2)
	guide, source := pool.Get(in.Geometry()), pool.Get(in.Geometry())
	testImage(&guide.Planes[0], 12, 5.0/255)
	testImage(&source.Planes[0], 13, 40.0/255)
	f := newFilter(t, m)

	both := frame.New(in.Format, in.W, in.H)
	both.CopyFrom(in)
	both.SetGuide(guide)
	both.SetSource(source)
	want := referenceSource(t, m, &in.Planes[0], &guide.Planes[0], &source.Planes[0], 20)
	if _, err := f.Process(both); err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, &both.Planes[0], want); d > 1e-4 {
		t.Errorf("with guide and source: %.2e from the reference", d)
	}
	if both.Guide != nil || both.Source != nil {
		t.Error("the guide or the source is still attached after the cnn stage")
	}
	if a, b := pool.Get(in.Geometry()), pool.Get(in.Geometry()); !(a == guide && b == source || a == source && b == guide) {
		t.Error("the guide and the source were not released to their pool")
	}
	if maxDiff(t, &both.Planes[0], referenceGuided(t, m, &in.Planes[0], &guide.Planes[0], 20)) < 1e-3 {
		t.Error("the source channels made no difference")
	}

	// no source kept: the guide stands for it
	onlyGuide := withGuideCopy(in, guide)
	if _, err := f.Process(onlyGuide); err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, &onlyGuide.Planes[0], referenceGuided(t, m, &in.Planes[0], &guide.Planes[0], 20)); d > 1e-4 {
		t.Errorf("without a source (the guide stands for it): %.2e from the reference", d)
	}

	bad := frame.New(in.Format, in.W, in.H)
	bad.CopyFrom(in)
	bad.SetSource(frame.New(in.Format, in.W, in.H+1))
	if _, err := f.Process(bad); err == nil || !strings.Contains(err.Error(), "97x62") {
		t.Errorf("source of another size: %v", err)
	}
}

// clamp01 is the reference's clamp to [0, 1].
func clamp01(v float32) float32 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}
