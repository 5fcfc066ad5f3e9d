package configs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func flags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.String("mode", "copy", "")
	fs.Int("crf", 18, "")
	fs.StringArray("input-option", nil, "")
	fs.Int("nlm-search", 0, "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

var keys = map[string]string{"input-option": "input_options", "nlm-search": "nlm.search"}

func TestLayering(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(cfgFile, []byte("crf: 30\nnlm:\n  search: 11\n  patch: 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		src       Sources
		mode      string
		crf       int
		search    int
		patch     int
		live      bool
		inputOpts map[string]string
	}{
		{"defaults", Sources{}, "auto", 18, 0, 0, false, nil},
		{"preset", Sources{Preset: "live"}, "impulse+stnlm", 18, 3, 0, false, nil},
		{"config over preset", Sources{Preset: "live", ConfigFile: cfgFile}, "impulse+stnlm", 30, 11, 5, false, nil},
		{"env over config", Sources{Preset: "live", ConfigFile: cfgFile, Environ: []string{"DENOISE_CRF=25", "DENOISE_NLM_SEARCH=9"}}, "impulse+stnlm", 25, 9, 5, false, nil},
		{"flags over env", Sources{Preset: "live", ConfigFile: cfgFile, Environ: []string{"DENOISE_CRF=25"},
			Flags: flags(t, "--crf", "20", "--mode", "average", "--input-option", "video_size=64x48", "--nlm-search", "13")},
			"average", 20, 13, 5, false, map[string]string{"video_size": "64x48"}},
		{"env map", Sources{Environ: []string{"DENOISE_INPUT_OPTIONS=framerate=25,pixel_format=gray"}}, "auto", 18, 0, 0, false,
			map[string]string{"framerate": "25", "pixel_format": "gray"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.src.FlagKeys = keys
			cfg, err := Load(c.src)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Mode != c.mode || cfg.CRF != c.crf || cfg.NLM.Search != c.search || cfg.NLM.Patch != c.patch || cfg.Pipeline.Live != c.live {
				t.Errorf("got mode=%s crf=%d search=%d patch=%d live=%v", cfg.Mode, cfg.CRF, cfg.NLM.Search, cfg.NLM.Patch, cfg.Pipeline.Live)
			}
			for k, v := range c.inputOpts {
				if cfg.InputOptions[k] != v {
					t.Errorf("input_options[%s] = %q, want %q", k, cfg.InputOptions[k], v)
				}
			}
		})
	}
}

func TestValidationNamesKey(t *testing.T) {
	cases := []struct {
		src Sources
		key string
	}{
		{Sources{Environ: []string{"DENOISE_MODE=blur"}}, "mode"},
		{Sources{Environ: []string{"DENOISE_NLM_PATCH=4"}}, "nlm.patch"},
		{Sources{Environ: []string{"DENOISE_CRF=70"}}, "crf"},
		{Sources{Preset: "nosuch"}, "preset"},
	}
	for _, c := range cases {
		_, err := Load(c.src)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Key != c.key {
			t.Errorf("%v: got %v, want a ValidationError for %s", c.src, err, c.key)
			continue
		}
		if !strings.Contains(err.Error(), c.key) || !strings.Contains(err.Error(), "allowed") {
			t.Errorf("message %q does not name the key and what is allowed", err)
		}
	}
}

func TestUnknownYAMLKey(t *testing.T) {
	f := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(f, []byte("nlm:\n  serach: 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(Sources{ConfigFile: f})
	if err == nil || !strings.Contains(err.Error(), "nlm.serach") {
		t.Fatalf("got %v, want an unknown-key error naming nlm.serach", err)
	}
}

func TestPresetsValid(t *testing.T) {
	for _, p := range Presets() {
		if _, err := Load(Sources{Preset: p}); err != nil {
			t.Errorf("preset %s: %v", p, err)
		}
	}
}
