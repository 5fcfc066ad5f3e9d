package gst

import (
	"fmt"
	"slices"
	"strings"

	"github.com/denoise-go/denoise/configs"
)

// Props are the element's settings, its GObject properties, each with the meaning of the
// denoise command's flag of the same name: zero or empty is the preset's value, or the
// command's default.
type Props struct {
	Mode        string  // --mode
	Preset      string  // --preset: a built-in name or a YAML file
	Sigma       float64 // --sigma, 0–255 scale (the luma's); 0 estimates it
	Strength    float64 // --nlm-h; 0 chooses it from the noise level
	Radius      int     // --radius; 0: the preset's
	Causal      bool    // --causal
	Model       string  // --model
	Threads     int     // --workers; 0: one per core
	ImpulseKind string  // --impulse-kind
	Live        string  // auto (upstream's liveness), true or false: the live drop policy
}

// keys maps the configuration's keys to the properties that set them, so that a refusal
// names what the user wrote.
var keys = []struct{ key, prop string }{
	{"impulse.kind", "impulse-kind"}, {"temporal.radius", "radius"}, {"temporal.causal", "causal"},
	{"nlm.h", "strength"}, {"cnn.model", "model"}, {"pipeline.workers", "threads"},
	{"sigma", "sigma"}, {"mode", "mode"},
}

// Config is the command's configuration for p: the built-in defaults, the preset, then the
// properties, validated as the command validates its flags. An error names the property.
func (p Props) Config() (*configs.Config, error) {
	if p.Mode != "" && !slices.Contains(configs.Modes, p.Mode) {
		return nil, fmt.Errorf("property mode: unknown mode %q (want one of %s)", p.Mode, strings.Join(configs.Modes, ", "))
	}
	if p.ImpulseKind != "" && !slices.Contains(configs.ImpulseKinds, p.ImpulseKind) {
		return nil, fmt.Errorf("property impulse-kind: unknown kind %q (want one of %s)", p.ImpulseKind, strings.Join(configs.ImpulseKinds, ", "))
	}
	if p.Live != "" && p.Live != "auto" && p.Live != "true" && p.Live != "false" {
		return nil, fmt.Errorf("property live: %q (want auto, true or false)", p.Live)
	}
	cfg, err := configs.Load(configs.Sources{Preset: p.Preset})
	if err != nil {
		return nil, fmt.Errorf("property preset: %w", err)
	}
	configs.Overrides{Mode: p.Mode, Sigma: p.Sigma, Strength: p.Strength, Radius: p.Radius, Causal: p.Causal,
		Model: p.Model, Workers: p.Threads, ImpulseKind: p.ImpulseKind}.Apply(cfg)
	// Input and output belong to the host pipeline: the checks of files and encoders do
	// not apply.
	cfg.Input, cfg.Output = "-", "-"
	if err := cfg.Validate(); err != nil {
		msg := err.Error()
		for _, k := range keys {
			if strings.Contains(msg, k.key) {
				return nil, fmt.Errorf("property %s: %s", k.prop, msg)
			}
		}
		return nil, fmt.Errorf("settings: %s", msg)
	}
	return cfg, nil
}
