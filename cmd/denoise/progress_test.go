package main

import (
	"testing"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/modes"
	"github.com/denoise-go/denoise/pipeline"
)

// TestStagesLookahead checks the latency the live status line reports: the temporal
// stages' lookahead, r frames for a centred stnlm and none for the live preset's.
func TestStagesLookahead(t *testing.T) {
	for _, tc := range []struct {
		preset string
		flags  []string
		want   int
	}{
		{"", []string{"--mode", "stnlm", "--radius", "3"}, 3},
		{"", []string{"--mode", "impulse+stnlm", "--radius", "2", "--causal"}, 0},
		{"", []string{"--mode", "nlm"}, 0},
		{"live", nil, 0},
		{"quality", nil, 2},
	} {
		fs := runFlags()
		if err := fs.Parse(tc.flags); err != nil {
			t.Fatal(err)
		}
		cfg, err := configs.Load(configs.Sources{Preset: tc.preset, Flags: fs, FlagKeys: flagKeys})
		if err != nil {
			t.Fatal(err)
		}
		stages, err := modes.Build(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := pipeline.Lookahead(stages); got != tc.want {
			t.Errorf("preset %q %v: lookahead %d, want %d", tc.preset, tc.flags, got, tc.want)
		}
	}
}
