package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/encode"
	"github.com/denoise-go/denoise/evaluate"
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
// own pipeline of the mode's stages, at the stored bit depth, into a file of the same format
// (or a TIFF) that keeps the input's metadata.

// isSciInput reports whether the run's input goes through package sci: a folder holding DICOM
// files (a series), a DICOM or NIfTI file, or a TIFF with more than one full-resolution page or ImageJ
// metadata. A forced input format (-f), standard input, URLs and patterns stay with FFmpeg, as
// do single-page TIFFs.
func isSciInput(cfg *configs.Config) bool {
	in := cfg.Input
	if cfg.InputFormat != "" || in == "-" || strings.Contains(in, "://") || encode.IsPattern(in) {
		return false
	}
	st, err := os.Stat(in)
	if err != nil {
		return false
	}
	if st.IsDir() {
		return dicom.HoldsDICOM(in) // other folders are image sequences: decode reads them
	}
	f, err := os.Open(in)
	if err != nil {
		return false
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case dicom.IsDICOM(head), nifti.IsNIfTI(head):
		f.Close()
		return true
	case nifti.IsGzip(head):
		f.Close()
		return strings.HasSuffix(strings.ToLower(in), ".nii.gz")
	case tiffstack.IsTIFF(head):
		defer f.Close()
		t, err := tiffstack.Open(f, st.Size())
		if err != nil {
			return false
		}
		full := 0
		for _, p := range t.Pages {
			if p.SubfileType&1 == 0 {
				full++
			}
		}
		return full > 1 || t.ImageJ != nil
	}
	f.Close()
	return false
}

// runSci denoises a stack: each channel through modes.BuildWith's stages into sci.Create's
// writer.
func runSci(cfg *configs.Config, log *slog.Logger) error {
	if err := encode.Preflight(encode.Options{Output: cfg.Output, Input: cfg.Input, Overwrite: cfg.Overwrite}); err != nil {
		return err
	}
	if cfg.Output == "-" || strings.Contains(cfg.Output, "://") || encode.IsPattern(cfg.Output) {
		return fmt.Errorf("output %s: a stack is written to a file (or a DICOM folder) of its own format, or to .tif/.tiff", cfg.Output)
	}
	if same(cfg.Input, cfg.Output) {
		return fmt.Errorf("output %s is the input: write elsewhere", cfg.Output)
	}
	st, err := sci.OpenWith(cfg.Input, sci.OpenOptions{MemoryLimit: cfg.MemoryLimitBytes()})
	if err != nil {
		return fmt.Errorf("input: %w", err)
	}
	defer st.Close()
	// Check the mode, and that its frames fit the memory limit, before anything is written.
	probe, err := modes.Build(cfg)
	if err != nil {
		return err
	}
	queue, err := sciQueue(cfg, st, probe)
	if err != nil {
		return fmt.Errorf("input: %w", err)
	}
	w, err := sci.Create(cfg.Output, st, sci.WithDescription("denoise "+describe(cfg)))
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	log.Info("stack", "input", st.String(), "mode", cfg.Mode, "noise_model", cfg.NoiseModel, "output", cfg.Output)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	hooks := runHooks(log, cfg)
	t0 := time.Now()
	var frames int64
	for c := 0; c < st.Channels(); c++ {
		stages, err := modes.BuildWith(cfg, hooks)
		if err == nil {
			var stats pipeline.Stats
			stats, err = pipeline.Run(ctx, pipeline.Config{Source: st.Channel(c), Stages: stages, Sink: w.Channel(c),
				QueueDepth: queue, Logger: log})
			frames += stats.FramesOut
		}
		if err != nil {
			_ = w.Close()
			removePartial(cfg.Output)
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("interrupted: %s not written", cfg.Output)
			}
			err = firstError(err) // the cause; the sink's complaint about missing images follows from it
			if st.Channels() > 1 {
				return fmt.Errorf("channel %d: %w", c, err)
			}
			return err
		}
	}
	if err := w.Close(); err != nil {
		removePartial(cfg.Output)
		return fmt.Errorf("output: %w", err)
	}
	log.Info("done", "images", frames, "channels", st.Channels(), "elapsed", time.Since(t0).Round(time.Millisecond).String())
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

// runHooks reports the noise level and the noise-model parameters the stages use.
func runHooks(log *slog.Logger, cfg *configs.Config) modes.Hooks {
	var mu sync.Mutex
	seen := map[string]bool{}
	return modes.Hooks{
		OnSigma: sigmaReporter(log, cfg.Sigma),
		OnModel: func(stage string, index int64, desc string) {
			mu.Lock()
			first := !seen[stage]
			seen[stage] = true
			mu.Unlock()
			lv := slog.LevelInfo
			if !first {
				lv = slog.LevelDebug // a later channel's estimate
			}
			log.Log(context.Background(), lv, "noise model", "stage", stage, "frame", index, "model", cfg.NoiseModel, "parameters", desc)
		},
	}
}

