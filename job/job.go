package job

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/encode"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
	"github.com/denoise-go/denoise/modes"
	"github.com/denoise-go/denoise/pipeline"
)

// Options are a job: its input, its output and its settings (all in Config), and what the
// front end running it adds. Only Config is required.
type Options struct {
	// Config is the job: Input and Output, the mode and its settings, the encoder settings
	// (OutputFormat, Codec, CRF, PixFmt, EncoderOptions, MuxerOptions, Overwrite), the
	// decoder settings (InputFormat, InputOptions), Pipeline (Queue, Live, Threads),
	// MetricsAddr, Progress and the memory limit. Run resolves Pipeline.Live in it, and
	// OnLive may change it.
	Config *configs.Config
	// Logger gets the job's messages (nil: none).
	Logger *slog.Logger
	// FFmpegLogger is given to the decoder and the encoder for FFmpeg's own messages (nil:
	// Logger).
	FFmpegLogger *slog.Logger

	// Source, when not nil, is the FFmpeg input, already opened (decode.Open) by the caller,
	// who closes it after Run; Config.Input then only names it (the output may not be it).
	// When nil, Run picks the reader for Config.Input: package sci for the scientific
	// formats (see IsScientific), FFmpeg otherwise, and closes it.
	Source *decode.Source
	// Trim, ReadTimeout and Strict are decode.Options' for an input Run opens with FFmpeg. A
	// scientific input is read whole: a Trim is an error.
	Trim        decode.Trim
	ReadTimeout time.Duration
	Strict      bool
	// FirstIndex numbers the frames of a Trim'd piece as in the whole input
	// (decode.Options.FirstIndex).
	FirstIndex int64

	// Live, when not nil, says whether the job runs live (frames dropped, and counted, rather
	// than the source held back); when nil, it does when Config.Pipeline.Live says so or the
	// source cannot wait (a camera, a network stream).
	Live *bool
	// OnLive, when not nil, is called once the job is known to run live, before the stages are
	// built: it may change Config (the command line applies the live preset's filtering).
	OnLive func(cfg *configs.Config) error
	// AdaptQueue lowers the default queue depth (pipeline.DefaultQueueDepth) for large frames
	// (pipeline.QueueDepthFor); otherwise Config.Pipeline.Queue is used as it is.
	AdaptQueue bool
	// AdaptWorkers runs the impulse stage of impulse+stnlm (and auto) on one frame at a time,
	// with every core inside the frame, for frames too large for two in a queue when
	// Config.Pipeline.Workers is 0: that stage is a small part of the spatio-temporal one's
	// work, so it keeps up, and holds a frame fewer (1080p quality preset, 40 frames: peak
	// RSS 412 → 385 MB, CPU time ×0.99).
	AdaptWorkers bool

	// Signals has the first SIGINT or SIGTERM stop the job (see NotifyStop): the frames in
	// flight are written and the output finalised, and Run returns an *Interrupted naming
	// the signal. Off, only ctx stops the job.
	Signals bool
	// MetricsLinger is how long, at most, the /metrics server (Config.MetricsAddr) stays up
	// after the job for one more scrape (0: it closes at once).
	MetricsLinger time.Duration

	// WrapSource, WrapSink and WrapStages, when not nil, replace the job's source, sink and
	// stages (built once, from Config) with what they return, which usually wraps them: a
	// front end adds its previews, its references or its taps there. A scientific input
	// has a source and a sink per channel: they are wrapped one by one, and WrapStages is
	// not called.
	WrapSource func(pipeline.Source) pipeline.Source
	WrapSink   func(pipeline.Sink) pipeline.Sink
	WrapStages func([]pipeline.Stage) []pipeline.Stage
	// Stages, when not nil, are run instead of the mode's (FFmpeg inputs): the encoder,
	// its settings and what passes through are still Config's. Package cluster puts a
	// video's denoised pieces back together this way.
	Stages []pipeline.Stage
	// OnFrame, when not nil, is called as frames are written, with the counts so far
	// (pipeline.Config.OnFrame), after the progress bar's update. For a scientific input the
	// counts run on over its channels.
	OnFrame func(pipeline.Stats)
	// AfterRun, when not nil, is called after the run with the stages, while they and the
	// pools they own are still reachable (a heap profile).
	AfterRun func(stages []pipeline.Stage)
}

