package quality

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

const refDir = "../testdata/quality"

type refCase struct {
	Name      string  `json:"name"`
	Ref       string  `json:"ref"`
	Test      string  `json:"test"`
	Dtype     string  `json:"dtype"`
	W         int     `json:"width"`
	H         int     `json:"height"`
	C         int     `json:"channels"`
	DataRange float64 `json:"data_range"`
	Scale     float64 `json:"scale"`      // non-zero: samples are code·scale
	FloatType string  `json:"float_type"` // "float32": skimage computed in float32
	PSNR      float64 `json:"psnr"`
	SSIM      float64 `json:"ssim"`
}

type refDoc struct {
	Command string    `json:"command"`
	Cases   []refCase `json:"cases"`
}

func loadReference(t *testing.T) refDoc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(refDir, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d refDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.Command == "" || len(d.Cases) == 0 {
		t.Fatal("reference.json: no command or no cases")
	}
	return d
}

// readRaw returns the codes of a raw little-endian file of n samples.
func readRaw(t *testing.T, name, dtype string, n int) []float64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(refDir, name))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, n)
	switch dtype {
	case "uint8":
		if len(b) != n {
			t.Fatalf("%s: %d bytes, want %d", name, len(b), n)
		}
		for i, v := range b {
			out[i] = float64(v)
		}
	case "uint16le":
		if len(b) != 2*n {
			t.Fatalf("%s: %d bytes, want %d", name, len(b), 2*n)
		}
		for i := range out {
			out[i] = float64(binary.LittleEndian.Uint16(b[2*i:]))
		}
	default:
		t.Fatalf("%s: unknown dtype %q", name, dtype)
	}
	return out
}

// planes splits interleaved samples into c planes, scaled, with a stride wider than W
// to exercise Row.
func planes(v []float64, w, h, c int, scale float64) []frame.Plane {
	ps := make([]frame.Plane, c)
	for ch := range ps {
		stride := w + 3
		p := frame.Plane{W: w, H: h, Stride: stride, Pix: make([]float32, stride*h)}
		for i := range p.Pix {
			p.Pix[i] = -7 // padding must never be read
		}
		for y := range h {
			for x := range w {
				p.Pix[y*stride+x] = float32(v[(y*w+x)*c+ch] * scale)
			}
		}
		ps[ch] = p
	}
	return ps
}

