package modes

import (
	"context"
	"testing"

	"github.com/denoise-go/denoise/filter/cnn"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/models"
	"github.com/denoise-go/denoise/pipeline"
)

// checkSink checks that every frame written carries, as its guide, the copy of the input of
// the same index, and releases it.
type checkSink struct {
	t      *testing.T
	inputs map[int64]*frame.Frame
	n      int
}

func (k *checkSink) Write(f *frame.Frame) error {
	defer f.Release()
	k.n++
	want := k.inputs[f.Index]
	switch {
	case f.Guide == nil:
		k.t.Errorf("frame %d has no guide", f.Index)
	case f.Guide.Index != f.Index || f.Guide.Geometry() != want.Geometry():
		k.t.Errorf("frame %d: guide of frame %d, %v", f.Index, f.Guide.Index, f.Guide.Geometry())
	default:
		for i := range want.Planes {
			a, b := &want.Planes[i], &f.Guide.Planes[i]
			for y := 0; y < a.H; y++ {
				ra, rb := a.Row(y), b.Row(y)
				for x := range ra {
					if ra[x] != rb[x] {
						// Errorf, not Fatalf: Write runs on the pipeline's sink goroutine
						k.t.Errorf("frame %d plane %d: guide (%d,%d) = %g, input was %g", f.Index, i, x, y, rb[x], ra[x])
						return nil
					}
				}
			}
		}
		if same := &f.Guide.Planes[0].Pix[0] == &f.Planes[0].Pix[0]; same {
			k.t.Errorf("frame %d: the guide shares the output's samples", f.Index)
		}
	}
	return nil
}
func (k *checkSink) Close() error { return nil }

// TestWithGuide runs the smoothing stages wrapped by WithGuide (a per-frame filter and a
// temporal window) and checks each output's guide is its own input, before smoothing.
func TestWithGuide(t *testing.T) {
	for _, tc := range []struct {
		mode   string
		radius int
	}{{"nlm", 0}, {"stnlm", 2}, {"stnlm", 0}, {"impulse+stnlm", 1}} {
		cfg := defaults(t)
		cfg.Mode, cfg.Temporal.Radius, cfg.Pipeline.Workers = tc.mode, tc.radius, 2
		stages, err := Build(cfg)
		if err != nil {
			t.Fatal(err)
		}
		stages = WithGuide(stages)
		_, noisy := pgFrames(7, 30000)
		inputs := map[int64]*frame.Frame{}
		for _, f := range noisy {
			c := frame.New(f.Format, f.W, f.H)
			c.CopyFrom(f)
			inputs[f.Index] = c
		}
		if tc.mode == "impulse+stnlm" {
			// the guide is the input of stnlm: the frames after the impulse stage
			pre, err := Build(cfg)
			if err != nil {
				t.Fatal(err)
			}
			f, err := pre[0].Filter()
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range inputs {
				if _, err := f.Process(c); err != nil {
					t.Fatal(err)
				}
			}
		}
		k := &checkSink{t: t, inputs: inputs}
		if _, err := pipeline.Run(context.Background(), pipeline.Config{Source: &seq{noisy}, Stages: stages, Sink: k}); err != nil {
			t.Fatal(err)
		}
		if k.n != 7 {
			t.Errorf("%s: %d frames out of 7", tc.mode, k.n)
		}
		if gt, ok := stages[len(stages)-1].Temporal.(*guideTemporal); ok && len(gt.pending) != 0 {
			t.Errorf("%s: %d guides left after the run", tc.mode, len(gt.pending))
		}
	}
	// stages without a smoothing stage last are left alone
	cfg := defaults(t)
	cfg.Mode = "impulse"
	st, _ := Build(cfg)
	if got := WithGuide(st); got[0].Filter == nil || len(got) != 1 {
		t.Error("impulse stage changed")
	}
}

// TestFullWithGuidedModel builds "full" and "nlm+cnn" with a guided model: the smoothing
// stage keeps its input, the CNN consumes it, and no guide leaves the pipeline.
func TestFullWithGuidedModel(t *testing.T) {
	if _, ok := cnn.ResolveLibrary(""); !ok {
		t.Skip("no ONNX Runtime library (scripts/setup.sh)")
	}
	for _, mode := range []string{"full", "nlm+cnn"} {
		cfg := defaults(t)
		cfg.Mode, cfg.CNN.Model, cfg.Pipeline.Workers = mode, "../models/testdata/tiny_guide.onnx", 2
		stages, err := Build(cfg)
		if err != nil {
			t.Fatal(err)
		}
		smooth := stages[len(stages)-2]
		_, wrappedT := smooth.Temporal.(*guideTemporal)
		if !wrappedT && smooth.Filter != nil {
			f, err := smooth.Filter()
			if err != nil {
				t.Fatal(err)
			}
			_, wrappedT = f.(*guideFilter)
		}
		if !wrappedT {
			t.Errorf("%s: stage %s does not keep a guide", mode, smooth.Name)
		}
		_, noisy := pgFrames(4, 30000)
		out := &sink{}
		if _, err := pipeline.Run(context.Background(), pipeline.Config{Source: &seq{noisy}, Stages: stages, Sink: out}); err != nil {
			t.Fatal(err)
		}
		if len(out.fs) != 4 {
			t.Fatalf("%s: %d frames out", mode, len(out.fs))
		}
		for _, f := range out.fs {
			if f.Guide != nil {
				t.Errorf("%s: frame %d leaves the pipeline with a guide", mode, f.Index)
			}
			f.Release()
		}
	}
}

// TestCNNModelChoice: the CNN stage loads the default model after a smoothing stage, the light
// one live or alone, and always the one given.
func TestCNNModelChoice(t *testing.T) {
	cfg := defaults(t)
	nl := []pipeline.Stage{{Name: "impulse"}, {Name: "nlm"}}
	imp := []pipeline.Stage{{Name: "impulse"}}
	if got := cnnModel(cfg, nl); got != "" {
		t.Errorf("after nlm: %q, want the default (empty)", got)
	}
	if got := cnnModel(cfg, imp); got != models.LightDefault() {
		t.Errorf("after impulse: %q, want %q", got, models.LightDefault())
	}
	if got := cnnModel(cfg, nil); got != models.LightDefault() {
		t.Errorf("alone: %q, want %q", got, models.LightDefault())
	}
	cfg.Pipeline.Live = true
	if got := cnnModel(cfg, nl); got != models.LightDefault() {
		t.Errorf("live: %q, want %q", got, models.LightDefault())
	}
	cfg.CNN.Model = "mine.onnx"
	if got := cnnModel(cfg, nil); got != "mine.onnx" {
		t.Errorf("live with a model given: %q", got)
	}
}
