package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"

	"github.com/spf13/pflag"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/encode"
	"github.com/denoise-go/denoise/internal/dsp"
	"github.com/denoise-go/denoise/modes"
	"github.com/denoise-go/denoise/pipeline"
)

// interruptedError is a job stopped by a signal after its output was finalised.
type interruptedError struct {
	sig    os.Signal
	frames int64
	output string
}

func (e *interruptedError) Error() string {
	return fmt.Sprintf("interrupted by %v: %d frames written to %s (finalised, playable)", e.sig, e.frames, e.output)
}

// loadConfig parses the command line and builds the layered configuration.
func loadConfig(args []string) (*configs.Config, *pflag.FlagSet, error) {
	fs := runFlags()
	fs.SetOutput(os.Stderr)
	args, err := longDash(fs, ffmpegArgs(args))
	if err != nil {
		return nil, fs, usageError{err}
	}
	if err := fs.Parse(args); err != nil {
		return nil, fs, usageError{explainFlagError(fs, err)}
	}
	if h, _ := fs.GetBool("help"); h {
		fs.SetOutput(os.Stdout)
		fs.Usage()
		return nil, fs, nil
	}
	if v, _ := fs.GetBool("version"); v {
		fmt.Println(versionLine())
		return nil, fs, nil
	}
	if fs.NArg() > 0 {
		return nil, fs, usageError{unexpectedArg(fs.Args())}
	}
	preset, _ := fs.GetString("preset")
	cfgFile, _ := fs.GetString("config")
	cfg, err := configs.Load(configs.Sources{Preset: preset, ConfigFile: cfgFile, Environ: os.Environ(), Flags: fs, FlagKeys: flagKeys})
	if err != nil {
		return nil, fs, usageError{err}
	}
	return cfg, fs, nil
}

func newLogger(level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
}

