package configs

// Config is everything a run needs. YAML keys are the mapstructure tags; environment
// variables are DENOISE_ plus the key in upper case with dots as underscores
// (DENOISE_NLM_SEARCH=15).
type Config struct {
	Input          string            `mapstructure:"input"`
	InputFormat    string            `mapstructure:"input_format"`
	InputOptions   map[string]string `mapstructure:"input_options"`
	Output         string            `mapstructure:"output"`
	OutputFormat   string            `mapstructure:"output_format"`
	Overwrite      bool              `mapstructure:"overwrite"`
	Codec          string            `mapstructure:"codec"`
	CRF            int               `mapstructure:"crf"`
	PixFmt         string            `mapstructure:"pix_fmt"`
	EncoderOptions map[string]string `mapstructure:"encoder_options"`
	MuxerOptions   map[string]string `mapstructure:"muxer_options"`
	// PresetEncoderOptions are the keys of EncoderOptions that only the preset set: they
	// were written for the preset's encoder and apply where the chosen encoder takes them.
	PresetEncoderOptions []string `mapstructure:"-"`

	Mode string `mapstructure:"mode"`
	// NoiseModel is the noise the mode is run for: gaussian (signal-independent, the
	// default), poisson-gaussian (photon-limited sensors: the mode runs between a generalized
	// Anscombe transform and its exact unbiased inverse) or rician (MR magnitude: nlm
	// averages squared magnitudes and removes the 2σ² bias). See modes/science.go.
	NoiseModel string `mapstructure:"noise_model"`
	// Sigma is the noise level on the 0–255 scale for every bit depth; 0 estimates it.
	Sigma    float64  `mapstructure:"sigma"`
	NLM      NLM      `mapstructure:"nlm"`
	Impulse  Impulse  `mapstructure:"impulse"`
	Temporal Temporal `mapstructure:"temporal"`
	CNN      CNN      `mapstructure:"cnn"`

	Pipeline Pipeline `mapstructure:"pipeline"`

	// MemoryLimit is the memory budget: "auto" (a quarter of the machine's memory) or a
	// size such as 512MiB; work that would need more is refused before it is allocated.
	MemoryLimit string `mapstructure:"memory_limit"`

	MetricsAddr string `mapstructure:"metrics_addr"`
	Progress    string `mapstructure:"progress"`
	LogLevel    string `mapstructure:"log_level"`
}

// NLM parameters; zero means "chosen from the noise level".
type NLM struct {
	Patch  int     `mapstructure:"patch"`  // patch side, odd
	Search int     `mapstructure:"search"` // search window side, odd
	H      float64 `mapstructure:"h"`      // filtering strength relative to sigma
}

// Impulse detection settings.
type Impulse struct {
	Kind string `mapstructure:"kind"` // auto, sp (salt-and-pepper), rv (random-valued)
}

// Temporal settings.
type Temporal struct {
	Frames int  `mapstructure:"frames"` // frames averaged by --mode average (odd)
	Align  bool `mapstructure:"align"`  // motion-compensate neighbours before combining them
	Causal bool `mapstructure:"causal"` // past frames only: no lookahead, for live use
	Radius int  `mapstructure:"radius"` // stnlm: neighbours on each side (past only when causal); 0: spatial only
	// MotionScale is the resolution motion is estimated at: auto (half from 1024×576 pixels
	// up, full below), full or half.
	MotionScale string `mapstructure:"motion_scale"`
}

// CNN settings of the refinement stage.
type CNN struct {
	Model    string `mapstructure:"model"`    // ONNX file or built-in name; empty: the built-in default (light when live or alone)
	Library  string `mapstructure:"library"`  // ONNX Runtime shared library; empty: DENOISE_ORT_LIBRARY, then setup's
	Threads  int    `mapstructure:"threads"`  // ONNX Runtime threads per worker (0: 1)
	Provider string `mapstructure:"provider"` // cpu or cuda
	Tile     int    `mapstructure:"tile"`     // largest tile side (0: 512)
	Ensemble int    `mapstructure:"ensemble"` // views averaged (geometric self-ensemble): 1, 2, 4 or 8; each costs a run of the network
	Refill   int    `mapstructure:"refill"`   // passes that put the network's estimate of the impulses back and run NLM and the network again (0–3)
}

// Pipeline settings.
type Pipeline struct {
	Workers int  `mapstructure:"workers"` // per-frame filter workers; 0: one per core
	Queue   int  `mapstructure:"queue"`   // frames buffered between stages
	Live    bool `mapstructure:"live"`    // drop frames instead of blocking when behind
	Threads int  `mapstructure:"threads"` // FFmpeg decoder/encoder threads; 0: FFmpeg chooses
}

// ModeAuto, the default mode, denoises whatever it is given: impulse repair, then the
// spatio-temporal NLM (spatial on a still picture); for the Poisson-Gaussian and Rician
// noise models, the model's NLM. ResolveMode names the mode it stands for.
const ModeAuto = "auto"

// ResolveMode returns the concrete mode cfg runs: cfg.Mode, or for ModeAuto the mode
// chosen for cfg's noise model.
func ResolveMode(cfg *Config) string {
	if cfg.Mode != ModeAuto {
		return cfg.Mode
	}
	switch cfg.NoiseModel {
	case NoisePoissonGaussian, NoiseRician:
		return "stnlm"
	}
	return "impulse+stnlm"
}

// Modes are the values "mode" accepts, in the order --help lists them.
var Modes = []string{ModeAuto, "copy", "average", "median", "nlm", "impulse", "impulse+nlm", "stnlm", "impulse+stnlm", "cnn",
	"impulse+cnn", "nlm+cnn", "full"}

// The values "noise_model" accepts.
const (
	NoiseGaussian        = "gaussian"
	NoisePoissonGaussian = "poisson-gaussian"
	NoiseRician          = "rician"
)

// NoiseModels are the values "noise_model" accepts, the default first.
var NoiseModels = []string{NoiseGaussian, NoisePoissonGaussian, NoiseRician}

// The words that impulse.kind, cnn.provider, progress and log_level accept, in the order
// --help lists them.
var (
	ImpulseKinds  = []string{"auto", "sp", "rv"}
	MotionScales  = []string{"auto", "full", "half"}
	CNNProviders  = []string{"cpu", "cuda"}
	ProgressModes = []string{"auto", "on", "off"}
	LogLevels     = []string{"debug", "info", "warn", "error"}
)

// Defaults is the built-in layer under every other.
func Defaults() map[string]any {
	return map[string]any{
		"input": "", "input_format": "", "input_options": map[string]string{},
		"output": "", "output_format": "", "overwrite": false,
		"codec": "", "crf": 18, "pix_fmt": "",
		"encoder_options": map[string]string{}, "muxer_options": map[string]string{},
		"mode": ModeAuto, "sigma": 0.0, "noise_model": NoiseGaussian,
		"nlm.patch": 0, "nlm.search": 0, "nlm.h": 0.0,
		"impulse.kind":    "auto",
		"temporal.frames": 5, "temporal.align": true, "temporal.causal": false, "temporal.radius": 2, "temporal.motion_scale": "auto",
		"cnn.model": "", "cnn.library": "", "cnn.threads": 0, "cnn.provider": "cpu", "cnn.tile": 0, "cnn.ensemble": 1, "cnn.refill": 1,
		"pipeline.workers": 0, "pipeline.queue": 4, "pipeline.live": false, "pipeline.threads": 0,
		"memory_limit": "auto",
		"metrics_addr": "", "progress": "auto", "log_level": "info",
	}
}
