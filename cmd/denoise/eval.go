package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/evaluate"
	runjob "github.com/denoise-go/denoise/job"
	"github.com/denoise-go/denoise/modes"
	"github.com/denoise-go/denoise/quality"
)

const evalUsageHead = `denoise eval measures denoising modes, and other tools as competitors, on clean images:
it adds each noise with a fixed seed, runs every mode (through the same pipeline as
denoise itself) and every competitor command over its parameter grid, and prints the mean
PSNR, SSIM and seconds per image. PSNR and SSIM are scikit-image's, on the code scale.

Usage:
  denoise eval --clean DIR --noise SPEC [--noise SPEC…] [--mode MODE…] [--competitor C…] [options]
  denoise eval --stack FILE --noise SPEC [--mode MODE[@MODEL]…] [--noise-model M,…] [--slices A:B]
      (a TIFF stack, DICOM or NIfTI volume: each image is a clean reference; see below)
  denoise eval --clip FILE --noise SPEC … (a clean video: per-frame luma PSNR/SSIM averaged, and fps)

Examples:
  denoise eval --clean set12 --noise awgn:15 --noise awgn:25 --noise awgn:50 --mode nlm
  denoise eval --clean set12 --noise awgn:25 --mode nlm --competitor ffmpeg-nlmeans --chart psnr.png
  denoise eval --clean set12 --noise awgn:10+sp:0.2 --noise awgn:10+rv:0.1 --mode impulse+nlm \
      --competitor ffmpeg-median3+nlmeans --csv mixed.csv --json mixed.json --keep out/
  denoise eval --clean set12 --noise awgn:25 --mode none \
      --competitor 'hq=ffmpeg -v error -i {in} -vf hqdn3d={s}:{c} {out}' --grid 'hq:s=4,8,16:c=3,6' --all-grid
  denoise eval --clip carphone.mp4 --noise awgn:20 --mode nlm --mode stnlm \
      --competitor ffmpeg-hqdn3d --competitor ffmpeg-atadenoise --competitor ffmpeg-nlmeans

Noise specs: awgn:SIGMA, sp:P (salt and pepper), rv:P (random-valued impulses), pg:GAIN:SIGMA
(Poisson-Gaussian), rician:SIGMA, joined with '+' and applied in that order ("awgn:10+sp:0.2");
sigmas on the 0-255 scale for every bit depth, then rounded and clipped to the codes.

Modes: %s
(registered in this build: %s; "all": each of those; "none": no mode).

Stacks and volumes (--stack): every image (slice, frame) of each channel gets the noise, each
mode runs over them as one sequence (so noise models are estimated on the first images, and
stnlm uses the neighbouring slices), and each image is scored. MODE@MODEL runs a mode with
another noise model (nlm@rician, stnlm@poisson-gaussian); --noise-model gaussian,rician runs
every plain mode once per model. The table adds the mean error (denoised − clean) over the
background (clean ≤ 1 %% of the maximum, %d+ pixels from brighter ones; then with edges), as
%% of the maximum, and what the noise model estimated.
  denoise eval --stack mr.nii.gz --slices 62:82 --noise rician:12.75 --mode nlm --noise-model gaussian,rician
  denoise eval --stack cells.tif --noise pg:160:40,native --mode nlm,stnlm --noise-model gaussian,poisson-gaussian

Competitors: --competitor 'NAME=COMMAND' runs COMMAND with sh -c, where {in} is the noisy
image (a lossless PNG at the source's bit depth), {out} the PNG it must write, {pix_fmt} the
input's pixel format and {KEY} a value of --grid 'NAME:KEY=V1,V2,…' (more keys after ':' form
a cartesian product). The grid point with the best mean PSNR for each noise is the
competitor's row. With --clip, {in} is the noisy clip as Y4M and {out} a raw video file
(.yuv) in {pix_fmt} that the command writes with the same frames. Their seconds include the command's start-up and file input/output.
Built-in competitors (--competitor NAME; change a grid with --grid NAME:KEY=…):
%s
Options:
`

