package main

import (
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/evaluate"
	"github.com/denoise-go/denoise/models"
	"github.com/denoise-go/denoise/modes"
)

// This file describes the command line as data, read from the flag sets at run time, for
// the shell completion scripts (completion.go) and the man page (manpage.go): a flag added
// to runFlags, evalFlags or serveFlags shows up in both without further work.

// command is one of denoise's commands.
type command struct {
	name  string                // as typed after "denoise"; "run" is also what no command means
	about string                // one line
	flags func() *pflag.FlagSet // nil: the command takes no options
	words []string              // the arguments it takes, where they are a few words
}

// commands lists denoise's commands in the order realMain dispatches them.
func commands() []command {
	return []command{
		{name: "run", about: "denoise a video, image sequence, image or stream (the default command)", flags: runFlags},
		{name: "eval", about: "measure modes and other tools on clean images (PSNR, SSIM, speed)", flags: evalFlags},
		{name: "serve", about: "run the web page and HTTP API: upload, pick a mode, compare", flags: serveFlags},
		{name: "worker", about: "run items of cluster jobs (--cluster) from NATS JetStream", flags: workerFlags},
		{name: "nats-server", about: "run a NATS server with JetStream for cluster jobs", flags: natsServerFlags},
		{name: "completion", about: "print a shell completion script: " + strings.Join(completionShells, ", "), words: completionShells},
		{name: "man", about: "print this manual page (roff, section 1)"},
	}
}

func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}

// valueKind says what an option's argument is, for completion.
type valueKind int

const (
	valueNone  valueKind = iota // a switch: no argument
	valueText                   // free text: nothing to offer
	valueWords                  // one of option.words
	valueFiles                  // a file name (or one of option.words)
	valueDirs                   // a folder
)

// option is one option of a command: a flag with its long name and shorthand, or an
// FFmpeg-style single-dash option (run only) that ffmpegArgs rewrites.
type option struct {
	long, short string // "mode", "m"; short alone for FFmpeg-style options ("c:v")
	ffmpeg      bool   // short is an FFmpeg-style option, typed with one dash
	usage       string // what it does
	arg         string // the argument's type ("string", "int"…); "" for a switch
	def         string // the default, "" when there is nothing to say
	repeat      bool   // may be given more than once
	kind        valueKind
	words       []string
}

// spellings returns the ways to type the option: "--mode", "-m".
func (o option) spellings() []string {
	var s []string
	if o.long != "" {
		s = append(s, "--"+o.long)
	}
	if o.short != "" {
		s = append(s, "-"+o.short)
	}
	return s
}

// options lists a command's options: its flags in declaration order, then (for run) the
// FFmpeg-style options.
func (c command) options() []option {
	if c.flags == nil {
		return nil
	}
	fs := c.flags()
	var opts []option
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Deprecated != "" {
			return
		}
		opts = append(opts, flagOption(c.name, f))
	})
	if c.name == "run" {
		opts = append(opts, ffmpegOptions(fs)...)
	}
	return opts
}

// flagOption describes one flag.
func flagOption(cmd string, f *pflag.Flag) option {
	arg, usage := pflag.UnquoteUsage(f)
	o := option{long: f.Name, short: f.Shorthand, usage: usage, arg: arg}
	if f.ShorthandDeprecated != "" {
		o.short = ""
	}
	switch f.Value.Type() {
	case "stringArray", "stringSlice", "intSlice":
		o.repeat = true
	}
	if f.NoOptDefVal != "" { // a switch, such as a bool
		o.arg = ""
		if f.DefValue != "false" {
			o.def = f.DefValue
		}
		return o
	}
	switch f.DefValue {
	case "", "[]", "0", "0s":
	default:
		o.def = f.DefValue
	}
	o.kind, o.words = flagValues(cmd, f.Name)
	return o
}

// flagValues says how the argument of a command's flag completes.
func flagValues(cmd, name string) (valueKind, []string) {
	switch name {
	case "mode":
		if cmd == "eval" {
			return valueWords, append(modes.All(), "all", "none")
		}
		return valueWords, modes.All()
	case "noise-model":
		return valueWords, configs.NoiseModels
	case "impulse-kind":
		return valueWords, configs.ImpulseKinds
	case "cnn-provider":
		return valueWords, configs.CNNProviders
	case "progress":
		return valueWords, configs.ProgressModes
	case "log-level":
		return valueWords, configs.LogLevels
	case "cnn-ensemble":
		return valueWords, []string{"1", "2", "4", "8"}
	case "preset":
		return valueFiles, configs.Presets()
	case "model":
		return valueFiles, models.Names()
	case "competitor":
		var names []string
		for _, c := range evaluate.Builtins() {
			names = append(names, c.Name)
		}
		return valueWords, names
	case "input", "output", "config", "cpuprofile", "memprofile", "clip", "stack", "csv", "json", "chart":
		return valueFiles, nil
	case "clean", "keep", "temp-dir":
		return valueDirs, nil
	}
	return valueText, nil
}

// ffmpegNames are the FFmpeg-style options that ffmpegArgs rewrites, as typed.
// TestFFmpegNamesFollowArgs holds this list to the options args.go handles.
var ffmpegNames = []string{"-i", "-c:v", "-vcodec", "-codec:v", "-crf", "-ss", "-t", "-to", "-frames:v", "-vframes", "-frames",
	"-f", "-pix_fmt", "-s", "-video_size", "-r", "-framerate"}

// ffmpegOptions describes the FFmpeg-style options by what ffmpegArgs makes of them before
// and after -i; one that is also a flag's shorthand (-i) is left to the flag.
func ffmpegOptions(fs *pflag.FlagSet) []option {
	var opts []option
	for _, name := range ffmpegNames {
		if short := strings.TrimPrefix(name, "-"); len(short) == 1 && fs.ShorthandLookup(short) != nil {
			continue
		}
		const v = "VALUE"
		before := ffmpegArgs([]string{name, v})
		after := ffmpegArgs([]string{"--input", "x", name, v})[2:]
		o := option{short: strings.TrimPrefix(name, "-"), ffmpeg: true, arg: "string", kind: valueText}
		if target := fs.Lookup(strings.TrimPrefix(before[0], "--")); target != nil {
			t := flagOption("run", target)
			o.arg, o.kind, o.words = t.arg, t.kind, t.words
			if t.repeat { // one key=value of a repeatable flag (-s: --input-option video_size=…)
				o.arg = "string"
			}
		}
		switch {
		case slices.Equal(before, after):
			o.usage = "FFmpeg-style: " + describeRewrite(before)
		case after[0] == name:
			o.usage = "FFmpeg-style, before -i only: " + describeRewrite(before)
		default:
			o.usage = "FFmpeg-style: before -i, " + describeRewrite(before) + "; after it, " + describeRewrite(after)
		}
		opts = append(opts, o)
	}
	return opts
}

// describeRewrite says what a rewritten option stands for.
func describeRewrite(args []string) string {
	return "the same as " + strings.Join(args, " ")
}