func TestSkimageReference(t *testing.T) {
	d := loadReference(t)
	// Largest deviations: [0] float64 slices, [1] float32 planes and frames, [2] any
	// path against skimage's own float32 arithmetic.
	var maxPSNR, maxSSIM [3]float64
	for _, c := range d.Cases {
		n := c.W * c.H * c.C
		ref := readRaw(t, c.Ref, c.Dtype, n)
		test := readRaw(t, c.Test, c.Dtype, n)
		scale := 1.0
		if c.Scale != 0 {
			scale = c.Scale
		}
		for i := range ref {
			ref[i] *= scale
			test[i] *= scale
		}
		// Tolerances: the brief's 0.01 dB / 0.001 bound everything; float64 paths
		// are held to 1e-9, and skimage's own float32 arithmetic to 1e-5.
		tolP, tolS := 1e-9, 1e-9
		if c.FloatType == "float32" {
			tolP, tolS = 1e-5, 1e-5
		}
		check := func(what string, got, want, tol float64) {
			t.Helper()
			dev := math.Abs(got - want)
			k := 1
			if strings.HasSuffix(what, "slice") {
				k = 0
			}
			if c.FloatType == "float32" {
				k = 2
			}
			if strings.HasPrefix(what, "PSNR") {
				maxPSNR[k] = max(maxPSNR[k], dev)
			} else {
				maxSSIM[k] = max(maxSSIM[k], dev)
			}
			if !(dev <= tol) {
				t.Errorf("%s: %s = %.12g, skimage %.12g (off by %.3g, tolerance %.3g)",
					c.Name, what, got, want, dev, tol)
			}
		}

		// Slices in float64.
		check("PSNR slice", PSNRSlice(ref, test, c.DataRange), c.PSNR, tolP)
		check("SSIM slice", SSIMChannels(ref, test, c.W, c.H, c.C, c.DataRange), c.SSIM, tolS)

		// Planes of float32: exact for integer codes; in working units float32
		// rounding of code/range stays far inside the tolerances below.
		tp, ts := tolP, tolS
		if c.Scale != 0 {
			tp, ts = max(tp, 1e-5), max(ts, 1e-6)
		}
		rp, tq := planes(ref, c.W, c.H, c.C, 1), planes(test, c.W, c.H, c.C, 1)
		if c.C == 1 {
			check("PSNR plane", PSNR(&rp[0], &tq[0], c.DataRange), c.PSNR, tp)
			check("SSIM plane", SSIM(&rp[0], &tq[0], c.DataRange), c.SSIM, ts)
		}

		// Whole frames in working units.
		lay := frame.Gray
		if c.C == 3 {
			lay = frame.RGB
		}
		bd := 8
		if c.Dtype == "uint16le" {
			bd = 16
		}
		fs := 1 / c.DataRange
		rf := frame.New(frame.Format{Layout: lay, BitDepth: bd}, c.W, c.H)
		tf := frame.New(frame.Format{Layout: lay, BitDepth: bd}, c.W, c.H)
		rf.Planes = planes(ref, c.W, c.H, c.C, fs)
		tf.Planes = planes(test, c.W, c.H, c.C, fs)
		check("PSNR frame", FramePSNR(rf, tf), c.PSNR, max(tolP, 1e-5))
		check("SSIM frame", FrameSSIM(rf, tf), c.SSIM, max(tolS, 1e-6))
		check("PSNR frame all", FramePSNRAll(rf, tf), c.PSNR, max(tolP, 1e-5))
		check("SSIM frame all", FrameSSIMAll(rf, tf), c.SSIM, max(tolS, 1e-6))
	}
	t.Logf("max deviation from skimage over %d cases: float64 slices PSNR %.3g dB, SSIM %.3g; "+
		"float32 planes/frames PSNR %.3g dB, SSIM %.3g; vs skimage in float32 PSNR %.3g dB, SSIM %.3g",
		len(d.Cases), maxPSNR[0], maxSSIM[0], maxPSNR[1], maxSSIM[1], maxPSNR[2], maxSSIM[2])
}

func TestIdentical(t *testing.T) {
	for _, f := range []frame.Format{{Layout: frame.Gray, BitDepth: 8}, {Layout: frame.RGB, BitDepth: 8},
		{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 10}} {
		a, b := testFrame(f, 31, 20), testFrame(f, 31, 20)
		if p := FramePSNR(a, b); !math.IsInf(p, 1) {
			t.Errorf("%v: FramePSNR of identical frames = %v", f, p)
		}
		if p := FramePSNRAll(a, b); !math.IsInf(p, 1) {
			t.Errorf("%v: FramePSNRAll of identical frames = %v", f, p)
		}
		if s := FrameSSIM(a, b); s != 1 {
			t.Errorf("%v: FrameSSIM of identical frames = %v", f, s)
		}
		if s := FrameSSIMAll(a, b); s != 1 {
			t.Errorf("%v: FrameSSIMAll of identical frames = %v", f, s)
		}
	}
	x := []float32{1, 2, 3}
	if p := PSNRSlice(x, x, 255); !math.IsInf(p, 1) {
		t.Errorf("PSNRSlice of identical = %v", p)
	}
}

func TestFrameMetricsPlanes(t *testing.T) {
	f := frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8}
	a, b := testFrame(f, 40, 30), testFrame(f, 40, 30)
	b.Planes[1].Pix[5] += 0.1 // only chroma differs
	if p := FramePSNR(a, b); !math.IsInf(p, 1) {
		t.Errorf("YUV FramePSNR saw chroma: %v", p)
	}
	want := 10 * math.Log10(1/(0.01/float64(40*30+2*20*15)))
	if p := FramePSNRAll(a, b); math.Abs(p-want) > 1e-4 {
		t.Errorf("FramePSNRAll = %v, want %v", p, want)
	}
	if s := FrameSSIMAll(a, b); !(s < 1) {
		t.Errorf("FrameSSIMAll = %v", s)
	}
	// Too small for the 7×7 window: NaN, as skimage refuses.
	small := frame.Plane{W: 6, H: 9, Stride: 6, Pix: make([]float32, 54)}
	if s := SSIM(&small, &small, 1); !math.IsNaN(s) {
		t.Errorf("SSIM of 6x9 = %v, want NaN", s)
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic on planes of different sizes")
		}
	}()
	PSNR(&a.Planes[0], &a.Planes[1], 1)
}

