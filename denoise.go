package denoise

import (
	"context"
	"fmt"
	"image"
	"slices"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/modes"
	"github.com/denoise-go/denoise/pipeline"
)

// Settings says how to denoise. Every zero value means the denoise command's default, or the
// preset's value when Preset names one; a non-zero value overrides both, as the command's
// flag of the same meaning would.
type Settings struct {
	// Mode is the denoising mode (Modes lists them; --mode). "": the preset's, else auto.
	Mode string
	// Preset is a built-in preset (Presets lists them) or the path of a YAML file in the
	// format of configs/presets (--preset). Only its filtering keys matter here.
	Preset string
	// Sigma is the noise level on the 0–255 scale, whatever the bit depth (--sigma).
	// 0: estimated from each frame.
	Sigma float64
	// Strength is the non-local means filtering parameter h relative to σ (--nlm-h).
	// 0: chosen from the noise level.
	Strength float64
	// Radius is how many neighbouring frames on each side the spatio-temporal modes
	// (stnlm, impulse+stnlm, auto, full) combine, 1 to 8 (--radius). 0: 2, or the preset's.
	// For a spatial-only result pick a spatial mode (nlm, impulse+nlm).
	Radius int
	// Causal uses past frames only, so that no frame waits for later ones (Lookahead 0),
	// for live use (--causal).
	Causal bool
	// Model is the CNN of the modes that end in one (cnn, impulse+cnn, nlm+cnn, full): an
	// ONNX file or a built-in name (--model). "": the built-in default.
	Model string
	// Threads is how many frames a per-frame stage filters at once, each on its own
	// goroutine (--workers); 0: one per core, as the command. It sets the parallelism of a
	// stream, not a cap on the process: a frame's filter uses the cores left over
	// (GOMAXPROCS divided by Threads) and the spatio-temporal stage spreads each frame over
	// GOMAXPROCS goroutines; set runtime.GOMAXPROCS to bound the whole.
	Threads int
}

// Modes lists the values Settings.Mode accepts, the default (auto) first.
func Modes() []string { return slices.Clone(configs.Modes) }

// Presets lists the built-in presets Settings.Preset accepts besides a YAML file.
func Presets() []string { return configs.Presets() }

// config turns s into the command's configuration: the built-in defaults, the preset, then
// the settings, validated as the command validates its flags.
func (s Settings) config() (*configs.Config, error) {
	cfg, err := configs.Load(configs.Sources{Preset: s.Preset})
	if err != nil {
		return nil, fmt.Errorf("denoise: %w", err)
	}
	configs.Overrides{Mode: s.Mode, Sigma: s.Sigma, Strength: s.Strength, Radius: s.Radius, Causal: s.Causal,
		Model: s.Model, Workers: s.Threads}.Apply(cfg)
	// A stream is never live: every frame pushed comes out, none is dropped.
	cfg.Pipeline.Live = false
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("denoise: %w", err)
	}
	return cfg, nil
}

// DenoiseImage denoises img with settings s and returns a new image of the same type and
// bounds; img is not modified. It takes *image.Gray, *image.Gray16, *image.RGBA,
// *image.NRGBA, *image.RGBA64, *image.NRGBA64 and *image.YCbCr (any subsampling ratio);
// for other types it returns an error (draw the image into an *image.RGBA first). Alpha is
// kept as it is; the colours of an *image.RGBA or *image.RGBA64 with translucent pixels are
// denoised unpremultiplied, as the command denoises a PNG with transparency.
func DenoiseImage(img image.Image, s Settings) (image.Image, error) {
	f, err := FromImage(img)
	if err != nil {
		return nil, err
	}
	cfg, err := s.config()
	if err != nil {
		return nil, err
	}
	stages, err := modes.BuildWith(cfg, modes.Hooks{})
	if err != nil {
		return nil, fmt.Errorf("denoise: %w", err)
	}
	out, _, err := pipeline.RunFrames(context.Background(), stages, []*frame.Frame{f})
	if err != nil {
		return nil, fmt.Errorf("denoise: %w", err)
	}
	defer out[0].Release()
	return toImageLike(out[0], img)
}
