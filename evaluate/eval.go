package evaluate

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/quality"
)

// Options are one evaluation.
type Options struct {
	// Clean is the folder of clean images (PNG, TIFF, JPEG…; gray or colour, 8 or 16 bits).
	Clean string
	// Limit keeps the first Limit images by name (≤ 0: all).
	Limit int
	// Clip, when set, evaluates on a clean clip (any video FFmpeg reads) instead of Clean:
	// see sequence.go. Frames keeps its first Frames frames (≤ 0: all).
	Clip   string
	Frames int
	// Noises are quality.ParseNoise specs ("awgn:25", "awgn:10+sp:0.2").
	Noises []string
	// Modes are denoise mode names, run through modes.Build and pipeline.Run.
	Modes []string
	// Competitors are external commands, with their grids set (see ApplyGrids).
	Competitors []Competitor
	// Seed makes the noise: image name, noise spec and Seed fix each noisy image.
	Seed int64
	// Config holds the mode settings (NLM, impulse, temporal…); Mode, Sigma and
	// Pipeline.Workers are set per run from the fields here. Required.
	Config *configs.Config
	// Sigma is passed to the modes on the 0–255 scale (0: they estimate it).
	Sigma float64
	// SigmaKnown passes each noise's true AWGN sigma instead of Sigma.
	SigmaKnown bool
	// Workers is the per-frame filter workers of a mode (0: one per core).
	Workers int
	// Keep, when set, is a folder that receives the noisy and denoised images as PNG.
	Keep string
	// AllGrid keeps every grid point's images in Keep, not only the chosen point's.
	AllGrid bool
	// TempDir is where competitor inputs and outputs are written ("": the system's).
	TempDir string
	// Progress, when set, receives a line per image, noise and method as they finish.
	Progress io.Writer
	Logger   *slog.Logger
}

// Result is one row of the table: a method's mean over the images for one noise.
type Result struct {
	Noise  string `json:"noise"`
	Method string `json:"method"`
	// Kind is "noisy" (the noisy input itself), "mode" or "competitor".
	Kind string `json:"kind"`
	// Params is the competitor's chosen grid point ("s=12 p=7 r=15"), or the sigma given
	// to a mode ("sigma=25"); empty otherwise.
	Params string `json:"params,omitempty"`
	PSNR   Num    `json:"psnr"`
	SSIM   Num    `json:"ssim"`
	Colour
	Seconds Num `json:"seconds_per_image"`
	Images  int `json:"images"`
}

// Colour is the colour figures of a row (see colourNote); both nil, and absent from the
// JSON, for gray pictures. A mean row's are over its colour images.
type Colour struct {
	// PSNRColour is the PSNR of all colour planes together: the squared errors of every
	// sample of every plane (subsampled chroma with its own sample count) over their count.
	// RGB: PSNR-RGB (the same as PSNR); YUV: PSNR-YUV.
	PSNRColour *Num `json:"psnr_colour,omitempty"`
	// SSIMColour is the mean of the colour planes' SSIMs, each at its own size.
	SSIMColour *Num `json:"ssim_colour,omitempty"`
}

// ImageResult is one method's score on one image for one noise.
type ImageResult struct {
	Noise  string `json:"noise"`
	Method string `json:"method"`
	Kind   string `json:"kind"`
	Params string `json:"params,omitempty"`
	Image  string `json:"image"`
	PSNR   Num    `json:"psnr"`
	SSIM   Num    `json:"ssim"`
	Colour
	Seconds Num `json:"seconds"`
}

// GridResult is one competitor grid point's mean over the images for one noise.
type GridResult struct {
	Noise      string            `json:"noise"`
	Competitor string            `json:"competitor"`
	Params     string            `json:"params"`
	Values     map[string]string `json:"values"`
	PSNR       Num               `json:"psnr"`
	SSIM       Num               `json:"ssim"`
	Colour
	Seconds Num  `json:"seconds_per_image"`
	Chosen  bool `json:"chosen"`
	// PerImage are the point's scores on each image.
	PerImage []ImageResult `json:"per_image"`
}