func describe(cfg *configs.Config) string {
	s := "mode " + cfg.Mode
	if cfg.NoiseModel != "" && cfg.NoiseModel != configs.NoiseGaussian {
		s += ", noise model " + cfg.NoiseModel
	}
	return s
}

// same reports whether a and b name the same existing file or folder.
func same(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	if err1 == nil && err2 == nil {
		return os.SameFile(sa, sb)
	}
	aa, _ := filepath.Abs(a)
	bb, _ := filepath.Abs(b)
	return aa == bb
}

// removePartial removes an output file left incomplete (a DICOM series folder is left: its
// files are whole).
func removePartial(path string) {
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		_ = os.Remove(path)
	}
}

// evalStack is `denoise eval --stack FILE`: evaluate.RunStack with the eval flags.
func evalStack(fs *pflag.FlagSet, cfg *configs.Config) error {
	if str(fs, "clean") != "" {
		return usageError{errors.New("eval: give --clean DIR or --stack FILE, not both")}
	}
	if c, _ := fs.GetStringArray("competitor"); len(c) > 0 {
		return usageError{errors.New("eval: competitors take --clean images, not --stack")}
	}
	o := evaluate.StackOptions{Stack: str(fs, "stack"), Config: cfg}
	if s := str(fs, "slices"); s != "" {
		a, b, ok := strings.Cut(s, ":")
		first, err1 := strconv.Atoi(strings.TrimSpace(a))
		end, err2 := strconv.Atoi(strings.TrimSpace(b))
		if !ok || err1 != nil || err2 != nil || first < 0 || end <= first {
			return usageError{fmt.Errorf("eval: --slices %q: want FROM:TO with 0 ≤ FROM < TO", s)}
		}
		o.First, o.Count = first, end-first
	}
	o.Noises, _ = fs.GetStringArray("noise")
	if len(o.Noises) == 0 {
		return usageError{errors.New("eval: --stack needs --noise (e.g. pg:160:40,native or rician:12.75)")}
	}
	ms, _ := fs.GetStringArray("mode")
	for _, m := range ms {
		for _, m := range strings.Split(m, ",") {
			if m = strings.TrimSpace(m); m != "" && m != "none" {
				o.Modes = append(o.Modes, m)
			}
		}
	}
	if len(ms) == 0 {
		o.Modes = []string{"nlm"}
	}
	nms, _ := fs.GetStringArray("noise-model")
	for _, m := range nms {
		for _, m := range strings.Split(m, ",") {
			if m = strings.TrimSpace(m); m != "" {
				o.NoiseModels = append(o.NoiseModels, m)
			}
		}
	}
	o.Seed, _ = fs.GetInt64("seed")
	o.Sigma, _ = fs.GetFloat64("sigma")
	o.Workers, _ = fs.GetInt("workers")
	if k, _ := fs.GetBool("sigma-known"); k {
		return usageError{errors.New("eval: --sigma-known takes --clean images; give --sigma with --stack")}
	}
	if err := checkEvalOutputs(fs); err != nil {
		return err
	}
	o.Logger, o.Progress = evalOutput(fs)
	var rep *evaluate.StackReport
	if err := withSignals(func(ctx context.Context) (err error) {
		rep, err = evaluate.RunStack(ctx, o)
		return err
	}); err != nil {
		return err
	}
	fmt.Printf("%d images from %s (%s, %d-bit, max code %d), seed %d, GOMAXPROCS %d, %.1f s\n\n", len(rep.Images), o.Stack,
		rep.Stack.Format, rep.Stack.BitDepth, rep.Stack.Max, o.Seed, rep.Setup.Host.GOMAXPROCS, rep.Elapsed)
	if err := evaluate.WriteStackTable(os.Stdout, rep); err != nil {
		return err
	}
	if p := str(fs, "csv"); p != "" {
		if err := evaluate.WriteFile(p, func(w io.Writer) error { return evaluate.WriteCSV(w, &rep.Report, false) }); err != nil {
			return fmt.Errorf("eval: csv: %w", err)
		}
	}
	if p := str(fs, "json"); p != "" {
		if err := evaluate.WriteFile(p, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}); err != nil {
			return fmt.Errorf("eval: json: %w", err)
		}
	}
	if p := str(fs, "chart"); p != "" {
		if err := evaluate.WriteFile(p, func(w io.Writer) error { return evaluate.WriteChart(w, &rep.Report) }); err != nil {
			return fmt.Errorf("eval: chart: %w", err)
		}
	}
	return nil
}
