package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/pflag"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
	runjob "github.com/denoise-go/denoise/job"
	"github.com/denoise-go/denoise/pipeline"
)

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
	if c, _ := fs.GetString("cluster"); c != "" {
		log := newLogger(cfg.LogLevel)
		return runCluster(cfg, fs, log)
	}
	trim, err := trimFlags(fs)
	if err != nil {
		return err
	}
	sci := isSciInput(cfg)
	if !trim.IsZero() && sci {
		return usageError{errors.New("-ss, -t, -to and -frames:v select a piece of a video; TIFF stacks, DICOM and NIfTI are read whole")}
	}
	readTO, err := readTimeout(fs, cfg.Input)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	decode.RouteFFmpegLogs(log, cfg.LogLevel == "debug")
	linger, _ := fs.GetDuration("metrics-linger")
	o := runjob.Options{
		Config: cfg, Logger: log, Trim: trim, ReadTimeout: readTO, Strict: strictFlag(fs),
		AdaptQueue: !fs.Changed("queue"), AdaptWorkers: !fs.Changed("workers"), Signals: true, MetricsLinger: linger,
		OnLive: func(cfg *configs.Config) error { return liveDefaults(cfg, fs, log) },
	}
	if fs.Changed("live") {
		live, _ := fs.GetBool("live")
		o.Live = &live
	}
	if !sci {
		previewAddr, _ := fs.GetString("preview")
		pv, err := startPreview(previewAddr, log) // nil without --preview: its methods do nothing
		if err != nil {
			return err
		}
		defer pv.Close()
		o.WrapStages, o.OnFrame = pv.Stages, pv.OnFrame(nil)
	}
	if path, _ := fs.GetString("cpuprofile"); path != "" {
		stopProfile, err := startCPUProfile(path)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	if path, _ := fs.GetString("memprofile"); path != "" {
		o.AfterRun = func(stages []pipeline.Stage) {
			if err := writeHeapProfile(path, stages); err != nil {
				log.Warn("memprofile", "err", err)
			}
		}
	}
	_, err = runjob.Run(context.Background(), o)
	return err
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
