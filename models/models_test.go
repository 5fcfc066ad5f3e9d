package models

import (
	"strings"
	"testing"
)

func TestBuiltins(t *testing.T) {
	names := Names()
	for _, n := range names {
		b, err := ONNX(n)
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %d bytes, %v", n, len(b), err)
		}
		if _, err := Card(n); err != nil {
			t.Errorf("%s has no model card: %v", n, err)
		}
	}
	d := Default()
	if (d == "") != (len(names) == 0) {
		t.Errorf("default %q among %v", d, names)
	}
	if _, err := ONNX("nosuchmodel"); err == nil || !strings.Contains(err.Error(), `no built-in model "nosuchmodel"`) {
		t.Errorf("unknown model: %v", err)
	}
	t.Logf("built in: %v, default %q", names, d)
}

// TestDefaults: the full model is the default, the light one LightDefault.
func TestDefaults(t *testing.T) {
	have := map[string]bool{}
	for _, n := range Names() {
		have[n] = true
	}
	if have["full"] && Default() != "full" {
		t.Errorf("default %q with a full model built in", Default())
	}
	if have[Light] && LightDefault() != Light {
		t.Errorf("light default %q with the light model built in", LightDefault())
	}
	if !have[Light] && LightDefault() != Default() {
		t.Errorf("light default %q, default %q", LightDefault(), Default())
	}
}