// ImageInfo describes one clean image.
type ImageInfo struct {
	Name     string `json:"name"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	PixFmt   string `json:"pix_fmt"`
	Layout   string `json:"layout"`
	BitDepth int    `json:"bit_depth"`
}

// Report is everything an evaluation measured, with what it was run with.
type Report struct {
	Setup    Setup         `json:"config"`
	Images   []ImageInfo   `json:"images"`
	Results  []Result      `json:"results"`
	PerImage []ImageResult `json:"per_image"`
	Grid     []GridResult  `json:"grid,omitempty"`
	Elapsed  float64       `json:"elapsed_seconds"`
}

// Setup is the configuration a report was made with.
type Setup struct {
	Clean       string       `json:"clean"`
	Limit       int          `json:"limit"`
	Noises      []string     `json:"noises"`
	Seed        int64        `json:"seed"`
	Modes       []string     `json:"modes"`
	Sigma       float64      `json:"sigma"`
	SigmaKnown  bool         `json:"sigma_known"`
	Workers     int          `json:"workers"`
	Competitors []Competitor `json:"competitors,omitempty"`
	Choices     []Choice     `json:"grid_choices,omitempty"`
	Metrics     string       `json:"metrics"`
	Host        Host         `json:"host"`
	Started     time.Time    `json:"started"`
}

// Choice is the grid point chosen for a competitor and a noise.
type Choice struct {
	Noise      string            `json:"noise"`
	Competitor string            `json:"competitor"`
	Params     string            `json:"params"`
	Values     map[string]string `json:"values"`
}

// Host is what the numbers were measured on.
type Host struct {
	GOMAXPROCS int    `json:"gomaxprocs"`
	NumCPU     int    `json:"num_cpu"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	GoVersion  string `json:"go_version"`
	CPU        string `json:"cpu,omitempty"`
	Hostname   string `json:"hostname,omitempty"`
	FFmpegCLI  string `json:"ffmpeg_cli,omitempty"`
}

// metricsNote says how the numbers are computed.
const metricsNote = "PSNR and SSIM as scikit-image 0.19 computes them on the code scale (data range 2^bitdepth-1): " +
	"gray: the plane; RGB: the HxWx3 array (SSIM: mean over channels); YUV: luma. " + colourNote + " Means are over images; " +
	"seconds are the wall time of a mode's pipeline run or of a competitor's whole command per image."

// Kinds of result rows.
const (
	KindNoisy      = "noisy"
	KindMode       = "mode"
	KindCompetitor = "competitor"
)

// NoisyMethod is the method name of the rows that score the noisy input.
const NoisyMethod = "noisy"

