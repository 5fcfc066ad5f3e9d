package configs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/denoise-go/denoise/internal/memlimit"
)

// ValidationError names the offending key, the value and what is allowed.
type ValidationError struct {
	Key, Value, Allowed string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("config %s: %q is not allowed (%s)", e.Key, e.Value, e.Allowed)
}

func oneOf(key, v string, allowed []string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return &ValidationError{key, v, "one of " + strings.Join(allowed, ", ")}
}

func rangeInt(key string, v, lo, hi int) error {
	if v < lo || v > hi {
		return &ValidationError{key, fmt.Sprint(v), fmt.Sprintf("%d to %d", lo, hi)}
	}
	return nil
}

func oddOrZero(key string, v, hi int) error {
	if v != 0 && (v < 1 || v%2 == 0 || v > hi) {
		return &ValidationError{key, fmt.Sprint(v), fmt.Sprintf("0 for automatic, or an odd number 1 to %d", hi)}
	}
	return nil
}

// Validate checks every key and returns the first problem.
func (c *Config) Validate() error {
	checks := []error{
		oneOf("mode", c.Mode, Modes),
		oneOf("noise_model", c.NoiseModel, NoiseModels),
		oneOf("impulse.kind", c.Impulse.Kind, ImpulseKinds),
		oneOf("temporal.motion_scale", c.Temporal.MotionScale, MotionScales),
		oneOf("cnn.provider", c.CNN.Provider, CNNProviders),
		rangeInt("cnn.threads", c.CNN.Threads, 0, 256),
		rangeInt("cnn.tile", c.CNN.Tile, 0, 8192),
		oneOf("cnn.ensemble", fmt.Sprint(c.CNN.Ensemble), []string{"1", "2", "4", "8"}),
		rangeInt("cnn.refill", c.CNN.Refill, 0, 3),
		oneOf("progress", c.Progress, ProgressModes),
		oneOf("log_level", c.LogLevel, LogLevels),
		rangeInt("crf", c.CRF, 0, 51),
		oddOrZero("nlm.patch", c.NLM.Patch, 15),
		oddOrZero("nlm.search", c.NLM.Search, 71),
		rangeInt("temporal.radius", c.Temporal.Radius, 0, 8),
		rangeInt("pipeline.workers", c.Pipeline.Workers, 0, 256),
		rangeInt("pipeline.queue", c.Pipeline.Queue, 1, 1024),
		rangeInt("pipeline.threads", c.Pipeline.Threads, 0, 256),
	}
	if c.Sigma < 0 || c.Sigma > 255 {
		checks = append(checks, &ValidationError{"sigma", fmt.Sprint(c.Sigma), "0 (estimate) to 255"})
	}
	if c.NLM.H < 0 {
		checks = append(checks, &ValidationError{"nlm.h", fmt.Sprint(c.NLM.H), "0 (automatic) or a positive factor"})
	}
	if f := c.Temporal.Frames; f < 1 || f%2 == 0 || f > 31 {
		checks = append(checks, &ValidationError{"temporal.frames", fmt.Sprint(f), "an odd number 1 to 31"})
	}
	if _, err := memlimit.Parse(c.MemoryLimit); err != nil {
		checks = append(checks, &ValidationError{"memory_limit", c.MemoryLimit, err.Error()[len("want "):]})
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}
