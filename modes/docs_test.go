package modes

import (
	"slices"
	"testing"

	"github.com/denoise-go/denoise/configs"
)

// TestRegistryMatchesConfigs: configs.Modes, the values the configuration accepts, are the
// modes described here, in the same order, and every one but configs.ModeAuto is registered
// (configs cannot import modes, so the list lives in both places and this holds them together).
func TestRegistryMatchesConfigs(t *testing.T) {
	if !slices.Equal(configs.Modes, All()) {
		t.Errorf("configs.Modes %q\nmodes.All    %q", configs.Modes, All())
	}
	if want := All()[1:]; All()[0] != configs.ModeAuto || !slices.Equal(Names(), want) {
		t.Errorf("registered %q, want %q", Names(), want)
	}
	for _, m := range List() {
		if m.Description == "" || m.Params == nil {
			t.Errorf("mode %s is not described", m.Name)
		}
		for _, p := range m.Params {
			if !slices.Contains(FormParams, p) {
				t.Errorf("mode %s reads unknown form field %q", m.Name, p)
			}
		}
	}
	if _, ok := Lookup("nosuchmode"); ok {
		t.Error("Lookup found an unknown mode")
	}
}