// Run evaluates opts.Modes and opts.Competitors on every clean image under every noise.
func Run(ctx context.Context, opts Options) (*Report, error) {
	start := time.Now()
	if opts.Config == nil {
		return nil, errNoConfig
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &evaluation{opts: opts, log: log}
	if err := e.prepare(); err != nil {
		return nil, err
	}
	if opts.Clip != "" {
		return e.runSequence(ctx, start)
	}
	paths, err := ListImages(opts.Clean, opts.Limit)
	if err != nil {
		return nil, err
	}
	if len(opts.Competitors) > 0 {
		tmp, err := os.MkdirTemp(opts.TempDir, "denoise-eval-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		if e.tmp, err = filepath.Abs(tmp); err != nil { // commands may run elsewhere
			return nil, err
		}
	}
	if opts.Keep != "" {
		if err := os.MkdirAll(opts.Keep, 0o755); err != nil {
			return nil, fmt.Errorf("keep: %w", unwrapPath(err))
		}
	}
	rep := &Report{Setup: e.setup(start)}
	for i, p := range paths {
		im, err := openImage(p, log)
		if err != nil {
			return nil, fmt.Errorf("clean image: %w", err)
		}
		g := im.clean.Geometry()
		rep.Images = append(rep.Images, ImageInfo{Name: im.name, Width: g.W, Height: g.H, PixFmt: g.Format.String(),
			Layout: g.Format.Layout.String(), BitDepth: g.Format.BitDepth})
		e.progress("[%d/%d] %s (%s)", i+1, len(paths), im.name, g)
		err = e.image(ctx, im)
		im.close()
		if err != nil {
			return nil, err
		}
	}
	if err := e.finish(rep); err != nil {
		return nil, err
	}
	rep.Elapsed = time.Since(start).Seconds()
	return rep, nil
}

// evaluation is the state of one Run.
type evaluation struct {
	opts   Options
	log    *slog.Logger
	noises []quality.Noise
	tmp    string
	// scores[noise][method] lists per-image results in image order; methods are keyed
	// by name, competitors' grid points by their indices (see gridKey).
	scores []map[string][]ImageResult
	points [][]Point // per competitor
	kept   []keptFile
}

// keptFile is a competitor output written to Keep, removed at the end unless its grid point
// is chosen (or AllGrid).
type keptFile struct {
	path              string
	noise, comp, grid int
}

func (e *evaluation) prepare() error {
	o := e.opts
	if len(o.Noises) == 0 {
		return errors.New("no noise given (e.g. awgn:25)")
	}
	seen := map[string]bool{}
	for _, s := range o.Noises {
		n, err := quality.ParseNoise(s)
		if err != nil {
			return err
		}
		if seen[n.String()] {
			return fmt.Errorf("noise %s given twice", n)
		}
		seen[n.String()] = true
		e.noises = append(e.noises, n)
	}
	if len(o.Modes) == 0 && len(o.Competitors) == 0 {
		return errors.New("nothing to evaluate: give a mode or a competitor")
	}
	if o.Sigma < 0 || o.Sigma > 255 {
		return fmt.Errorf("sigma %g: want 0 (estimate) to 255", o.Sigma)
	}
	if o.SigmaKnown && o.Sigma != 0 {
		return errors.New("give --sigma or --sigma-known, not both")
	}
	names := map[string]string{NoisyMethod: "a reserved name"}
	for _, m := range o.Modes {
		if names[m] != "" {
			return fmt.Errorf("mode %s given twice", m)
		}
		names[m] = "a mode"
	}
	if err := checkModes(e.baseConfig(), o.Modes); err != nil {
		return err
	}
	for _, c := range o.Competitors {
		if err := c.Validate(); err != nil {
			return err
		}
		if what := names[c.Name]; what != "" {
			return fmt.Errorf("competitor %s: the name is already %s", c.Name, what)
		}
		names[c.Name] = "a competitor"
		e.points = append(e.points, c.Points())
	}
	e.scores = make([]map[string][]ImageResult, len(e.noises))
	for i := range e.scores {
		e.scores[i] = map[string][]ImageResult{}
	}
	return nil
}

func (e *evaluation) baseConfig() *configs.Config {
	cfg := *e.opts.Config
	cfg.Sigma = e.opts.Sigma
	// One frame at a time: a single worker whose filters split the frame over every core.
	cfg.Pipeline.Workers = max(e.opts.Workers, 1)
	return &cfg
}

func (e *evaluation) progress(format string, a ...any) {
	if e.opts.Progress != nil {
		fmt.Fprintf(e.opts.Progress, format+"\n", a...)
	}
}

// NoiseSeed is the seed of the noise added to the image named name: a hash of the run's
// seed, the name and the noise spec, so that every method sees the same noisy image, the
// same in every run, whatever else is evaluated beside it.
func NoiseSeed(seed int64, name string, n quality.Noise) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s\x00%s", seed, name, n)
	return int64(h.Sum64() >> 1)
}

// KnownSigma is the standard deviation of n's Gaussian (AWGN) parts on the 0–255 scale for
// data of the given bit depth (0 when n has none).
func KnownSigma(n quality.Noise, bitDepth int) float64 {
	v := 0.0
	for _, c := range n.Parts {
		if c.Kind == quality.AWGN {
			v += c.Sigma * c.Sigma
		}
	}
	s := math.Sqrt(v)
	if n.Native {
		s *= 255 / (math.Exp2(float64(bitDepth)) - 1)
	}
	return s
}

