package modes

import (
	"strings"
	"testing"

	"github.com/denoise-go/denoise/configs"
)

// TestTemporalModes checks the stages of the spatio-temporal modes and the lookahead they
// report: temporal.radius frames, none when causal or live.
func TestTemporalModes(t *testing.T) {
	for _, tc := range []struct {
		mode          string
		radius        int
		causal, live  bool
		stages        []string
		wantLookahead int
	}{
		{"stnlm", 2, false, false, []string{"stnlm"}, 2},
		{"stnlm", 1, false, false, []string{"stnlm"}, 1},
		{"stnlm", 0, false, false, []string{"stnlm"}, 0},
		{"stnlm", 2, true, false, []string{"stnlm"}, 0},
		{"impulse+stnlm", 2, false, false, []string{"impulse", "stnlm"}, 2},
		{"impulse+stnlm", 1, false, true, []string{"impulse", "stnlm"}, 0},
	} {
		cfg, err := configs.Load(configs.Sources{})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Mode, cfg.Temporal.Radius, cfg.Temporal.Causal, cfg.Pipeline.Live = tc.mode, tc.radius, tc.causal, tc.live
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		stages, err := Build(cfg)
		if err != nil {
			t.Fatalf("%s: %v", tc.mode, err)
		}
		var names []string
		look := 0
		for _, s := range stages {
			names = append(names, s.Name)
			if s.Temporal != nil {
				look += s.Temporal.Lookahead()
			}
		}
		if strings.Join(names, ",") != strings.Join(tc.stages, ",") || look != tc.wantLookahead {
			t.Errorf("%s r=%d causal=%v live=%v: stages %v lookahead %d, want %v and %d",
				tc.mode, tc.radius, tc.causal, tc.live, names, look, tc.stages, tc.wantLookahead)
		}
	}
}

// TestFullModeNeedsAModel checks that "full" is registered and, without a CNN model, fails
// with the CNN stage's error rather than as an unknown mode.
func TestFullModeNeedsAModel(t *testing.T) {
	cfg, err := configs.Load(configs.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Mode = "full"
	stages, err := Build(cfg)
	if err == nil {
		if len(stages) != 3 || stages[0].Name != "impulse" || stages[1].Name != "stnlm" || stages[2].Name != "cnn" {
			t.Errorf("full: stages %v", stages)
		}
		return
	}
	if strings.Contains(err.Error(), "is not one of") {
		t.Errorf("full is not registered: %v", err)
	}
	t.Logf("full without a model: %v", err)
}

// TestPresetsBuild builds the live and quality presets' modes.
func TestPresetsBuild(t *testing.T) {
	for _, p := range []string{"live", "quality"} {
		cfg, err := configs.Load(configs.Sources{Preset: p})
		if err != nil {
			t.Fatal(err)
		}
		stages, err := Build(cfg)
		if err != nil {
			t.Fatalf("preset %s: %v", p, err)
		}
		if len(stages) != 2 || stages[1].Name != "stnlm" {
			t.Errorf("preset %s: %d stages", p, len(stages))
		}
		if p == "live" && stages[1].Temporal.Lookahead() != 0 {
			t.Errorf("live preset: lookahead %d, want 0", stages[1].Temporal.Lookahead())
		}
	}
}
