package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/encode"
	"github.com/denoise-go/denoise/modes"
	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/sci"
	"github.com/denoise-go/denoise/sci/dicom"
	"github.com/denoise-go/denoise/sci/nifti"
	"github.com/denoise-go/denoise/sci/tiffstack"
)

// Scientific inputs (multi-page TIFF stacks and ImageJ hyperstacks, DICOM files and series
// folders, NIfTI-1 volumes) are read and written by package sci instead of FFmpeg, which
// reads only a TIFF's first page and neither DICOM nor NIfTI: every channel runs through its
// own set of the mode's stages, at the stored bit depth, into a file of the same format (or
// a TIFF) that keeps the input's metadata.

// IsScientific reports whether a job on cfg.Input is read by package sci rather than FFmpeg:
// a folder holding DICOM files (a series), a DICOM or NIfTI file, or a TIFF with more than
// one full-resolution page or ImageJ metadata. A forced input format (cfg.InputFormat),
// standard input, URLs and patterns stay with FFmpeg, as do single-page TIFFs.
func IsScientific(cfg *configs.Config) bool {
	scientific, _, _ := route(cfg, nil)
	return scientific
}

// route is IsScientific, reading the input's head and parsing a TIFF once for all that a
// job needs of them. A TIFF goes through package sci's parser even when FFmpeg is to read
// it: a malformed one (an IFD chain that loops, data outside the file) is refused with the
// parser's words, rather than handed to FFmpeg, which reads what it can of it and says
// nothing; one the parser does not read (a compression it lacks, a page over its limit) goes
// to FFmpeg with a warning on log (when not nil), and the returned note, the parser's
// reason, is added to FFmpeg's error if FFmpeg cannot read it either.
func route(cfg *configs.Config, log *slog.Logger) (scientific bool, note string, err error) {
	in := cfg.Input
	if cfg.InputFormat != "" || in == "-" || strings.Contains(in, "://") || encode.IsPattern(in) {
		return false, "", nil
	}
	st, err := os.Stat(in)
	if err != nil {
		return false, "", nil // decode.Open says why
	}
	if st.IsDir() {
		return dicom.HoldsDICOM(in), "", nil // other folders are image sequences: decode reads them
	}
	if !st.Mode().IsRegular() {
		return false, "", nil // a pipe or a device: only FFmpeg reads those, and its head is not to be taken
	}
	f, err := os.Open(in)
	if err != nil {
		return false, "", nil
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case dicom.IsDICOM(head), nifti.IsNIfTI(head):
		return true, "", nil
	case nifti.IsGzip(head):
		return strings.HasSuffix(strings.ToLower(in), ".nii.gz"), "", nil
	case tiffstack.IsTIFF(head):
		t, perr := tiffstack.Open(f, st.Size())
		switch {
		case perr == nil:
			full := 0
			for _, p := range t.Pages {
				if p.SubfileType&1 == 0 {
					full++
				}
			}
			return full > 1 || t.ImageJ != nil, "", nil
		case errors.Is(perr, tiffstack.ErrUnsupported):
			if log != nil {
				log.Warn("the TIFF reader cannot read this file; FFmpeg reads its first page", "input", in, "reason", perr.Error())
			}
			return false, perr.Error(), nil
		}
		return false, "", fmt.Errorf("input %s: %w", in, perr)
	}
	return false, "", nil
}

// OpenStack opens a scientific input (see IsScientific) the way a job reads it: within
// cfg's memory limit.
func OpenStack(path string, cfg *configs.Config) (*sci.Stack, error) {
	return sci.OpenWith(path, sci.OpenOptions{MemoryLimit: cfg.MemoryLimitBytes()})
}

// Channels is a run of a mode over the channels of a stack, one channel after the other,
// each through a set of stages of its own (a temporal stage's window, or a noise model's
// estimate, never crosses from one channel into the next).
type Channels struct {
	// Config names the mode and its settings. Required.
	Config *configs.Config
	// Hooks are given to modes.BuildWith for every channel.
	Hooks modes.Hooks
	// Count is the number of channels; Source and Sink give channel c's ends (c < Count).
	Count  int
	Source func(c int) pipeline.Source
	Sink   func(c int) pipeline.Sink
	// Queue is the queue depth between stages (0: the pipeline's default).
	Queue  int
	Logger *slog.Logger
	// OnFrame, when not nil, is called as frames are written (pipeline.Config.OnFrame), with
	// FramesIn and FramesOut counted over the channels run so far.
	OnFrame func(pipeline.Stats)
}

// Run runs the channels and returns the statistics of each (those run so far on error).
// An error in channel c of several says which channel it was.
func (ch Channels) Run(ctx context.Context) ([]pipeline.Stats, error) {
	var all []pipeline.Stats
	var before pipeline.Stats // the counts of the channels done
	for c := 0; c < ch.Count; c++ {
		stages, err := modes.BuildWith(ch.Config, ch.Hooks)
		if err == nil {
			var onFrame func(pipeline.Stats)
			if ch.OnFrame != nil {
				done := before
				onFrame = func(s pipeline.Stats) {
					s.FramesIn += done.FramesIn
					s.FramesOut += done.FramesOut
					ch.OnFrame(s)
				}
			}
			var stats pipeline.Stats
			stats, err = pipeline.Run(ctx, pipeline.Config{Source: ch.Source(c), Stages: stages, Sink: ch.Sink(c),
				QueueDepth: ch.Queue, Logger: ch.Logger, OnFrame: onFrame})
			all = append(all, stats)
			before.FramesIn += stats.FramesIn
			before.FramesOut += stats.FramesOut
		}
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return all, err
			}
			err = firstError(err) // the cause; the sink's complaint about missing images follows from it
			if ch.Count > 1 {
				return all, fmt.Errorf("channel %d: %w", c, err)
			}
			return all, err
		}
	}
	return all, nil
}