func evalFlags() *pflag.FlagSet {
	fs := pflag.NewFlagSet("denoise eval", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.String("clean", "", "folder of clean images: PNG, TIFF, JPEG…, gray or colour, 8 or 16 bits (or --clip)")
	fs.String("clip", "", "a clean clip (any video FFmpeg reads) instead of --clean: modes run over its frames in order, competitors over it as Y4M")
	fs.Int("frames", 0, "with --clip: use its first N frames (0: all)")
	fs.String("stack", "", "instead of --clean: a TIFF stack, DICOM file or folder, or NIfTI volume whose images are the clean references")
	fs.String("slices", "", "with --stack: images A:B (from A, before B; 0-based) of every channel (default: all)")
	fs.StringArray("noise-model", nil, "with --stack: run each mode once per noise model: "+strings.Join(configs.NoiseModels, ", ")+" (repeatable or comma-separated)")
	fs.Int("limit", 0, "use the first N images by name (0: all)")
	fs.StringArray("noise", nil, "noise to add, e.g. awgn:25 or awgn:10+sp:0.2 (repeatable; default awgn:25)")
	fs.StringArray("mode", nil, "mode to run (repeatable; all, none; default nlm where registered, else copy)")
	fs.StringArray("competitor", nil, "external competitor: a built-in NAME or 'NAME=COMMAND' (repeatable)")
	fs.StringArray("grid", nil, "competitor grid 'NAME:KEY=V1,V2,…[:KEY2=…]' (repeatable)")
	fs.Bool("all-grid", false, "print (and keep, with --keep) every grid point, not only the chosen one")
	fs.String("csv", "", "write per-image and mean rows as CSV to this file")
	fs.String("json", "", "write the results and the configuration as JSON to this file")
	fs.String("keep", "", "write the noisy and denoised images as PNG into this folder")
	fs.String("chart", "", "draw a bar chart of the mean PSNR as a PNG file")
	fs.Int64("seed", 1, "noise seed; with the image name and noise it fixes each noisy image")
	fs.Float64("sigma", 0, "noise level given to the modes, on the 0-255 scale (0: they estimate it)")
	fs.Bool("sigma-known", false, "give the modes the true sigma of the noise's Gaussian part")
	fs.Int("workers", 0, "per-frame filter workers of a mode (0: one per core)")
	fs.String("preset", "", "mode settings from a built-in preset ("+strings.Join(configs.Presets(), ", ")+") or a YAML file")
	fs.String("config", "", "mode settings from a YAML configuration file")
	fs.String("model", "", "CNN model of the cnn modes: an ONNX file or a built-in name (as denoise --model)")
	fs.Int("cnn-ensemble", 0, "views of each picture the CNN sees, turned back and averaged: 1, 2, 4, 8 (0: the configuration's)")
	fs.Int("cnn-refill", -1, "refill passes after the CNN where impulses were replaced: 0-3 (-1: the configuration's)")
	fs.BoolP("quiet", "q", false, "no progress lines on standard error")
	fs.String("log-level", "warn", "log level: debug, info, warn, error")
	fs.BoolP("help", "h", false, "show this help")
	return fs
}

func evalMain(args []string) error {
	fs := evalFlags()
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Errorf("eval: %w (see denoise eval --help)", err)}
	}
	cfg, err := configs.Load(configs.Sources{Preset: str(fs, "preset"), ConfigFile: str(fs, "config"), Environ: os.Environ()})
	if err != nil {
		return usageError{fmt.Errorf("eval: %w", err)}
	}
	if b, _ := fs.GetBool("help"); b {
		evalUsage(os.Stdout, fs, cfg)
		return nil
	}
	if m := str(fs, "model"); m != "" {
		cfg.CNN.Model = m
	}
	if n, _ := fs.GetInt("cnn-ensemble"); n != 0 {
		cfg.CNN.Ensemble = n
	}
	if n, _ := fs.GetInt("cnn-refill"); n >= 0 {
		cfg.CNN.Refill = n
	}
	if err := cfg.Validate(); err != nil {
		return usageError{fmt.Errorf("eval: %w", err)}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("eval: unexpected argument %q (the images take --clean DIR, a clip --clip FILE)", fs.Arg(0))}
	}
	if str(fs, "stack") != "" {
		return evalStack(fs, cfg) // sci.go
	}
	opts, err := evalOptions(fs, cfg)
	if err != nil {
		return usageError{fmt.Errorf("eval: %w", err)}
	}
	if err := checkEvalOutputs(fs); err != nil {
		return err
	}
	opts.Logger, opts.Progress = evalOutput(fs)

	var rep *evaluate.Report
	if err := withSignals(func(ctx context.Context) (err error) {
		rep, err = evaluate.Run(ctx, opts)
		return err
	}); err != nil {
		return err
	}
	allGrid, _ := fs.GetBool("all-grid")
	if opts.Clip != "" {
		fmt.Printf("%s: %d frames, seed %d, GOMAXPROCS %d, %.1f s; luma PSNR/SSIM per frame, averaged\n\n",
			opts.Clip, rep.Results[0].Images, opts.Seed, rep.Setup.Host.GOMAXPROCS, rep.Elapsed)
		if err := evaluate.WriteSequenceTable(os.Stdout, rep); err != nil {
			return err
		}
	} else {
		fmt.Printf("%d images from %s, seed %d, GOMAXPROCS %d, %.1f s\n\n", len(rep.Images), opts.Clean, opts.Seed,
			rep.Setup.Host.GOMAXPROCS, rep.Elapsed)
		if err := evaluate.WriteTable(os.Stdout, rep, allGrid); err != nil {
			return err
		}
	}
	if p := str(fs, "csv"); p != "" {
		if err := evaluate.WriteFile(p, func(w io.Writer) error { return evaluate.WriteCSV(w, rep, allGrid) }); err != nil {
			return fmt.Errorf("eval: csv: %w", err)
		}
	}
	if p := str(fs, "json"); p != "" {
		if err := evaluate.WriteFile(p, func(w io.Writer) error { return evaluate.WriteJSON(w, rep) }); err != nil {
			return fmt.Errorf("eval: json: %w", err)
		}
	}
	if p := str(fs, "chart"); p != "" {
		if err := evaluate.WriteFile(p, func(w io.Writer) error { return evaluate.WriteChart(w, rep) }); err != nil {
			return fmt.Errorf("eval: chart: %w", err)
		}
	}
	return nil
}

