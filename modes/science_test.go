package modes

import (
	"context"
	"io"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/quality"
)

type seq struct {
	fs []*frame.Frame
}

func (s *seq) Next(context.Context) (*frame.Frame, error) {
	if len(s.fs) == 0 {
		return nil, io.EOF
	}
	f := s.fs[0]
	s.fs = s.fs[1:]
	return f, nil
}

type sink struct{ fs []*frame.Frame }

func (k *sink) Write(f *frame.Frame) error { k.fs = append(k.fs, f); return nil }
func (k *sink) Close() error               { return nil }

func defaults(t *testing.T) *configs.Config {
	t.Helper()
	cfg, err := configs.Load(configs.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// pgFrames returns n 16-bit frames of a smooth gradient from 0 to top codes, clean and with
// Poisson-Gaussian noise.
func pgFrames(n int, top float64) (clean, noisy []*frame.Frame) {
	pool := frame.NewPool(16)
	spec, _ := quality.ParseNoise("pg:20:10,native")
	for i := range n {
		f := pool.Get(frame.Geometry{Format: frame.Format{Layout: frame.Gray, BitDepth: 16}, W: 96, H: 80})
		for y := 0; y < f.H; y++ {
			row := f.Planes[0].Row(y)
			for x := range row {
				u := float64(x) / float64(f.W)
				v := 0.8*u + 0.2*(0.5+0.5*math.Sin(float64(y)/9))
				row[x] = float32(top * v / 65535)
			}
		}
		c := frame.New(f.Format, f.W, f.H)
		c.CopyFrom(f)
		spec.Apply(f, int64(i))
		f.Index = int64(i)
		clean, noisy = append(clean, c), append(noisy, f)
	}
	return clean, noisy
}

func TestPoissonGaussianWrapsTheMode(t *testing.T) {
	cfg := defaults(t)
	cfg.Mode, cfg.NoiseModel = "nlm", configs.NoisePoissonGaussian
	cfg.Pipeline.Workers = 2
	var mu sync.Mutex
	var models, sigmaStages []string
	stages, err := BuildWith(cfg, Hooks{
		OnModel: func(stage string, _ int64, desc string) {
			mu.Lock()
			models = append(models, stage+": "+desc)
			mu.Unlock()
		},
		OnSigma: func(stage string, _ int64, _ float64) {
			mu.Lock()
			sigmaStages = append(sigmaStages, stage)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range stages {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "gat,nlm,igat" {
		t.Fatalf("stages %s, want gat,nlm,igat", got)
	}
	clean, noisy := pgFrames(4, 6000)
	out := &sink{}
	if _, err := pipeline.Run(context.Background(), pipeline.Config{Source: &seq{noisy}, Stages: stages, Sink: out}); err != nil {
		t.Fatal(err)
	}
	if len(out.fs) != 4 || len(models) != 1 || !strings.Contains(models[0], "gain=") {
		t.Fatalf("%d frames out; models reported: %q", len(out.fs), models)
	}
	t.Log(models[0])
	if len(sigmaStages) == 0 || !strings.Contains(sigmaStages[0], "after the GAT") {
		t.Errorf("sigma reported by %q", sigmaStages)
	}
	var in, dn float64
	for i, f := range out.fs {
		dn += quality.FramePSNR(clean[i], f)
		if f.Index != int64(i) {
			t.Errorf("frame %d has index %d", i, f.Index)
		}
	}
	_, noisy2 := pgFrames(4, 6000)
	for i, f := range noisy2 {
		in += quality.FramePSNR(clean[i], f)
	}
	if dn < in+3*4 {
		t.Errorf("mean PSNR %.2f after, %.2f before", dn/4, in/4)
	}

	// Copy stays a copy.
	cfg.Mode = "copy"
	if st, err := Build(cfg); err != nil || len(st) != 1 || st[0].Name != "copy" {
		t.Errorf("copy with poisson-gaussian: %v, %v", st, err)
	}
}

func TestRicianModes(t *testing.T) {
	cfg := defaults(t)
	cfg.NoiseModel = configs.NoiseRician
	for _, c := range []struct {
		mode, stage string
		ok          bool
	}{{"nlm", "rician-nlm", true}, {"stnlm", "rician-nlm", true}, {"copy", "copy", true}, {"median", "", false}} {
		cfg.Mode = c.mode
		st, err := Build(cfg)
		if !c.ok {
			if err == nil {
				t.Errorf("rician with %s accepted", c.mode)
			}
			continue
		}
		if err != nil || len(st) != 1 || st[0].Name != c.stage {
			t.Errorf("rician with %s: %v, %v", c.mode, st, err)
		}
	}
}
