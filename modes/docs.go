package modes

import (
	"slices"

	"github.com/denoise-go/denoise/configs"
)

// Info describes a mode for the front ends: denoise --help, the web page, eval.
type Info struct {
	Name        string
	Description string
	// Params are the web form's fields the mode reads: sigma, strength, frames, impulse_kind.
	Params []string
}

// FormParams are every form field a mode may read, in the form's order.
var FormParams = []string{"sigma", "strength", "frames", "impulse_kind"}

// infos are every mode, in the order --help lists them: configs.ModeAuto, then the
// registered ones. register refuses a mode that is not described here, and a test holds
// configs.Modes (the values the configuration accepts) to this list.
var infos = []Info{
	{configs.ModeAuto, "the default: impulse repair, then spatio-temporal NLM (impulse+stnlm; spatial NLM on a still picture); " +
		"stnlm alone under the poisson-gaussian and rician noise models", []string{"sigma", "strength", "impulse_kind"}},
	{"copy", "no filtering: the pipeline alone (a baseline)", []string{}},
	{"average", "temporal average of N frames (video; a still image is returned as it is)", []string{"frames"}},
	{"median", "median filter: removes impulses and some fine noise", []string{"sigma"}},
	{"nlm", "non-local means: Gaussian-like noise", []string{"sigma", "strength"}},
	{"impulse", "impulse (salt-and-pepper, random-valued) detection and repair", []string{"sigma", "impulse_kind"}},
	{"impulse+nlm", "impulse repair, then non-local means: mixed noise", []string{"sigma", "strength", "impulse_kind"}},
	{"stnlm", "spatio-temporal NLM over motion-aligned frames (video; spatial NLM on a still image)", []string{"sigma", "strength"}},
	{"impulse+stnlm", "impulse repair, then spatio-temporal NLM (video; spatial on a still image)", []string{"sigma", "strength", "impulse_kind"}},
	{"cnn", "the CNN alone on the noisy input", []string{"sigma"}},
	{"impulse+cnn", "impulse repair, then the CNN", []string{"sigma", "impulse_kind"}},
	{"nlm+cnn", "non-local means, then CNN refinement", []string{"sigma", "strength"}},
	{"full", "the paper's full path: impulse repair, spatio-temporal NLM, CNN refinement", []string{"sigma", "strength", "impulse_kind"}},
}

// List returns every mode, configs.ModeAuto first, in the order --help lists them.
func List() []Info {
	out := slices.Clone(infos)
	for i := range out {
		out[i].Params = slices.Clone(out[i].Params)
	}
	return out
}

// All returns the names of every mode, configs.ModeAuto first, in the order --help lists
// them.
func All() []string {
	names := make([]string, len(infos))
	for i, m := range infos {
		names[i] = m.Name
	}
	return names
}

// Lookup returns the description of mode name.
func Lookup(name string) (Info, bool) {
	i := slices.IndexFunc(infos, func(m Info) bool { return m.Name == name })
	if i < 0 {
		return Info{}, false
	}
	m := infos[i]
	m.Params = slices.Clone(m.Params)
	return m, true
}

// Check tells whether mode name builds with base's other settings in this build (nil), or
// why not: a mode whose model or library this build lacks, say.
func Check(base *configs.Config, name string) error {
	cfg := *base
	cfg.Mode = name
	_, err := Build(&cfg)
	return err
}

// Available returns the modes of All that build with base's other settings.
func Available(base *configs.Config) []string {
	var out []string
	for _, m := range All() {
		if Check(base, m) == nil {
			out = append(out, m)
		}
	}
	return out
}