// runScientific denoises a stack: each channel through the mode's stages into sci.Create's
// writer.
func runScientific(ctx context.Context, o *Options, res *Result) error {
	cfg, log := o.Config, o.Logger
	res.Scientific = true
	if !o.Trim.IsZero() {
		return errors.New("a piece of the input was selected: TIFF stacks, DICOM and NIfTI are read whole")
	}
	if err := encode.Preflight(encode.Options{Output: cfg.Output, Input: cfg.Input, Overwrite: cfg.Overwrite}); err != nil {
		return err
	}
	if cfg.Output == "-" || strings.Contains(cfg.Output, "://") || encode.IsPattern(cfg.Output) {
		return fmt.Errorf("output %s: a stack is written to a file (or a DICOM folder) of its own format, or to .tif/.tiff", cfg.Output)
	}
	st, err := OpenStack(cfg.Input, cfg)
	if err != nil {
		return fmt.Errorf("input: %w", err)
	}
	defer st.Close()
	// Check the mode, and that its frames fit the memory limit, before anything is written.
	queue, err := stackFit(cfg, st)
	if err != nil {
		return err
	}
	w, err := sci.Create(cfg.Output, st, sci.WithDescription("denoise "+describe(cfg)))
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	log.Info("stack", "input", st.String(), "mode", cfg.Mode, "noise_model", cfg.NoiseModel, "output", cfg.Output)

	ctx, stop := o.signals(ctx, nil)
	defer stop.Release()
	hooks, sigmas := o.hooks()
	t0 := time.Now()
	run := Channels{Config: cfg, Hooks: hooks, Count: st.Channels(), Queue: queue, Logger: log, OnFrame: o.OnFrame,
		Source: func(c int) pipeline.Source { return o.wrapSource(st.Channel(c)) },
		Sink:   func(c int) pipeline.Sink { return o.wrapSink(w.Channel(c)) }}
	all, err := run.Run(ctx)
	res.Channels = st.Channels()
	for _, s := range all {
		res.FramesIn += s.FramesIn
		res.FramesOut += s.FramesOut
	}
	res.Elapsed = time.Since(t0)
	res.Sigma, res.SigmaKnown = sigmas.mean()
	if err != nil {
		_ = w.Close()
		removePartial(cfg.Output)
		if errors.Is(err, context.Canceled) {
			res.Signal = stop.Signal()
			return fmt.Errorf("interrupted: %s not written", cfg.Output)
		}
		return err
	}
	if err := w.Close(); err != nil {
		removePartial(cfg.Output)
		return fmt.Errorf("output: %w", err)
	}
	log.Info("done", "images", res.FramesOut, "channels", st.Channels(), "elapsed", res.Elapsed.Round(time.Millisecond).String())
	return nil
}

// firstError returns the first of joined errors, so that the report stays one line.
func firstError(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		if es := j.Unwrap(); len(es) > 0 {
			return firstError(es[0])
		}
	}
	return err
}

func describe(cfg *configs.Config) string {
	s := "mode " + cfg.Mode
	if cfg.NoiseModel != "" && cfg.NoiseModel != configs.NoiseGaussian {
		s += ", noise model " + cfg.NoiseModel
	}
	return s
}

// removePartial removes an output file left incomplete (a DICOM series folder is left: its
// files are whole).
func removePartial(path string) {
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		_ = os.Remove(path)
	}
}

// framesInFlight bounds the frames a run of stages holds at once with queue frames between
// stages: the frame being read and the one being written, the queues, two frames per
// per-frame worker (its input and its output) and, per temporal stage, its window of
// 2·lookahead+1 frames, as many aligned or scratch copies, and the frame it emits.
func framesInFlight(stages []pipeline.Stage, queue int) int {
	n := 2 + queue*(len(stages)+1)
	for _, s := range stages {
		switch {
		case s.Temporal != nil:
			n += 2*(2*s.Temporal.Lookahead()+1) + 1
		default:
			w := s.Workers
			if w <= 0 {
				w = runtime.GOMAXPROCS(0)
			}
			n += 2 * w
		}
	}
	return n
}

// StackFits checks, before a job on the stack st runs, what Run checks before it writes
// anything: that cfg's mode builds, and that the frames its stages hold at once fit cfg's
// memory limit (a *memlimit.Error when they do not). A front end that accepts uploads
// refuses with it before it queues the job.
func StackFits(cfg *configs.Config, st *sci.Stack) error {
	_, err := stackFit(cfg, st)
	return err
}

// stackFit is StackFits, and the queue depth the run takes.
func stackFit(cfg *configs.Config, st *sci.Stack) (int, error) {
	probe, err := modes.Build(cfg)
	if err != nil {
		return 0, err
	}
	queue, err := stackQueue(cfg, st, probe)
	if err != nil {
		return 0, fmt.Errorf("input: %w", err)
	}
	return queue, nil
}

// stackQueue is the queue depth of a stack's run: the configured one, lowered until the
// frames the stages hold at once fit the memory limit; an error when not even a queue of one
// does.
func stackQueue(cfg *configs.Config, st *sci.Stack, stages []pipeline.Stage) (int, error) {
	limit := cfg.MemoryLimitBytes()
	q := cfg.Pipeline.Queue
	for q > 1 && st.MemoryNeed(framesInFlight(stages, q)) > limit {
		q--
	}
	return q, st.CheckMemory(framesInFlight(stages, q), limit)
}