func runMain(args []string) error {
	cfg, fs, err := loadConfig(args)
	if err != nil || cfg == nil {
		return err
	}
	if err := checkJobEnds(cfg); err != nil {
		return err
	}
	trim, err := trimFlags(fs)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	tiffNote, err := checkTIFF(cfg, log)
	if err != nil {
		return err
	}
	if isSciInput(cfg) {
		if !trim.IsZero() {
			return usageError{errors.New("-ss, -t, -to and -frames:v select a piece of a video; TIFF stacks, DICOM and NIfTI are read whole")}
		}
		return runSci(cfg, log) // sci.go: TIFF stacks, DICOM, NIfTI
	}
	decode.RouteFFmpegLogs(log, cfg.LogLevel == "debug")

	encOpts := encode.Options{
		Output: cfg.Output, Format: cfg.OutputFormat, Codec: cfg.Codec, CRF: cfg.CRF, PixFmt: cfg.PixFmt,
		EncoderOptions: cfg.EncoderOptions, MuxerOptions: cfg.MuxerOptions, Overwrite: cfg.Overwrite, Input: cfg.Input,
		PresetEncoderOptions: cfg.PresetEncoderOptions,
		Threads:              cfg.Pipeline.Threads, Logger: log,
	}
	if err := encode.Preflight(encOpts); err != nil {
		return err
	}
	readTO, err := readTimeout(fs, cfg.Input)
	if err != nil {
		return err
	}
	src, err := decode.Open(decode.Options{ReadTimeout: readTO, Input: cfg.Input, Format: cfg.InputFormat, InputOptions: cfg.InputOptions, MemoryLimit: cfg.MemoryLimitBytes(),
		Threads: cfg.Pipeline.Threads, Trim: trim, Logger: log, Strict: strictFlag(fs)})
	if err != nil {
		return withTIFFNote(tiffNote, fmt.Errorf("decode: %w", err))
	}
	defer src.Close()
	// A source that cannot wait (a camera, a network stream) runs live: frames are dropped,
	// and counted, rather than fall behind. A file never does unless --live says so.
	live := cfg.Pipeline.Live || src.Live()
	if fs.Changed("live") {
		live, _ = fs.GetBool("live")
	}
	cfg.Pipeline.Live = live
	if live {
		if err := liveDefaults(cfg, fs, log); err != nil {
			return err
		}
	}
	var sigmas sigmaTally
	hooks := runHooks(log, cfg)
	hooks.OnSigma = sigmas.wrap(hooks.OnSigma)
	stages, err := modes.BuildWith(cfg, hooks)
	if err != nil {
		return err
	}
	encOpts.Live = live
	sink, err := encode.Open(encOpts, src)
	if err != nil {
		return fmt.Errorf("encode: %s: %w", cfg.Output, err)
	}
	src.OnPacket(sink.Passthrough)
	queue := cfg.Pipeline.Queue
	if queue == pipeline.DefaultQueueDepth && !fs.Changed("queue") {
		queue = pipeline.QueueDepthFor(src.Geometry(), queue) // large frames: fewer of them
	}
	log.Info("denoising", "input", cfg.Input, "format", src.Geometry().String(), "mode", modeLabel(cfg), "live", live)
	log.Debug("job", "queue", queue, "kernels", dsp.Kernels())

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	sigs := stopOnSignal(ctx, stop, log) // signals.go

	var metrics *pipeline.Metrics
	var msrv *metricsServer
	if cfg.MetricsAddr != "" {
		metrics = pipeline.NewMetrics()
		if msrv, err = startMetrics(cfg.MetricsAddr, metrics, log); err != nil {
			_ = sink.Close()
			return err
		}
		defer msrv.Close()
		linger, _ := fs.GetDuration("metrics-linger")
		defer msrv.linger(ctx, linger, log) // runs before Close: the final numbers get scraped
	}

	previewAddr, _ := fs.GetString("preview")
	pv, err := startPreview(previewAddr, log) // nil without --preview: its methods do nothing
	if err != nil {
		_ = sink.Close()
		return err
	}
	defer pv.Close()

	if path, _ := fs.GetString("cpuprofile"); path != "" {
		stopProfile, err := startCPUProfile(path)
		if err != nil {
			_ = sink.Close()
			return err
		}
		defer stopProfile()
	}

	prog := newProgress(cfg.Progress, live, src.EstimatedFrames(), src.FrameRate().Float64())
	prog.lookahead = stagesLookahead(stages)
	stats, err := pipeline.Run(ctx, pipeline.Config{
		Source: src, Stages: pv.Stages(stages), Sink: sink, QueueDepth: queue, Live: live,
		Metrics: metrics, Logger: log, OnFrame: pv.OnFrame(prog.update),
	})
	prog.done(stats)
	if path, _ := fs.GetString("memprofile"); path != "" {
		if err := writeHeapProfile(path, stages); err != nil {
			log.Warn("memprofile", "err", err)
		}
	}
	if err != nil {
		removeEmptyOutput(cfg.Output, stats.FramesOut)
		if sig := sigs.received(); sig != nil && errors.Is(err, context.Canceled) {
			return &interruptedError{sig, stats.FramesOut, cfg.Output}
		}
		return err
	}
	if stall := src.Stall(); stall != nil { // the source stopped sending: its frames are written
		return &stalledError{stall, stats.FramesOut, cfg.Output}
	}
	logSummary(log, cfg, stats, &sigmas, live)
	return damageResult(src, stats, cfg.Output)
}

// sigmaReporter logs the noise level a stage used: the first frame's at info level (it
// is the estimate a user wants to see), later ones every 100 frames at debug level.
func sigmaReporter(log *slog.Logger, given float64) func(stage string, index int64, sigma float64) {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(stage string, index int64, sigma float64) {
		mu.Lock()
		first := !seen[stage]
		seen[stage] = true
		mu.Unlock()
		how := "estimated"
		if given > 0 {
			how = "given"
		}
		switch {
		case first:
			log.Info("noise level", "stage", stage, "frame", index, "sigma", fmt.Sprintf("%.2f", sigma), "on", "0-255 scale", "how", how)
		case index%100 == 0:
			log.Debug("noise level", "stage", stage, "frame", index, "sigma", fmt.Sprintf("%.2f", sigma))
		}
	}
}

// writeHeapProfile writes a heap profile while the stages, and the pools they own, are
// still reachable.
func writeHeapProfile(path string, stages []pipeline.Stage) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	err = pprof.Lookup("heap").WriteTo(f, 0)
	runtime.KeepAlive(stages)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
