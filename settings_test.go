package denoise

import "testing"

// Settings land on the command's configuration keys, over the preset's values, and leave
// the preset's own where they are zero.
func TestSettingsOverPreset(t *testing.T) {
	cfg, err := Settings{Preset: "live", Radius: 3, Strength: 0.9, Threads: 2, Model: "light"}.config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Mode != "impulse+stnlm" || cfg.Temporal.Radius != 3 || !cfg.Temporal.Causal || cfg.NLM.Search != 3 ||
		cfg.NLM.H != 0.9 || cfg.Pipeline.Workers != 2 || cfg.CNN.Model != "light" || cfg.Impulse.Kind != "sp" {
		t.Fatalf("%+v", cfg)
	}
	cfg, err = Settings{}.config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Mode != "auto" || cfg.Temporal.Radius != 2 || cfg.Temporal.Causal || cfg.Sigma != 0 || cfg.Pipeline.Workers != 0 {
		t.Fatalf("%+v", cfg)
	}
	if _, err := (Settings{Preset: "nope"}).config(); err == nil {
		t.Fatal("an unknown preset was taken")
	}
}
