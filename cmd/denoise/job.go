package main

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
	runjob "github.com/denoise-go/denoise/job"
)

// checkJobEnds refuses, before anything is opened, a job without an input or an output and
// video written to a terminal.
func checkJobEnds(cfg *configs.Config) error {
	switch {
	case cfg.Input == "":
		return usageError{errors.New("no input given (-i FILE; see denoise --help)")}
	case cfg.Output == "":
		return usageError{errors.New("no output given (-o FILE, or -o - for Y4M on standard output; see denoise --help)")}
	case cfg.Output == "-" && term.IsTerminal(int(os.Stdout.Fd())):
		return usageError{errors.New("-o - writes video to standard output, which is a terminal: pipe it (-o - | ffplay -) or give a file name")}
	}
	return nil
}

// trimFlags reads -ss/--start, -t/--duration, -to/--to and -frames:v/--max-frames.
func trimFlags(fs *pflag.FlagSet) (decode.Trim, error) {
	var t decode.Trim
	get := func(name string) (time.Duration, bool, error) {
		v, _ := fs.GetString(name)
		if v == "" {
			return 0, false, nil
		}
		d, err := parseFFTime(v)
		if err != nil {
			return 0, false, usageError{fmt.Errorf("--%s %q: %w", name, v, err)}
		}
		if d < 0 {
			return 0, false, usageError{fmt.Errorf("--%s %q: a time in the input cannot be negative", name, v)}
		}
		return d, true, nil
	}
	var err error
	if t.Start, _, err = get("start"); err != nil {
		return t, err
	}
	dur, hasDur, err := get("duration")
	if err != nil {
		return t, err
	}
	to, hasTo, err := get("to")
	if err != nil {
		return t, err
	}
	switch {
	case hasDur && hasTo:
		return t, usageError{errors.New("give either -t (a duration) or -to (an end time), not both")}
	case hasDur:
		if dur == 0 {
			return t, usageError{errors.New("-t 0 selects nothing: give a positive duration")}
		}
		t.Duration = dur
	case hasTo:
		if to <= t.Start {
			return t, usageError{fmt.Errorf("-to %v is not after -ss %v", to, t.Start)}
		}
		t.Duration = to - t.Start
	}
	n, _ := fs.GetInt64("max-frames")
	if n < 0 {
		return t, usageError{fmt.Errorf("-frames:v %d: the frame count cannot be negative", n)}
	}
	t.Frames = n
	return t, nil
}

// parseFFTime reads a time the way ffmpeg's -ss and -t take it: [-][HH:]MM:SS[.m…], or
// seconds with an optional s, ms or us suffix (12.5, 1500ms).
func parseFFTime(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	neg := strings.HasPrefix(in, "-")
	in = strings.TrimPrefix(in, "-")
	bad := errors.New("not a time: use seconds (12.5, 1500ms) or [HH:]MM:SS[.frac]")
	var secs float64
	if strings.Contains(in, ":") {
		parts := strings.Split(in, ":")
		if len(parts) > 3 {
			return 0, bad
		}
		for i, p := range parts {
			last := i == len(parts)-1
			if p == "" || (!last && strings.Contains(p, ".")) {
				return 0, bad
			}
			v, err := strconv.ParseFloat(p, 64)
			if err != nil || v < 0 || (i > 0 && v >= 60) {
				return 0, bad
			}
			secs = secs*60 + v
		}
	} else {
		unit := 1.0
		switch {
		case strings.HasSuffix(in, "ms"):
			in, unit = strings.TrimSuffix(in, "ms"), 1e-3
		case strings.HasSuffix(in, "us"):
			in, unit = strings.TrimSuffix(in, "us"), 1e-6
		case strings.HasSuffix(in, "s"):
			in = strings.TrimSuffix(in, "s")
		}
		v, err := strconv.ParseFloat(in, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) || v < 0 {
			return 0, bad
		}
		secs = v * unit
	}
	if secs > math.MaxInt64/1e9 {
		return 0, bad
	}
	d := time.Duration(math.Round(secs * 1e9))
	if neg {
		d = -d
	}
	return d, nil
}

// liveDefaults gives a live source run in the default mode the live preset's filtering
// (one past frame, salt-and-pepper impulses, a small search window), which keeps up with a
// camera, under whatever the user set; its output settings are not taken.
func liveDefaults(cfg *configs.Config, fs *pflag.FlagSet, log *slog.Logger) error {
	if preset, _ := fs.GetString("preset"); cfg.Mode != configs.ModeAuto || preset != "" {
		return nil
	}
	cfgFile, _ := fs.GetString("config")
	lc, err := configs.Load(configs.Sources{Preset: "live", ConfigFile: cfgFile, Environ: os.Environ(), Flags: fs, FlagKeys: flagKeys})
	if err != nil {
		return usageError{err}
	}
	cfg.Impulse, cfg.Temporal, cfg.NLM = lc.Impulse, lc.Temporal, lc.NLM
	if !fs.Changed("queue") {
		cfg.Pipeline.Queue = lc.Pipeline.Queue
	}
	log.Info("live source: the default mode runs with the live preset's filtering", "mode", runjob.ModeLabel(cfg),
		"radius", cfg.Temporal.Radius, "causal", true, "impulse_kind", cfg.Impulse.Kind, "nlm_search", cfg.NLM.Search)
	return nil
}

// exitCode is the exit code of a job stopped by sig: the shell's 128 + its number.
func exitCode(sig os.Signal) int {
	if sig == syscall.SIGTERM {
		return exitTerminated
	}
	return exitInterrupted
}

// readTimeout is the input's read timeout: --read-timeout where given (for any input),
// otherwise its default for network inputs and none for files, pipes and devices.
func readTimeout(fs *pflag.FlagSet, input string) (time.Duration, error) {
	d, _ := fs.GetDuration("read-timeout")
	if d < 0 {
		return 0, usageError{fmt.Errorf("--read-timeout %v: give a positive duration (or 0 for none)", d)}
	}
	if fs.Changed("read-timeout") || decode.IsNetwork(input) {
		return d, nil
	}
	return 0, nil
}

// strictFlag reports whether --strict was given.
func strictFlag(fs *pflag.FlagSet) bool {
	v, _ := fs.GetBool("strict")
	return v
}

// isSciInput reports whether a job's input is read by package sci (TIFF stacks, DICOM,
// NIfTI) rather than FFmpeg.
var isSciInput = runjob.IsScientific
