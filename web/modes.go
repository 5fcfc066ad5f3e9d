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

// allParams are every form field a mode may read.
var allParams = modes.FormParams

// listModes returns every mode of the mode registry (modes.List), in its order, marking those
// that cannot build with base's settings (not available in this build).
func listModes(base *configs.Config) []modeInfo {
	list := modes.List()
	out := make([]modeInfo, 0, len(list))
	for _, m := range list {
		info := modeInfo{Name: m.Name, Params: m.Params, Description: m.Description}
		if err := modes.Check(base, m.Name); err != nil {
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
