package web

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/quality"
)

// formFields are the multipart fields POST /api/jobs reads besides "file".
var formFields = []string{"mode", "sigma", "strength", "frames", "impulse_kind", "noise", "seed"}

// maxStrength bounds the strength factor (NLM's h relative to sigma).
const maxStrength = 20

// jobParams are a job's settings as the client gave them, normalised.
type jobParams struct {
	// Mode is the mode asked for, configs.ModeAuto when the form has none.
	Mode string `json:"mode"`
	// ResolvedMode is the concrete mode Mode runs (configs.ResolveMode): Mode itself,
	// unless it is auto.
	ResolvedMode string `json:"resolved_mode"`
	// Sigma is the noise level on the 0–255 scale; 0 lets the filter estimate it.
	Sigma float64 `json:"sigma"`
	// Strength is the filtering strength relative to sigma (NLM's h); 0 is automatic.
	Strength    float64 `json:"strength"`
	Frames      int     `json:"frames,omitempty"`
	ImpulseKind string  `json:"impulse_kind,omitempty"`
	// Noise is the synthetic noise added before denoising ("" for none), as a quality spec.
	Noise string `json:"noise,omitempty"`
	Seed  int64  `json:"seed"`

	noise *quality.Noise // parsed Noise, nil for none
}

// parseParams reads the form fields into params and the configuration of the job's mode,
// built on base. Every problem is a 400 that names the field.
func parseParams(fields map[string]string, base *configs.Config) (jobParams, *configs.Config, error) {
	bad := func(format string, a ...any) (jobParams, *configs.Config, error) {
		return jobParams{}, nil, errorf(http.StatusBadRequest, format, a...)
	}
	for k := range fields {
		if !slices.Contains(formFields, k) {
			return bad("unknown form field %q (the fields are file, %s)", k, strings.Join(formFields, ", "))
		}
	}
	p := jobParams{Mode: strings.TrimSpace(fields["mode"]), Seed: 1}
	if p.Mode == "" {
		p.Mode = configs.ModeAuto // the CLI's default too
	}
	if !slices.Contains(configs.Modes, p.Mode) {
		return bad("mode %q is not one of %s", p.Mode, strings.Join(configs.Modes, ", "))
	}
	var err error
	if p.Sigma, err = autoNumber(fields["sigma"], 255); err != nil {
		return bad("sigma: %v (auto, or a noise level on the 0-255 scale, up to 255)", err)
	}
	if p.Strength, err = autoNumber(fields["strength"], maxStrength); err != nil {
		return bad("strength: %v (auto, or a factor up to %d)", err, maxStrength)
	}
	cfg := *base
	cfg.Mode, cfg.Sigma = p.Mode, p.Sigma
	if p.Strength > 0 {
		cfg.NLM.H = p.Strength
	}
	if v := strings.TrimSpace(fields["frames"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return bad("frames: %q is not a whole number", v)
		}
		p.Frames, cfg.Temporal.Frames = n, n
	}
	if v := strings.TrimSpace(fields["impulse_kind"]); v != "" {
		p.ImpulseKind, cfg.Impulse.Kind = v, v
	}
	if v := strings.TrimSpace(fields["seed"]); v != "" {
		if p.Seed, err = strconv.ParseInt(v, 10, 64); err != nil {
			return bad("seed: %q is not a whole number", v)
		}
	}
	if v := strings.TrimSpace(fields["noise"]); v != "" && !strings.EqualFold(v, "none") {
		n, err := quality.ParseNoise(v)
		if err != nil {
			return bad("noise: %v", err)
		}
		if len(n.Parts) > 0 {
			p.noise, p.Noise = &n, n.String()
		}
	}
	if err := cfg.Validate(); err != nil {
		return bad("%v", err)
	}
	p.ResolvedMode = configs.ResolveMode(&cfg)
	return p, &cfg, nil
}

// autoNumber reads "", "auto" or "0" as 0, else a finite number in (0, hi].
func autoNumber(s string, hi float64) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "auto") {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if v < 0 || v > hi {
		return 0, fmt.Errorf("%s is out of range", s)
	}
	return v, nil
}
