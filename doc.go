// Package denoise is the Go interface to the denoiser: the same modes, presets and pipeline
// the denoise command runs, for programs that hold their pictures in memory.
//
// Settings chooses what to run; its zero value is the command's default (mode auto:
// impulse repair, then spatio-temporal non-local means, spatial on a still picture, with the
// noise level estimated from the input). DenoiseImage denoises one image.Image. NewStream
// denoises a sequence: frames are pushed in presentation order and come out in that order,
// later than they went in when the mode looks at future frames (Stream.Lookahead); Flush
// returns the rest at the end. A stream works on frame.Frame, the project's working format
// (planes of float32 samples in [0,1]); FromImage and ToImage convert image.Image values.
//
// For the same settings and the same picture, DenoiseImage gives the same pixels as
//
//	denoise -i in.png -o out.png
//
// with the corresponding flags (--mode, --preset, --sigma, --nlm-h, --radius, --causal,
// --model, --workers): both build the mode's stages with the modes package and run them
// through the same pipeline. The command also reads DENOISE_* environment variables and
// --config files; this package reads neither.
package denoise