func str(fs *pflag.FlagSet, name string) string {
	s, _ := fs.GetString(name)
	return s
}

// evalOptions turns the flags into evaluate.Options.
func evalOptions(fs *pflag.FlagSet, cfg *configs.Config) (evaluate.Options, error) {
	o := evaluate.Options{Clean: str(fs, "clean"), Clip: str(fs, "clip"), Config: cfg, Keep: str(fs, "keep")}
	o.Frames, _ = fs.GetInt("frames")
	if (o.Clean == "") == (o.Clip == "") {
		return o, errors.New("give clean images (--clean DIR) or a clean clip (--clip FILE)")
	}
	o.Limit, _ = fs.GetInt("limit")
	o.Noises, _ = fs.GetStringArray("noise")
	if len(o.Noises) == 0 {
		o.Noises = []string{"awgn:25"}
	}
	for _, n := range o.Noises {
		if _, err := quality.ParseNoise(n); err != nil {
			return o, err
		}
	}
	o.Seed, _ = fs.GetInt64("seed")
	o.Sigma, _ = fs.GetFloat64("sigma")
	o.SigmaKnown, _ = fs.GetBool("sigma-known")
	o.Workers, _ = fs.GetInt("workers")
	o.AllGrid, _ = fs.GetBool("all-grid")
	if o.Limit < 0 || o.Workers < 0 {
		return o, errors.New("--limit and --workers take a number ≥ 0")
	}

	avail := evaluate.Available(cfg)
	ms, _ := fs.GetStringArray("mode")
	if len(ms) == 0 {
		ms = []string{"copy"}
		if slices.Contains(avail, "nlm") {
			ms = []string{"nlm"}
		}
	}
	for _, m := range ms {
		for _, m := range strings.Split(m, ",") {
			switch m = strings.TrimSpace(m); m {
			case "none", "":
			case "all":
				for _, a := range avail {
					if !slices.Contains(o.Modes, a) {
						o.Modes = append(o.Modes, a)
					}
				}
			default:
				if !slices.Contains(avail, m) {
					if slices.Contains(configs.Modes, m) {
						if slices.Contains(modes.Names(), m) { // registered, but it does not build: say why
							c := *cfg
							c.Mode = m
							if _, err := modes.Build(&c); err != nil {
								return o, fmt.Errorf("mode %s: %w", m, err)
							}
						}
						return o, fmt.Errorf("mode %s is not registered in this build (available: %s)", m, strings.Join(avail, ", "))
					}
					return o, fmt.Errorf("mode %q is not one of %s", m, strings.Join(avail, ", "))
				}
				if !slices.Contains(o.Modes, m) {
					o.Modes = append(o.Modes, m)
				}
			}
		}
	}

	specs, _ := fs.GetStringArray("competitor")
	for _, s := range specs {
		c, err := evaluate.ParseCompetitor(s)
		if err != nil {
			return o, err
		}
		o.Competitors = append(o.Competitors, c)
	}
	gspecs, _ := fs.GetStringArray("grid")
	var grids []evaluate.GridSpec
	for _, s := range gspecs {
		g, err := evaluate.ParseGrid(s)
		if err != nil {
			return o, err
		}
		grids = append(grids, g)
	}
	if err := evaluate.ApplyGrids(o.Competitors, grids); err != nil {
		return o, err
	}
	for _, c := range o.Competitors {
		if err := c.Validate(); err != nil {
			return o, err
		}
	}
	return o, nil
}

