package job

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/modes"
	"github.com/denoise-go/denoise/pipeline"
)

// ModeLabel names the mode a job runs: "auto (impulse+stnlm)" for the default.
func ModeLabel(cfg *configs.Config) string {
	if m := configs.ResolveMode(cfg); m != cfg.Mode {
		return cfg.Mode + " (" + m + ")"
	}
	return cfg.Mode
}

// noiseLog logs the noise level the stages used: a stage's first frame at info level (it
// is the estimate a user wants to see), later ones every 100 frames at debug level. A stage
// reporting every colour plane's σ has the first plane's as sigma, the others as sigma_u
// and sigma_v (YUV) or, for RGB, sigma_r (the same as sigma), sigma_g and sigma_b.
type noiseLog struct {
	log  *slog.Logger
	how  string // estimated or given
	mu   sync.Mutex
	seen map[string]bool
}

func newNoiseLog(log *slog.Logger, given float64) *noiseLog {
	how := "estimated"
	if given > 0 {
		how = "given"
	}
	return &noiseLog{log: log, how: how, seen: map[string]bool{}}
}

// report logs stage's σ of frame index when it is due.
func (n *noiseLog) report(stage string, index int64, layout frame.Layout, sigmas ...float64) {
	if len(sigmas) == 0 {
		return
	}
	n.mu.Lock()
	first := !n.seen[stage]
	n.seen[stage] = true
	n.mu.Unlock()
	if !first && index%100 != 0 {
		return
	}
	attrs := []any{"stage", stage, "frame", index, "sigma", fmt.Sprintf("%.2f", sigmas[0])}
	names := []string{"", "sigma_u", "sigma_v"}
	if layout == frame.RGB {
		names = []string{"sigma_r", "sigma_g", "sigma_b"}
	}
	for i, s := range sigmas[:min(len(sigmas), len(names))] {
		if names[i] != "" {
			attrs = append(attrs, names[i], fmt.Sprintf("%.2f", s))
		}
	}
	if !first {
		n.log.Debug("noise level", attrs...)
		return
	}
	n.log.Info("noise level", append(attrs, "on", "0-255 scale", "how", n.how)...)
}

// logHooks reports the noise level and the noise-model parameters the stages use.
func logHooks(log *slog.Logger, cfg *configs.Config) modes.Hooks {
	noise := newNoiseLog(log, cfg.Sigma)
	var mu sync.Mutex
	seen := map[string]bool{}
	return modes.Hooks{
		OnSigma: func(stage string, index int64, sigma float64) {
			noise.report(stage, index, frame.Gray, sigma)
		},
		OnSigmas: func(stage string, index int64, layout frame.Layout, sigmas []float64) {
			noise.report(stage, index, layout, sigmas...)
		},
		OnModel: func(stage string, index int64, desc string) {
			mu.Lock()
			first := !seen[stage]
			seen[stage] = true
			mu.Unlock()
			lv := slog.LevelInfo
			if !first {
				lv = slog.LevelDebug // a later channel's estimate
			}
			log.Log(context.Background(), lv, "noise model", "stage", stage, "frame", index, "model", cfg.NoiseModel, "parameters", desc)
		},
	}
}

// sigmaTally keeps the mean noise level the first stage reporting one used, for the report.
type sigmaTally struct {
	mu    sync.Mutex
	sum   float64
	n     int64
	stage string
}

// wrap records the first stage's σ per frame and passes everything on to next (may be nil).
func (s *sigmaTally) wrap(next func(string, int64, float64)) func(string, int64, float64) {
	return func(stage string, index int64, sigma float64) {
		s.mu.Lock()
		if s.stage == "" {
			s.stage = stage
		}
		if stage == s.stage {
			s.sum += sigma
			s.n++
		}
		s.mu.Unlock()
		if next != nil {
			next(stage, index, sigma)
		}
	}
}

// wrapPlanes is wrap for the per-plane reports: the first plane's σ is tallied.
func (s *sigmaTally) wrapPlanes(next func(string, int64, frame.Layout, []float64)) func(string, int64, frame.Layout, []float64) {
	first := s.wrap(nil)
	return func(stage string, index int64, layout frame.Layout, sigmas []float64) {
		if len(sigmas) > 0 {
			first(stage, index, sigmas[0])
		}
		if next != nil {
			next(stage, index, layout, sigmas)
		}
	}
}

// mean is the mean σ reported, and false when no stage reported one.
func (s *sigmaTally) mean() (float64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == 0 {
		return 0, false
	}
	return s.sum / float64(s.n), true
}

// logSummary writes the end-of-run line: what was written, how fast, with what.
func logSummary(log *slog.Logger, cfg *configs.Config, res *Result) {
	fps := float64(res.FramesOut) / max(res.Elapsed.Seconds(), 1e-9)
	attrs := []any{"frames", res.FramesOut, "fps", fmt.Sprintf("%.1f", fps),
		"elapsed", res.Elapsed.Round(time.Millisecond).String(), "mode", ModeLabel(cfg)}
	if res.SigmaKnown {
		attrs = append(attrs, "sigma", fmt.Sprintf("%.2f", res.Sigma))
	}
	if res.Live {
		attrs = append(attrs, "dropped", res.Dropped)
	}
	attrs = append(attrs, "output", cfg.Output)
	log.Info("done", attrs...)
}

// countStats adds a run's counts to the result.
func (r *Result) countStats(s pipeline.Stats) {
	r.FramesIn += s.FramesIn
	r.FramesOut += s.FramesOut
	r.Dropped += s.Dropped
	r.Elapsed += s.Elapsed
}