func gridKey(comp, point int) string { return fmt.Sprintf("\x00%d/%d", comp, point) }

// image evaluates every noise and method on one clean image.
func (e *evaluation) image(ctx context.Context, im *image) error {
	for ni, n := range e.noises {
		if err := ctx.Err(); err != nil {
			return err
		}
		noisy := clone(im.clean)
		n.Apply(noisy, NoiseSeed(e.opts.Seed, im.name, n))
		e.score(ni, NoisyMethod, KindNoisy, "", im, noisy, math.NaN())
		e.progress("  %-14s %-22s %s", n, NoisyMethod, e.last(ni, NoisyMethod))
		keepDir := ""
		if e.opts.Keep != "" {
			keepDir = filepath.Join(e.opts.Keep, slug(n.String()))
			if err := os.MkdirAll(keepDir, 0o755); err != nil {
				return fmt.Errorf("keep: %w", unwrapPath(err))
			}
			if err := im.writeImage(filepath.Join(keepDir, im.stem+".noisy.png"), noisy, e.log); err != nil {
				return fmt.Errorf("keep: %w", err)
			}
		}

		for _, m := range e.opts.Modes {
			cfg := e.baseConfig()
			cfg.Mode = m
			params := ""
			if e.opts.SigmaKnown {
				cfg.Sigma = KnownSigma(n, im.clean.Format.BitDepth)
			}
			if cfg.Sigma > 0 {
				params = "sigma=" + fmtFloat(cfg.Sigma)
			}
			out, el, err := runMode(ctx, cfg, noisy)
			if err != nil {
				return fmt.Errorf("mode %s on %s (%s): %w", m, im.name, n, err)
			}
			e.score(ni, m, KindMode, params, im, out, el.Seconds())
			e.progress("  %-14s %-22s %s", n, m, e.last(ni, m))
			if keepDir != "" {
				if err := im.writeImage(filepath.Join(keepDir, im.stem+"."+slug(m)+".png"), out, e.log); err != nil {
					return fmt.Errorf("keep: %w", err)
				}
			}
		}

		if len(e.opts.Competitors) > 0 {
			if err := e.competitors(ctx, im, ni, noisy, keepDir); err != nil {
				return err
			}
		}
	}
	return nil
}

// competitors runs every grid point of every competitor on one noisy image.
func (e *evaluation) competitors(ctx context.Context, im *image, ni int, noisy *frame.Frame, keepDir string) error {
	g := im.clean.Geometry()
	if g.Format.Layout == frame.YUV {
		return fmt.Errorf("competitors need gray or RGB images: %s is %s (convert the set to PNG first)", im.name, g.Format)
	}
	in := filepath.Join(e.tmp, "noisy.png")
	if err := im.writeImage(in, noisy, e.log); err != nil {
		return fmt.Errorf("competitor input: %w", err)
	}
	n := e.noises[ni]
	for ci, c := range e.opts.Competitors {
		best, bestPt := math.Inf(-1), 0
		t0 := time.Now()
		for pi, pt := range e.points[ci] {
			out := filepath.Join(e.tmp, fmt.Sprintf("out-%d-%d.png", ci, pi))
			_ = os.Remove(out)
			line := c.commandLine(in, out, g.Format.PixFmt, pt)
			what := c.Name
			if len(pt) > 0 {
				what += " (" + pt.String() + ")"
			}
			t := time.Now()
			err := runCommand(ctx, line)
			el := time.Since(t)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("competitor %s on %s (%s): %w", what, im.name, n, err)
			}
			if !exists(out) {
				return fmt.Errorf("competitor %s on %s (%s): the command succeeded but wrote no {out} file", what, im.name, n)
			}
			res, err := im.readResult(out, e.log)
			if err != nil {
				return fmt.Errorf("competitor %s on %s (%s): reading its output: %w", what, im.name, n, err)
			}
			r := e.score(ni, gridKey(ci, pi), KindCompetitor, pt.String(), im, res, el.Seconds())
			r.Method = c.Name
			if float64(r.PSNR) > best {
				best, bestPt = float64(r.PSNR), pi
			}
			if keepDir != "" {
				name := im.stem + "." + slug(c.Name)
				if len(pt) > 0 {
					name += "." + slug(strings.ReplaceAll(pt.String(), " ", "_"))
				}
				path := filepath.Join(keepDir, name+".png")
				if err := im.writeImage(path, res, e.log); err != nil {
					return fmt.Errorf("keep: %w", err)
				}
				e.kept = append(e.kept, keptFile{path, ni, ci, pi})
			}
			_ = os.Remove(out)
		}
		pts := e.points[ci]
		e.progress("  %-14s %-22s %d point(s) in %.2f s, best here %s: %s", n, c.Name, len(pts),
			time.Since(t0).Seconds(), orNone(pts[bestPt].String()), e.last(ni, gridKey(ci, bestPt)))
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(no grid)"
	}
	return s
}