func evalUsage(w io.Writer, fs *pflag.FlagSet, cfg *configs.Config) {
	var b strings.Builder
	for _, c := range evaluate.Builtins() {
		var grid []string
		for _, a := range c.Grid {
			grid = append(grid, a.Key+"="+strings.Join(a.Values, ","))
		}
		fmt.Fprintf(&b, "  %-24s %s\n  %-24s grid %s\n", c.Name, c.About, "", strings.Join(grid, " "))
	}
	fmt.Fprintf(w, evalUsageHead, strings.Join(modes.All(), ", "), strings.Join(evaluate.Available(cfg), ", "),
		evaluate.BackgroundMargin, b.String())
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// withSignals runs an evaluation with a context that SIGINT/SIGTERM cancel, and words its
// error as the eval command reports it.
func withSignals(run func(context.Context) error) error {
	ctx, stop := runjob.NotifyStop(context.Background(), nil)
	defer stop.Release()
	if err := run(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			return errors.New("eval: interrupted")
		}
		return fmt.Errorf("eval: %w", err)
	}
	return nil
}

// evalOutput is the logger and the progress writer (nil with --quiet) of an evaluation;
// FFmpeg's own messages go to the logger too.
func evalOutput(fs *pflag.FlagSet) (*slog.Logger, io.Writer) {
	level := str(fs, "log-level")
	log := newLogger(level)
	decode.RouteFFmpegLogs(log, level == "debug")
	if q, _ := fs.GetBool("quiet"); q {
		return log, nil
	}
	return log, os.Stderr
}

// checkEvalOutputs refuses, before any work, a --csv/--json/--chart whose folder is missing.
func checkEvalOutputs(fs *pflag.FlagSet) error {
	for _, flag := range []string{"csv", "json", "chart"} {
		path := str(fs, flag)
		if path == "" {
			continue
		}
		if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
			return usageError{fmt.Errorf("eval: --%s %s: folder %s does not exist", flag, path, filepath.Dir(path))}
		}
	}
	return nil
}
