// Package models holds the ONNX denoising networks built into denoise (go:embed), each with
// its model card; filter/cnn loads them by name ("full", "light", "light-int8": light
// quantised to 8 bits by train/quantize.py), and --model FILE loads any other compatible ONNX
// file: a name with a slash or ending in .onnx is a file, any other is a built-in name, never
// looked up on disk (filter/cnn.IsModelPath). train/README.md says how to train and add one.
package models

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// builtin holds NAME.onnx and its card NAME.md for every shipped model, plus a README.
//
//go:embed builtin
var builtin embed.FS

// Preference is the order in which a default model is chosen among those built in: the
// full model for quality, the light one when the full one is not in this build.
var Preference = []string{"full", Light}

// Light is the built-in model made for real time on CPU.
const Light = "light"

// LightInt8 is Light quantised to 8 bits (QDQ: int8 weights, uint8 activations), which ONNX
// Runtime runs with its integer convolution kernels; its card gives speed and quality.
const LightInt8 = "light-int8"

// LightDefault returns the light model when it is built in, else Default: the default of
// live pipelines (the full model is about 37 times slower) and of the CNN alone (modes cnn
// and impulse+cnn, where the full model breaks down at high noise; see modes.cnnModel).
func LightDefault() string {
	for _, n := range Names() {
		if n == Light {
			return n
		}
	}
	return Default()
}

// Names lists the built-in models, sorted.
func Names() []string {
	ents, _ := fs.ReadDir(builtin, "builtin")
	var names []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".onnx"); ok && !e.IsDir() {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// Default returns the name of the default built-in model, or "" when none is built in.
func Default() string {
	have := Names()
	for _, p := range Preference {
		for _, n := range have {
			if n == p {
				return n
			}
		}
	}
	if len(have) > 0 {
		return have[0]
	}
	return ""
}

// ONNX returns the bytes of built-in model name.
func ONNX(name string) ([]byte, error) {
	b, err := builtin.ReadFile(path.Join("builtin", name+".onnx"))
	if err != nil {
		return nil, fmt.Errorf("no built-in model %q (built in: %s)", name, list(Names()))
	}
	return b, nil
}

// Card returns the model card (Markdown) of built-in model name.
func Card(name string) (string, error) {
	b, err := builtin.ReadFile(path.Join("builtin", name+".md"))
	if err != nil {
		return "", fmt.Errorf("no card for built-in model %q", name)
	}
	return string(b), nil
}

func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
