package modes

import (
	"context"
	"testing"

	"github.com/denoise-go/denoise/filter/cnn"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/models"
	"github.com/denoise-go/denoise/pipeline"
)

// checkSink checks that every frame written carries, as its guide (or, with source set, its
// source), the copy of the input of the same index in inputs, and releases it.
type checkSink struct {
	t      *testing.T
	inputs map[int64]*frame.Frame
	source bool
	// sources, when set, are checked against each frame's source as inputs is against its guide
	sources map[int64]*frame.Frame
	n       int
}

func (k *checkSink) Write(f *frame.Frame) error {
	defer f.Release()
	k.n++
	if k.sources != nil {
		k.check(f, "source", f.Source, k.sources[f.Index])
	}
	if k.source {
		k.check(f, "source", f.Source, k.inputs[f.Index])
	} else {
		k.check(f, "guide", f.Guide, k.inputs[f.Index])
	}
	return nil
}

// check reports (with Errorf, not Fatalf: Write runs on the pipeline's sink goroutine) when
// kept, what, is not a copy of want.
func (k *checkSink) check(f *frame.Frame, what string, kept, want *frame.Frame) {
	switch {
	case kept == nil:
		k.t.Errorf("frame %d has no %s", f.Index, what)
	case kept.Index != f.Index || kept.Geometry() != want.Geometry():
		k.t.Errorf("frame %d: %s of frame %d, %v", f.Index, what, kept.Index, kept.Geometry())
	default:
		for i := range want.Planes {
			a, b := &want.Planes[i], &kept.Planes[i]
			for y := 0; y < a.H; y++ {
				ra, rb := a.Row(y), b.Row(y)
				for x := range ra {
					if ra[x] != rb[x] {
						k.t.Errorf("frame %d plane %d: %s (%d,%d) = %g, input was %g", f.Index, i, what, x, y, rb[x], ra[x])
						return
					}
				}
			}
		}
		if same := &kept.Planes[0].Pix[0] == &f.Planes[0].Pix[0]; same {
			k.t.Errorf("frame %d: the %s shares the output's samples", f.Index, what)
		}
	}
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
		if gt, ok := stages[len(stages)-1].Temporal.(*keepTemporal); ok && len(gt.pending) != 0 {
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

// TestWithSource: with WithSource (and WithGuide, as a model with both asks), every output
// carries the chain's input as its source — through a per-frame stage and a temporal window —
// and the smoothing stage's input as its guide; nothing is left behind.
func TestWithSource(t *testing.T) {
	for _, tc := range []struct {
		mode   string
		radius int
		guide  bool
	}{{"impulse", 0, false}, {"impulse+stnlm", 1, true}, {"impulse+stnlm", 0, true}, {"impulse+stnlm", 2, false}} {
		cfg := defaults(t)
		cfg.Mode, cfg.Temporal.Radius, cfg.Pipeline.Workers = tc.mode, tc.radius, 2
		stages, err := Build(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if tc.guide {
			stages = WithGuide(stages)
		}
		stages = WithSource(stages)
		_, noisy := pgFrames(7, 30000)
		raw, cleaned := map[int64]*frame.Frame{}, map[int64]*frame.Frame{}
		imp, err := stages[0].Filter()
		if err != nil {
			t.Fatal(err)
		}
		imp = imp.(*keepFilter).inner
		for _, f := range noisy {
			c := frame.New(f.Format, f.W, f.H)
			c.CopyFrom(f)
			raw[f.Index] = c
			d := frame.New(f.Format, f.W, f.H)
			d.CopyFrom(f)
			if _, err := imp.Process(d); err != nil {
				t.Fatal(err)
			}
			cleaned[f.Index] = d
		}
		k := &checkSink{t: t, inputs: raw, source: true}
		if tc.guide {
			k = &checkSink{t: t, inputs: cleaned, sources: raw}
		}
		if _, err := pipeline.Run(context.Background(), pipeline.Config{Source: &seq{noisy}, Stages: stages, Sink: k}); err != nil {
			t.Fatal(err)
		}
		if k.n != 7 {
			t.Errorf("%s: %d frames out of 7", tc.mode, k.n)
		}
		for _, st := range stages {
			if kt, ok := st.Temporal.(*keepTemporal); ok && len(kt.pending) != 0 {
				t.Errorf("%s: %d frames left in %s after the run", tc.mode, len(kt.pending), st.Name)
			}
		}
	}
	// a chain of one smoothing stage: its input, the guide, is the source
	cfg := defaults(t)
	cfg.Mode = "nlm"
	st, _ := Build(cfg)
	if got := WithSource(st); len(got) != 1 || got[0].Filter == nil {
		t.Error("nlm stage changed")
	} else if f, _ := got[0].Filter(); f == nil {
		t.Error("nlm stage lost")
	} else if _, wrapped := f.(*keepFilter); wrapped {
		t.Error("nlm alone keeps a source")
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
		_, wrappedT := smooth.Temporal.(*keepTemporal)
		if !wrappedT && smooth.Filter != nil {
			f, err := smooth.Filter()
			if err != nil {
				t.Fatal(err)
			}
			_, wrappedT = f.(*keepFilter)
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
