package main

import (
	"strings"
	"testing"

	"github.com/denoise-go/denoise/internal/dsp"
)

// TestVersionLine: --version names the kernel set in use.
func TestVersionLine(t *testing.T) {
	v := versionLine()
	if !strings.HasPrefix(v, "denoise ") || !strings.Contains(v, "kernels "+dsp.Kernels()+")") {
		t.Fatalf("version line %q does not name the kernels %q", v, dsp.Kernels())
	}
	cfg, _, err := loadConfig([]string{"--version"})
	if err != nil || cfg != nil {
		t.Fatalf("--version: config %v, error %v; want neither (print and exit)", cfg, err)
	}
}
