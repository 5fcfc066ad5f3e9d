package modes

import (
	"context"
	"math"
	"testing"

	"github.com/denoise-go/denoise/filter/cnn"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/quality"
)

// refillFrames returns n 8-bit gray frames of a smooth picture under noise spec.
func refillFrames(t *testing.T, n int, spec string) []*frame.Frame {
	t.Helper()
	nz, err := quality.ParseNoise(spec)
	if err != nil {
		t.Fatal(err)
	}
	var fs []*frame.Frame
	for i := range n {
		f := frame.New(frame.Format{Layout: frame.Gray, BitDepth: 8}, 96, 80)
		for y := 0; y < f.H; y++ {
			row := f.Planes[0].Row(y)
			for x := range row {
				row[x] = float32(math.Round(255*(0.3+0.4*float64(x)/float64(f.W)+0.1*math.Sin(float64(y)/7)))) / 255
			}
		}
		nz.Apply(f, int64(i))
		f.Index = int64(i)
		fs = append(fs, f)
	}
	return fs
}

// TestFullRefill runs mode full with a model that has source channels through the pipeline:
// with salt and pepper a refill pass (cnn.refill 1) changes the result, where the smoothing
// was spatial (temporal.radius 0) anywhere, where stnlm combined neighbouring frames
// (radius 2, frame.Neighbours) only at the impulses; without impulses it changes nothing.
func TestFullRefill(t *testing.T) {
	if _, ok := cnn.ResolveLibrary(""); !ok {
		t.Skip("no ONNX Runtime library (scripts/setup.sh)")
	}
	run := func(noisy []*frame.Frame, refill, radius int) []*frame.Frame {
		t.Helper()
		cfg := defaults(t)
		cfg.Mode, cfg.CNN.Model, cfg.CNN.Refill, cfg.Temporal.Radius = "full", "../models/testdata/tiny_source.onnx", refill, radius
		stages, err := Build(cfg)
		if err != nil {
			t.Fatal(err)
		}
		in := make([]*frame.Frame, len(noisy))
		for i, f := range noisy {
			in[i] = frame.New(f.Format, f.W, f.H)
			in[i].CopyFrom(f)
		}
		out := &sink{}
		if _, err := pipeline.Run(context.Background(), pipeline.Config{Source: &seq{in}, Stages: stages, Sink: out}); err != nil {
			t.Fatal(err)
		}
		if len(out.fs) != len(noisy) {
			t.Fatalf("%d frames out of %d", len(out.fs), len(noisy))
		}
		return out.fs
	}
	// changed counts the samples where a and b differ, and those of them not at an extreme
	// of the noisy frame
	changed := func(noisy []*frame.Frame, a, b []*frame.Frame) (n, off int) {
		for i := range a {
			for k, v := range a[i].Planes[0].Pix {
				if math.Abs(float64(v-b[i].Planes[0].Pix[k])) > 1e-6 {
					n++
					if y := noisy[i].Planes[0].Pix[k]; y != 0 && y != 1 {
						off++
					}
				}
			}
		}
		return n, off
	}
	sp := refillFrames(t, 3, "awgn:10+sp:0.05")
	for _, radius := range []int{0, 2} {
		n, off := changed(sp, run(sp, 0, radius), run(sp, 1, radius))
		t.Logf("salt and pepper, radius %d: %d samples changed, %d of them off the impulses", radius, n, off)
		if n == 0 {
			t.Errorf("radius %d: the refill pass changed nothing", radius)
		}
		if radius > 0 && off > 0 {
			t.Errorf("radius %d: %d samples off the impulses changed", radius, off)
		}
	}
	clean := refillFrames(t, 3, "awgn:10")
	if n, _ := changed(clean, run(clean, 0, 0), run(clean, 1, 0)); n > 0 {
		t.Errorf("without impulses the refill pass changed %d samples", n)
	}
}
