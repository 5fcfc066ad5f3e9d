package web

import (
	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/modes"
)

// modeInfo is one entry of GET /api/modes.
type modeInfo struct {
	Name string `json:"name"`
	// Available is false for a mode the CLI knows but this build has no filter for.
	Available bool   `json:"available"`
	Note      string `json:"note,omitempty"`
	// Params are the form fields the mode reads: sigma, strength, frames, impulse_kind.
	Params      []string `json:"params"`
	Description string   `json:"description"`
}

// modeDocs says what each known mode reads and does; a mode added to configs.Modes later
// shows every parameter until it is described here.
var modeDocs = map[string]struct {
	params []string
	desc   string
}{
	configs.ModeAuto: {[]string{"sigma", "strength", "impulse_kind"},
		"the default: impulse repair, then spatio-temporal NLM (impulse+stnlm; spatial NLM on a still picture); " +
			"stnlm alone under the poisson-gaussian and rician noise models"},
	"copy":        {[]string{}, "no filtering: the pipeline alone (a baseline)"},
	"average":     {[]string{"frames"}, "temporal average of N frames (video; a still image is returned as it is)"},
	"median":      {[]string{"sigma"}, "median filter: removes impulses and some fine noise"},
	"nlm":         {[]string{"sigma", "strength"}, "non-local means: Gaussian-like noise"},
	"impulse":     {[]string{"sigma", "impulse_kind"}, "impulse (salt-and-pepper, random-valued) detection and repair"},
	"impulse+nlm": {[]string{"sigma", "strength", "impulse_kind"}, "impulse repair, then non-local means: mixed noise"},
	"cnn":         {[]string{"sigma"}, "the CNN alone on the noisy input"},
	"impulse+cnn": {[]string{"sigma", "impulse_kind"}, "impulse repair, then the CNN"},
	"nlm+cnn":     {[]string{"sigma", "strength"}, "non-local means, then CNN refinement"},
	"stnlm":       {[]string{"sigma", "strength"}, "spatio-temporal NLM over motion-aligned frames (video; spatial NLM on a still image)"},
	"impulse+stnlm": {[]string{"sigma", "strength", "impulse_kind"},
		"impulse repair, then spatio-temporal NLM (video; spatial on a still image)"},
	"full": {[]string{"sigma", "strength", "impulse_kind"}, "the paper's full path: impulse repair, spatio-temporal NLM, CNN refinement"},
}

var allParams = []string{"sigma", "strength", "frames", "impulse_kind"}

// listModes returns every mode of configs.Modes, in its order, marking those modes.Build
// cannot build with base's settings (not registered in this build).
func listModes(base *configs.Config) []modeInfo {
	out := make([]modeInfo, 0, len(configs.Modes))
	for _, m := range configs.Modes {
		info := modeInfo{Name: m, Params: allParams}
		if d, ok := modeDocs[m]; ok {
			info.Params, info.Description = d.params, d.desc
		}
		cfg := *base
		cfg.Mode = m
		if _, err := modes.Build(&cfg); err != nil {
			info.Note = "not available in this build: " + err.Error()
		} else {
			info.Available = true
		}
		out = append(out, info)
	}
	return out
}

// defaultMode is the mode the page selects: configs.ModeAuto, also what a job without a
// mode runs, unless this build cannot build it; then the first available mode that
// filters, or the first available one.
func defaultMode(list []modeInfo) modeInfo {
	var first, filtering *modeInfo
	for i := range list {
		m := &list[i]
		if !m.Available {
			continue
		}
		if m.Name == configs.ModeAuto {
			return *m
		}
		if first == nil {
			first = m
		}
		if filtering == nil && m.Name != "copy" {
			filtering = m
		}
	}
	switch {
	case filtering != nil:
		return *filtering
	case first != nil:
		return *first
	}
	return modeInfo{}
}