func TestUniformFilterBorders(t *testing.T) {
	const w, h = 9, 8
	src := make([]float64, w*h)
	for i := range src {
		src[i] = float64((i*37)%101) / 7
	}
	for _, size := range []int{3, 7} {
		got, tmp := make([]float64, w*h), make([]float64, w*h)
		uniformFilter(got, src, tmp, w, h, size)
		r := size / 2
		for y := range h {
			for x := range w {
				s := 0.0
				for dy := -r; dy <= r; dy++ {
					for dx := -r; dx <= r; dx++ {
						s += src[reflectIndex(y+dy, h)*w+reflectIndex(x+dx, w)]
					}
				}
				if want := s / float64(size*size); math.Abs(got[y*w+x]-want) > 1e-12 {
					t.Fatalf("size %d at (%d,%d): %v, want %v", size, x, y, got[y*w+x], want)
				}
			}
		}
	}
	// scipy 'reflect': d c b a | a b c d | d c b a
	for i, want := range map[int]int{-1: 0, -2: 1, -4: 3, -5: 3, -6: 2, 4: 3, 5: 2, 7: 0, 8: 0, 9: 1} {
		if got := reflectIndex(i, 4); got != want {
			t.Errorf("reflectIndex(%d, 4) = %d, want %d", i, got, want)
		}
	}
}

// The streaming ssim must do exactly the arithmetic of the whole-image version.
func TestSSIMStreamingMatchesWhole(t *testing.T) {
	for _, sz := range [][2]int{{7, 7}, {8, 7}, {7, 12}, {37, 29}, {64, 9}} {
		w, h := sz[0], sz[1]
		x, y := make([]float64, w*h), make([]float64, w*h)
		for i := range x {
			x[i] = float64((i*7919)%256) / 255
			y[i] = min(1, x[i]+float64((i*104729)%61)/255)
		}
		p := frame.Plane{W: w, H: h, Stride: w, Pix: make([]float32, w*h)}
		q := frame.Plane{W: w, H: h, Stride: w, Pix: make([]float32, w*h)}
		for i := range x {
			x[i] = float64(float32(x[i]))
			y[i] = float64(float32(y[i]))
			p.Pix[i], q.Pix[i] = float32(x[i]), float32(y[i])
		}
		want := ssimWhole(x, y, w, h, 1)
		if got := SSIM(&p, &q, 1); got != want {
			t.Errorf("%dx%d: streaming %v, whole %v", w, h, got, want)
		}
		if got := SSIMSlice(x, y, w, h, 1); got != want {
			t.Errorf("%dx%d: slice %v, whole %v", w, h, got, want)
		}
	}
}

func BenchmarkFrameSSIM1080p(b *testing.B) {
	f := frame.Format{Layout: frame.Gray, BitDepth: 8}
	x, y := testFrame(f, 1920, 1080), testFrame(f, 1920, 1080)
	mustParseB(b, "awgn:10").Apply(y, 1)
	b.ReportAllocs()
	for b.Loop() {
		FrameSSIM(x, y)
	}
}

func BenchmarkApplyAWGNSP1080p(b *testing.B) {
	f := frame.Format{Layout: frame.Gray, BitDepth: 8}
	x := testFrame(f, 1920, 1080)
	n := mustParseB(b, "awgn:10+sp:0.1")
	for b.Loop() {
		n.Apply(x, 1)
	}
}

func mustParseB(b *testing.B, spec string) Noise {
	n, err := ParseNoise(spec)
	if err != nil {
		b.Fatal(err)
	}
	return n
}