// Result is what a job did: its end-of-run report. Run returns it also when the job fails,
// with the counts reached.
type Result struct {
	Input, Output string
	// Mode is the mode asked for, ResolvedMode the one that ran ("auto" resolves to one).
	Mode, ResolvedMode string
	// Scientific: the input was read by package sci; Channels is then its channel count.
	Scientific bool
	Channels   int
	// Live: frames were dropped, and counted in Dropped, rather than the source held back.
	Live bool
	// Geometry is the frames' size and format (FFmpeg inputs).
	Geometry string
	// FramesIn counts the frames read, FramesOut those written.
	FramesIn, FramesOut, Dropped int64
	Elapsed                      time.Duration
	// Sigma is the mean noise level (0–255 scale) that the first stage reporting one used;
	// SigmaKnown is false when none did.
	Sigma      float64
	SigmaKnown bool
	// Damage is what the decoder met on a damaged input (none when Damage.Damaged() is false).
	Damage decode.Damage
	// Stall is the source's error when it stopped sending; Signal the signal that stopped the
	// job (Options.Signals).
	Stall  error
	Signal os.Signal
}

// Run runs a job until its input ends, ctx is cancelled or, with Options.Signals, a signal
// comes. The errors that still leave a finalised output are an *Interrupted (a signal), a
// *Stalled (the source stopped sending) and a *Damaged (the input was damaged); the output
// of a job that wrote no frame is removed.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Config == nil {
		return nil, errors.New("job: no configuration")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.FFmpegLogger == nil {
		o.FFmpegLogger = o.Logger
	}
	cfg := o.Config
	res := &Result{Input: cfg.Input, Output: cfg.Output, Mode: cfg.Mode, ResolvedMode: configs.ResolveMode(cfg)}
	tiffNote := ""
	if o.Source == nil {
		sci, note, err := route(cfg, o.Logger)
		if err != nil {
			return res, err
		}
		if sci {
			return res, runScientific(ctx, &o, res)
		}
		tiffNote = note
	}
	return res, runFFmpeg(ctx, &o, res, tiffNote)
}

