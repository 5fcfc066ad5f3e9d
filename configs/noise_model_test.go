package configs

import (
	"errors"
	"testing"
)

func TestNoiseModelKey(t *testing.T) {
	c, err := Load(Sources{})
	if err != nil || c.NoiseModel != NoiseGaussian {
		t.Fatalf("default noise model %q, %v", c.NoiseModel, err)
	}
	c, err = Load(Sources{Environ: []string{"DENOISE_NOISE_MODEL=rician"}})
	if err != nil || c.NoiseModel != NoiseRician {
		t.Fatalf("from the environment: %q, %v", c.NoiseModel, err)
	}
	_, err = Load(Sources{Environ: []string{"DENOISE_NOISE_MODEL=poisson"}})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Key != "noise_model" {
		t.Fatalf("poisson: %v", err)
	}
	for preset, want := range map[string]string{"fluorescence": NoisePoissonGaussian, "mri": NoiseRician} {
		c, err := Load(Sources{Preset: preset})
		if err != nil || c.NoiseModel != want {
			t.Errorf("preset %s: %q, %v", preset, c.NoiseModel, err)
		}
	}
}