// score measures out against the clean image and records it; seconds is NaN for the
// noisy input.
func (e *evaluation) score(ni int, key, kind, params string, im *image, out *frame.Frame, seconds float64) *ImageResult {
	r := ImageResult{
		Noise: e.noises[ni].String(), Method: key, Kind: kind, Params: params, Image: im.name,
		PSNR: Num(quality.FramePSNR(im.clean, out)), SSIM: Num(quality.FrameSSIM(im.clean, out)),
		Colour: colourScores(im.clean, out), Seconds: Num(seconds),
	}
	s := e.scores[ni]
	s[key] = append(s[key], r)
	return &s[key][len(s[key])-1]
}

func (e *evaluation) last(ni int, key string) string {
	rs := e.scores[ni][key]
	r := rs[len(rs)-1]
	s := fmt.Sprintf("PSNR %6.2f dB  SSIM %.4f", float64(r.PSNR), float64(r.SSIM))
	if !math.IsNaN(float64(r.Seconds)) {
		s += fmt.Sprintf("  %.3f s", float64(r.Seconds))
	}
	return s
}

// finish turns the per-image scores into the table rows, chooses each competitor's grid
// point and tidies the kept images.
func (e *evaluation) finish(rep *Report) error {
	chosen := make([][]int, len(e.noises)) // [noise][competitor] → point
	for ni, n := range e.noises {
		ns := n.String()
		add := func(method, kind, params string, rs []ImageResult) {
			rep.Results = append(rep.Results, mean(ns, method, kind, params, rs))
			rep.PerImage = append(rep.PerImage, rs...)
		}
		add(NoisyMethod, KindNoisy, "", e.scores[ni][NoisyMethod])
		for _, m := range e.opts.Modes {
			rs := e.scores[ni][m]
			add(m, KindMode, commonParams(rs), rs)
		}
		chosen[ni] = make([]int, len(e.opts.Competitors))
		for ci, c := range e.opts.Competitors {
			bestPt, best := 0, math.Inf(-1)
			var grid []GridResult
			for pi, pt := range e.points[ci] {
				rs := e.scores[ni][gridKey(ci, pi)]
				m := mean(ns, c.Name, KindCompetitor, pt.String(), rs)
				grid = append(grid, GridResult{Noise: ns, Competitor: c.Name, Params: pt.String(), Values: pt.values(),
					PSNR: m.PSNR, SSIM: m.SSIM, Colour: m.Colour, Seconds: m.Seconds, PerImage: rs})
				if p := float64(m.PSNR); p > best {
					best, bestPt = p, pi
				}
			}
			grid[bestPt].Chosen = true
			chosen[ni][ci] = bestPt
			g := grid[bestPt]
			add(c.Name, KindCompetitor, g.Params, g.PerImage)
			rep.Grid = append(rep.Grid, grid...)
			rep.Setup.Choices = append(rep.Setup.Choices, Choice{Noise: ns, Competitor: c.Name, Params: g.Params, Values: g.Values})
		}
	}
	if !e.opts.AllGrid {
		for _, k := range e.kept {
			if chosen[k.noise][k.comp] != k.grid {
				if err := os.Remove(k.path); err != nil {
					return fmt.Errorf("keep: %w", unwrapPath(err))
				}
			}
		}
	}
	return nil
}