// runFFmpeg is the route of an FFmpeg input: decode.Source → stages → encode.Sink.
// tiffNote is route's note on a TIFF, added to the decoder's error.
func runFFmpeg(ctx context.Context, o *Options, res *Result, tiffNote string) error {
	cfg, log := o.Config, o.Logger
	encOpts := encode.Options{
		Output: cfg.Output, Format: cfg.OutputFormat, Codec: cfg.Codec, CRF: cfg.CRF, PixFmt: cfg.PixFmt,
		EncoderOptions: cfg.EncoderOptions, MuxerOptions: cfg.MuxerOptions, Overwrite: cfg.Overwrite, Input: cfg.Input,
		PresetEncoderOptions: cfg.PresetEncoderOptions,
		Threads:              cfg.Pipeline.Threads, Logger: o.FFmpegLogger,
	}
	if err := encode.Preflight(encOpts); err != nil {
		return err
	}
	src := o.Source
	if src == nil {
		var err error
		src, err = decode.Open(decode.Options{ReadTimeout: o.ReadTimeout, Input: cfg.Input, Format: cfg.InputFormat,
			InputOptions: cfg.InputOptions, MemoryLimit: cfg.MemoryLimitBytes(), Threads: cfg.Pipeline.Threads,
			Trim: o.Trim, Logger: o.FFmpegLogger, Strict: o.Strict, FirstIndex: o.FirstIndex})
		if err != nil {
			return withTIFFNote(tiffNote, fmt.Errorf("decode: %w", err))
		}
		defer src.Close()
	}
	res.Geometry = src.Geometry().String()
	live := cfg.Pipeline.Live || src.Live()
	if o.Live != nil {
		live = *o.Live
	}
	cfg.Pipeline.Live = live
	res.Live = live
	if live && o.OnLive != nil {
		if err := o.OnLive(cfg); err != nil {
			return err
		}
		res.ResolvedMode = configs.ResolveMode(cfg)
	}
	if o.AdaptWorkers && oneImpulseWorker(cfg, src.Geometry()) {
		cfg.Pipeline.Workers = 1
		log.Debug("large frames: one impulse worker, every core inside the frame")
	}
	hooks, sigmas := o.hooks()
	stages := o.Stages
	if stages == nil {
		var err error
		if stages, err = modes.BuildWith(cfg, hooks); err != nil {
			return err
		}
	}
	encOpts.Live = live
	enc, err := encode.Open(encOpts, src)
	if err != nil {
		return fmt.Errorf("encode: %s: %w", cfg.Output, err)
	}
	src.OnPacket(enc.Passthrough)
	queue := cfg.Pipeline.Queue
	if o.AdaptQueue && queue == pipeline.DefaultQueueDepth {
		queue = pipeline.QueueDepthFor(src.Geometry(), queue) // large frames: fewer of them
	}
	log.Info("denoising", "input", cfg.Input, "format", res.Geometry, "mode", ModeLabel(cfg), "live", live)
	log.Debug("job", "queue", queue, "kernels", dsp.Kernels())

	ctx, stop := o.signals(ctx, log)
	defer stop.Release()

	var metrics *pipeline.Metrics
	if cfg.MetricsAddr != "" {
		metrics = pipeline.NewMetrics()
		msrv, err := startMetrics(cfg.MetricsAddr, metrics, log)
		if err != nil {
			_ = enc.Close()
			return err
		}
		defer msrv.Close()
		defer msrv.linger(ctx, o.MetricsLinger, log) // runs before Close: the final numbers get scraped
	}

	prog := newProgress(cfg.Progress, live, src.EstimatedFrames(), src.FrameRate().Float64())
	prog.lookahead = pipeline.Lookahead(stages)
	onFrame := prog.update
	if o.OnFrame != nil {
		onFrame = func(s pipeline.Stats) { prog.update(s); o.OnFrame(s) }
	}
	run := stages
	if o.WrapStages != nil {
		run = o.WrapStages(stages)
	}
	stats, err := pipeline.Run(ctx, pipeline.Config{
		Source: o.wrapSource(src), Stages: run, Sink: o.wrapSink(enc), QueueDepth: queue, Live: live,
		Metrics: metrics, Logger: log, OnFrame: onFrame,
	})
	prog.done(stats)
	res.countStats(stats)
	res.Sigma, res.SigmaKnown = sigmas.mean()
	res.Damage = src.Damage()
	if o.AfterRun != nil {
		o.AfterRun(stages)
	}
	if err != nil {
		removeEmptyOutput(cfg.Output, stats.FramesOut)
		if sig := stop.Signal(); sig != nil && errors.Is(err, context.Canceled) {
			res.Signal = sig
			return &Interrupted{Signal: sig, Frames: stats.FramesOut, Output: cfg.Output}
		}
		return err
	}
	if stall := src.Stall(); stall != nil { // the source stopped sending: its frames are written
		res.Stall = stall
		return &Stalled{Err: stall, Frames: stats.FramesOut, Output: cfg.Output}
	}
	logSummary(log, cfg, res)
	if res.Damage.Damaged() {
		return &Damaged{Damage: res.Damage, Frames: stats.FramesOut, Output: cfg.Output}
	}
	return nil
}

// signals is NotifyStop with Options.Signals, and a Stop that never reports a signal
// without.
func (o *Options) signals(ctx context.Context, log *slog.Logger) (context.Context, *Stop) {
	if o.Signals {
		return NotifyStop(ctx, log)
	}
	ctx, cancel := context.WithCancel(ctx)
	return ctx, &Stop{end: cancel}
}

// hooks are the stages' hooks: the noise levels and models logged, and the σ tallied.
func (o *Options) hooks() (modes.Hooks, *sigmaTally) {
	h := logHooks(o.Logger, o.Config)
	s := &sigmaTally{}
	h.OnSigma = s.wrap(h.OnSigma)
	h.OnSigmas = s.wrapPlanes(h.OnSigmas)
	return h, s
}

func (o *Options) wrapSource(s pipeline.Source) pipeline.Source {
	if o.WrapSource != nil {
		return o.WrapSource(s)
	}
	return s
}

func (o *Options) wrapSink(s pipeline.Sink) pipeline.Sink {
	if o.WrapSink != nil {
		return o.WrapSink(s)
	}
	return s
}

// oneImpulseWorker says whether Options.AdaptWorkers sets one worker for cfg's stages on
// frames of geometry g: impulse+stnlm (or auto resolving to it), workers left to the
// default, frames too large for two in a queue.
func oneImpulseWorker(cfg *configs.Config, g frame.Geometry) bool {
	return cfg.Pipeline.Workers == 0 && configs.ResolveMode(cfg) == "impulse+stnlm" &&
		pipeline.QueueDepthFor(g, pipeline.DefaultQueueDepth) == pipeline.Unbuffered
}
