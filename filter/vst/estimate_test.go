package vst

import (
	"math"
	"testing"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/quality"
)

// scene is a 16-bit test picture: smooth blobs and ramps from lo to hi codes, with some
// sharp-edged squares (edges the estimator must not mistake for noise).
func scene(w, h int, lo, hi float64) *frame.Frame {
	f := frame.New(frame.Format{Layout: frame.Gray, BitDepth: 16}, w, h)
	for y := 0; y < h; y++ {
		row := f.Planes[0].Row(y)
		for x := range row {
			u, v := float64(x)/float64(w), float64(y)/float64(h)
			s := 0.9*u + 0.1*(0.5+0.5*math.Sin(6*v+2*u)) // in [0, 1], every level alike
			if (x/32+y/32)%3 == 0 {
				s = 0.2 + 0.6*s // squares with sharp edges
			}
			row[x] = float32((lo + (hi-lo)*s) / 65535)
		}
	}
	return f
}

func TestEstimateSynthetic(t *testing.T) {
	for _, c := range []struct {
		spec      string
		lo, hi    float64
		alpha, sd float64
	}{
		{"pg:3:5,native", 30, 3000, 3, 5},
		{"pg:1:20,native", 200, 2000, 1, 20},
		{"pg:160:40,native", 100, 40000, 160, 40},
	} {
		n, err := quality.ParseNoise(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		// Three frames of a stack, as the stages pool them.
		var planes []*frame.Plane
		for i := range 3 {
			f := scene(256, 256, c.lo, c.hi)
			n.Apply(f, int64(10+i))
			planes = append(planes, &f.Planes[0])
		}
		fit, err := Estimate(planes, 16)
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		t.Logf("%s: %v", c.spec, fit)
		b := c.sd*c.sd + 1.0/12 // rounding to codes adds 1/12
		if math.Abs(fit.A-c.alpha) > 0.05*c.alpha {
			t.Errorf("%s: gain %.4g, want %.4g ± 5 %%", c.spec, fit.A, c.alpha)
		}
		// The intercept is an extrapolation: judge it against the variance at the darkest level
		// used in the fit.
		dark := math.Inf(1)
		for _, bn := range fit.Bins {
			if bn.Used {
				dark = min(dark, bn.Mean)
			}
		}
		if tol := 0.2 * (c.alpha*dark + b); math.Abs(fit.B-b) > tol {
			t.Errorf("%s: intercept %.4g, want %.4g ± %.3g", c.spec, fit.B, b, tol)
		}
	}
}

func TestEstimateFlatFails(t *testing.T) {
	f := frame.New(frame.Format{Layout: frame.Gray, BitDepth: 16}, 128, 128)
	for i := range f.Planes[0].Pix {
		f.Planes[0].Pix[i] = 0.3
	}
	quality.Noise{Parts: []quality.Component{{Kind: quality.AWGN, Sigma: 2}}}.Apply(f, 1)
	if _, err := Estimate([]*frame.Plane{&f.Planes[0]}, 16); err == nil {
		t.Error("a single level fitted a line")
	}
}

type frames struct{ fs []*frame.Frame }

type keep struct{ fs []*frame.Frame }

func (k *keep) Write(f *frame.Frame) error { k.fs = append(k.fs, f); return nil }

// Dark, photon-limited data clipped at 0: the clipped model recovers the gain and the read
// noise from level sets that are mostly clipped.
func TestEstimateClipped(t *testing.T) {
	for _, c := range []struct {
		spec      string
		hi        float64
		alpha, sd float64
	}{
		{"pg:60:20,native", 3000, 60, 20},
		{"pg:8:30,native", 1500, 8, 30},
	} {
		n, _ := quality.ParseNoise(c.spec)
		var planes []*frame.Plane
		for i := range 3 {
			f := scene(256, 256, 0, c.hi)
			n.Apply(f, int64(20+i))
			planes = append(planes, &f.Planes[0])
		}
		fit, err := Estimate(planes, 16)
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		clipped := 0
		for _, b := range fit.Bins {
			if b.Clipped > maxClipped {
				clipped++
			}
		}
		t.Logf("%s: %v; %d clipped level sets", c.spec, fit, clipped)
		if clipped < 3 {
			t.Errorf("%s: only %d clipped level sets: not the case under test", c.spec, clipped)
		}
		if math.Abs(fit.Alpha-c.alpha) > 0.08*c.alpha || math.Abs(fit.Sigma-c.sd) > 0.25*c.sd || math.Abs(fit.Offset) > 0.5*c.sd {
			t.Errorf("%s: %v, want gain %g sigma %g offset 0", c.spec, fit.Params, c.alpha, c.sd)
		}
	}
}

// Forward then Inverse with nothing between gives back the input up to the inverse's bias
// correction, which at high counts is tiny; the model reports σ = 255/T after the transform.
func TestStagesRoundTrip(t *testing.T) {
	var got *Model
	m, err := NewModel(Options{EstimateFrames: 2, OnModel: func(_ int64, mm *Model) { got = mm }})
	if err != nil {
		t.Fatal(err)
	}
	src := &frames{}
	var clean []*frame.Frame
	for i := range 3 {
		f := scene(128, 128, 2000, 40000)
		clean = append(clean, scene(128, 128, 2000, 40000))
		n, _ := quality.ParseNoise("pg:4:10,native")
		n.Apply(f, int64(i))
		f.Index = int64(i)
		src.fs = append(src.fs, f)
	}
	sink := &keep{}
	fw := m.Forward()
	invert := func(f *frame.Frame) error {
		if err := m.Invert(f); err != nil {
			return err
		}
		return sink.Write(f)
	}
	for _, f := range src.fs {
		if err = fw.Push(f, invert); err != nil {
			t.Fatal(err)
		}
	}
	if err = fw.Flush(invert); err != nil {
		t.Fatal(err)
	}
	if got == nil || len(sink.fs) != 3 {
		t.Fatalf("model reported %v, %d frames out", got, len(sink.fs))
	}
	t.Log(got)
	if s := got.Sigma255(); !(s > 0) || math.Abs(s-255/got.Scale()) > 1e-9 {
		t.Errorf("Sigma255 %g with scale %g", s, got.Scale())
	}
	// Without denoising the inverse of f(z) is not z, but its mean over a region matches.
	var dm float64
	for i, f := range sink.fs {
		for j, v := range f.Planes[0].Pix {
			dm += float64(v-clean[i].Planes[0].Pix[j]) * 65535
		}
	}
	dm /= float64(3 * 128 * 128)
	if math.Abs(dm) > 8 {
		t.Errorf("mean difference after forward+inverse: %.2f codes", dm)
	}
}