// commonParams is the params of the rows if they all agree, else "per image" (a known
// sigma on images of different bit depths with a native noise, say).
func commonParams(rs []ImageResult) string {
	if len(rs) == 0 {
		return ""
	}
	for _, r := range rs[1:] {
		if r.Params != rs[0].Params {
			return "per image"
		}
	}
	return rs[0].Params
}

func mean(noise, method, kind, params string, rs []ImageResult) Result {
	var p, s, t, cp, cs float64
	nc := 0
	for _, r := range rs {
		p += float64(r.PSNR)
		s += float64(r.SSIM)
		t += float64(r.Seconds)
		if r.PSNRColour != nil && r.SSIMColour != nil {
			cp += float64(*r.PSNRColour)
			cs += float64(*r.SSIMColour)
			nc++
		}
	}
	n := float64(len(rs))
	m := Result{Noise: noise, Method: method, Kind: kind, Params: params,
		PSNR: Num(p / n), SSIM: Num(s / n), Seconds: Num(t / n), Images: len(rs)}
	if nc > 0 {
		m.Colour = Colour{PSNRColour: numPtr(cp / float64(nc)), SSIMColour: numPtr(cs / float64(nc))}
	}
	return m
}

// colourNote says what the colour columns are.
const colourNote = "The colour columns (psnr_colour, ssim_colour; none for gray): PSNR over all colour planes' " +
	"squared errors together, each plane counting its own samples (RGB: PSNR-RGB; YUV: PSNR-YUV), and the mean " +
	"of the planes' SSIMs (RGB: over R, G, B; YUV: over Y, U, V at their own sizes)."

// colourScores is out's colour figures against clean, none for gray frames.
func colourScores(clean, out *frame.Frame) Colour {
	if clean.Format.Layout == frame.Gray {
		return Colour{}
	}
	return Colour{PSNRColour: numPtr(quality.FramePSNRAll(clean, out)), SSIMColour: numPtr(quality.FrameSSIMAll(clean, out))}
}

func numPtr(v float64) *Num { n := Num(v); return &n }

// hasColour reports whether some result has colour figures.
func hasColour(rs []Result) bool {
	for _, r := range rs {
		if r.PSNRColour != nil {
			return true
		}
	}
	return false
}

func (e *evaluation) setup(start time.Time) Setup {
	o := e.opts
	s := Setup{Clean: o.Clean, Limit: o.Limit, Seed: o.Seed, Modes: o.Modes, Sigma: o.Sigma, SigmaKnown: o.SigmaKnown,
		Workers: o.Workers, Competitors: o.Competitors, Metrics: metricsNote, Host: hostFacts(len(o.Competitors) > 0),
		Started: start.UTC().Truncate(time.Second)}
	for _, n := range e.noises {
		s.Noises = append(s.Noises, n.String())
	}
	if s.Modes == nil {
		s.Modes = []string{}
	}
	return s
}

func hostFacts(ffmpeg bool) Host {
	h := Host{GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		GoVersion: runtime.Version()}
	h.Hostname, _ = os.Hostname()
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				h.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if ffmpeg {
		if b, err := exec.Command("ffmpeg", "-hide_banner", "-version").Output(); err == nil {
			h.FFmpegCLI, _, _ = strings.Cut(string(b), "\n")
			h.FFmpegCLI = strings.TrimSpace(strings.TrimPrefix(h.FFmpegCLI, "ffmpeg version "))
			h.FFmpegCLI, _, _ = strings.Cut(h.FFmpegCLI, " Copyright")
		}
	}
	return h
}

// slug makes s safe as part of a file name.
func slug(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == '_'
		if !ok {
			b[i] = '_'
		}
	}
	return string(b)
}

func fmtFloat(v float64) string { return fmt.Sprintf("%.4g", v) }
