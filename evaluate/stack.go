package evaluate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/job"
	"github.com/denoise-go/denoise/modes"
	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/quality"
	"github.com/denoise-go/denoise/sci"
)

// StackOptions are an evaluation on a stack or a volume (a multi-page TIFF, a DICOM file or
// folder, a NIfTI volume): every image of the file (slice or frame) is a clean reference.
// Each noise is added to every image, and each mode runs over the noisy images of a channel
// as one sequence, through modes.Build and pipeline.Run as the product runs it, so that
// stages that estimate a noise model on the first frames, or use neighbouring slices, work
// as they do on the file; each output image is scored against its clean one.
type StackOptions struct {
	// Stack is the file (or DICOM folder). Required.
	Stack string
	// First and Count select the images First … First+Count−1 of every channel (Count ≤ 0:
	// to the end).
	First, Count int
	// Channels lists the channels to use (nil: all).
	Channels []int
	// Noises are quality.ParseNoise specs ("pg:160:40,native", "rician:12.75").
	Noises []string
	// Modes are mode names, optionally with a noise model after '@' ("nlm@rician"); without
	// one, Config.NoiseModel applies.
	Modes []string
	// NoiseModels, when set, runs every mode given without '@' once per model: the rows are
	// "MODE" for gaussian and "MODE@MODEL" for the others.
	NoiseModels []string
	// Seed, with the image's name and the noise, fixes each noisy image.
	Seed int64
	// Config holds the mode settings; Mode, NoiseModel, Sigma and Pipeline.Workers are set per
	// run. Required.
	Config *configs.Config
	// Sigma is given to the modes on the 0–255 scale (0: they estimate it).
	Sigma float64
	// Workers is the per-frame filter workers of a mode (0: one per core).
	Workers int
	// Background is the level, as a share of the stack's maximum, at or below which a clean
	// pixel counts as background for the background error (0: 0.01).
	Background float64
	Progress   io.Writer
	Logger     *slog.Logger
}

// StackRow is one row of a stack evaluation: the mean over the images, and the mean error
// (denoised − clean) over the background as a percentage of the stack's maximum, NaN where
// there is no background. Background pixels are those whose clean value is at most
// StackOptions.Background of the maximum; Background counts those at least BackgroundMargin
// pixels from anything brighter (the air around a head: the noise floor, where Rician bias
// shows), BackgroundAll every one (edges included, where blur adds its own error).
type StackRow struct {
	Result
	Model         string `json:"model"`          // "gaussian", "poisson-gaussian", "rician"
	Background    Num    `json:"background"`     // mean error, background away from edges, % of the maximum
	BackgroundAll Num    `json:"background_all"` // mean error, all background, % of the maximum
	// Estimated is what the noise model estimated on the first image of the first channel
	// (its log line); empty for gaussian.
	Estimated string `json:"estimated,omitempty"`
}

// StackInfo describes the stack evaluated.
type StackInfo struct {
	Path          string   `json:"path"`
	Format        string   `json:"format"`
	Width         int      `json:"width"`
	Height        int      `json:"height"`
	Channels      []int    `json:"channels"`
	First         int      `json:"first"`
	Count         int      `json:"count"`
	BitDepth      int      `json:"bit_depth"`
	Max           int      `json:"max_code"`              // the largest clean code of the stack (all images)
	BackgroundMax int      `json:"background_max"`        // clean codes ≤ this are background
	BackgroundPct Num      `json:"background_share"`      // share of the selected pixels that are background, %
	AwayPct       Num      `json:"background_away_share"` // share that is background away from edges, %
	NoiseModels   []string `json:"noise_models,omitempty"`
}

// StackReport is what a stack evaluation measured: the usual report (its Results are the
// rows without the background column, so WriteCSV and WriteChart take it) and the full rows.
type StackReport struct {
	Report
	Stack StackInfo  `json:"stack"`
	Rows  []StackRow `json:"rows"`
}

// SplitMode splits "nlm@rician" into the mode and the noise model ("" when there is no '@').
func SplitMode(m string) (mode, model string) {
	mode, model, _ = strings.Cut(m, "@")
	return mode, model
}

// runName is the row name of a mode and a noise model.
func runName(mode, model string) string {
	if model == configs.NoiseGaussian {
		return mode
	}
	return mode + "@" + model
}

// stackRuns expands the modes over the noise models and checks them.
func stackRuns(o *StackOptions, base *configs.Config) ([][2]string, error) {
	var runs [][2]string
	seen := map[string]bool{}
	add := func(mode, model string) error {
		if !slices.Contains(configs.NoiseModels, model) {
			return fmt.Errorf("noise model %q is not one of %s", model, strings.Join(configs.NoiseModels, ", "))
		}
		name := runName(mode, model)
		if seen[name] {
			return nil
		}
		seen[name] = true
		cfg := *base
		cfg.Mode, cfg.NoiseModel = mode, model
		if _, err := modes.Build(&cfg); err != nil {
			return fmt.Errorf("mode %s: %w", name, err)
		}
		runs = append(runs, [2]string{mode, model})
		return nil
	}
	for _, m := range o.Modes {
		mode, model := SplitMode(m)
		if model == "" {
			model = base.NoiseModel // the configuration's (a preset's), else gaussian
			if model == "" {
				model = configs.NoiseGaussian
			}
		}
		models := []string{model}
		if !strings.Contains(m, "@") && len(o.NoiseModels) > 0 {
			models = o.NoiseModels
		}
		for _, md := range models {
			if err := add(mode, md); err != nil {
				return nil, err
			}
		}
	}
	if len(runs) == 0 {
		return nil, errors.New("nothing to evaluate: give a mode")
	}
	return runs, nil
}

// RunStack evaluates the modes on the images of a stack under every noise.
func RunStack(ctx context.Context, o StackOptions) (*StackReport, error) {
	start := time.Now()
	if o.Config == nil {
		return nil, errNoConfig
	}
	if o.Stack == "" {
		return nil, errors.New("no stack given")
	}
	if len(o.Noises) == 0 {
		return nil, errors.New("no noise given (e.g. pg:160:40,native or rician:12.75)")
	}
	var noises []quality.Noise
	for _, s := range o.Noises {
		n, err := quality.ParseNoise(s)
		if err != nil {
			return nil, err
		}
		noises = append(noises, n)
	}
	if o.Sigma < 0 || o.Sigma > 255 {
		return nil, fmt.Errorf("sigma %g: want 0 (estimate) to 255", o.Sigma)
	}
	if o.First < 0 {
		return nil, fmt.Errorf("first image %d: want ≥ 0", o.First)
	}
	base := *o.Config
	base.Sigma = o.Sigma
	base.Pipeline.Workers = max(o.Workers, 1)
	runs, err := stackRuns(&o, &base)
	if err != nil {
		return nil, err
	}

	st, err := job.OpenStack(o.Stack, &base)
	if err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	defer st.Close()
	info, clean, masks, err := readStack(st, &o)
	if err != nil {
		return nil, err
	}
	info.NoiseModels = o.NoiseModels
	progress := func(format string, a ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, format+"\n", a...)
		}
	}
	progress("%s: %d channel(s) × %d images of %dx%d, %d-bit, max code %d; background (clean ≤ %d) %.1f %% of the pixels, %.1f %% %d or more pixels from anything brighter",
		filepath.Base(o.Stack), len(info.Channels), info.Count, info.Width, info.Height, info.BitDepth, info.Max,
		info.BackgroundMax, float64(info.BackgroundPct), float64(info.AwayPct), BackgroundMargin)

	rep := &StackReport{Stack: info}
	rep.Setup = Setup{Clean: o.Stack, Seed: o.Seed, Sigma: o.Sigma, Workers: o.Workers, Metrics: metricsNote,
		Host: hostFacts(false), Started: start.UTC().Truncate(time.Second)}
	for _, r := range runs {
		rep.Setup.Modes = append(rep.Setup.Modes, runName(r[0], r[1]))
	}
	for _, n := range noises {
		rep.Setup.Noises = append(rep.Setup.Noises, n.String())
	}
	for ci, c := range info.Channels {
		for i := range clean[ci] {
			rep.Images = append(rep.Images, ImageInfo{Name: imageName(o.Stack, c, info.First+i), Width: info.Width,
				Height: info.Height, PixFmt: clean[ci][i].Format.String(), Layout: "gray", BitDepth: info.BitDepth})
		}
	}

	maxU := float64(info.Max) / float64(int(1)<<info.BitDepth-1)
	for _, n := range noises {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ns := n.String()
		// The noisy images, channel by channel.
		noisy := make([][]*frame.Frame, len(clean))
		var nrs []ImageResult
		var nbg, nbga bgSum
		for ci, c := range info.Channels {
			for i, cf := range clean[ci] {
				f := clone(cf)
				name := imageName(o.Stack, c, info.First+i)
				n.Apply(f, NoiseSeed(o.Seed, name, n))
				noisy[ci] = append(noisy[ci], f)
				nrs = append(nrs, scoreImage(ns, NoisyMethod, KindNoisy, name, cf, f, math.NaN()))
				nbg.add(cf, f, masks[ci][i].away)
				nbga.add(cf, f, masks[ci][i].all)
			}
		}
		addRow(rep, StackRow{Result: mean(ns, NoisyMethod, KindNoisy, "", nrs), Background: nbg.pct(maxU), BackgroundAll: nbga.pct(maxU)}, nrs)
		progress("  %-22s %-26s %s", ns, NoisyMethod, rowLine(rep.Rows[len(rep.Rows)-1]))

		for _, r := range runs {
			name := runName(r[0], r[1])
			cfg := base
			cfg.Mode, cfg.NoiseModel = r[0], r[1]
			var mu sync.Mutex
			estimated := ""
			hooks := modes.Hooks{OnModel: func(stage string, _ int64, desc string) {
				mu.Lock()
				if estimated == "" {
					estimated = desc
				}
				mu.Unlock()
			}}
			var rs []ImageResult
			var bg, bga bgSum
			for ci, c := range info.Channels {
				outs, el, err := runChannel(ctx, &cfg, hooks, noisy[ci])
				if err != nil {
					return nil, fmt.Errorf("mode %s on channel %d (%s): %w", name, c, ns, err)
				}
				per := el.Seconds() / float64(len(outs))
				for i, out := range outs {
					cf := clean[ci][i]
					rs = append(rs, scoreImage(ns, name, KindMode, imageName(o.Stack, c, info.First+i), cf, out, per))
					bg.add(cf, out, masks[ci][i].away)
					bga.add(cf, out, masks[ci][i].all)
				}
			}
			params := ""
			if cfg.Sigma > 0 {
				params = "sigma=" + fmtFloat(cfg.Sigma)
			}
			mu.Lock()
			row := StackRow{Result: mean(ns, name, KindMode, params, rs), Model: r[1], Background: bg.pct(maxU), BackgroundAll: bga.pct(maxU), Estimated: estimated}
			mu.Unlock()
			addRow(rep, row, rs)
			progress("  %-22s %-26s %s", ns, name, rowLine(row))
		}
	}
	rep.Elapsed = time.Since(start).Seconds()
	return rep, nil
}

func addRow(rep *StackReport, row StackRow, per []ImageResult) {
	if row.Model == "" {
		row.Model = configs.NoiseGaussian
	}
	rep.Rows = append(rep.Rows, row)
	rep.Results = append(rep.Results, row.Result)
	rep.PerImage = append(rep.PerImage, per...)
}

func rowLine(r StackRow) string {
	s := fmt.Sprintf("PSNR %6.2f dB  SSIM %.4f", float64(r.PSNR), float64(r.SSIM))
	if b := float64(r.Background); !math.IsNaN(b) {
		s += fmt.Sprintf("  background %+.2f %% (%+.2f %% with edges)", b, float64(r.BackgroundAll))
	}
	if t := float64(r.Seconds); !math.IsNaN(t) {
		s += fmt.Sprintf("  %.3f s/image", t)
	}
	if r.Estimated != "" {
		s += "  [" + r.Estimated + "]"
	}
	return s
}

func imageName(path string, c, i int) string {
	return fmt.Sprintf("%s:c%d:%d", filepath.Base(path), c, i)
}

func scoreImage(noise, method, kind, image string, clean, out *frame.Frame, seconds float64) ImageResult {
	return ImageResult{Noise: noise, Method: method, Kind: kind, Image: image,
		PSNR: Num(quality.FramePSNR(clean, out)), SSIM: Num(quality.FrameSSIM(clean, out)), Colour: colourScores(clean, out),
		Seconds: Num(seconds)}
}

// bgSum accumulates the error over background pixels.
type bgSum struct {
	sum float64
	n   int
}

func (b *bgSum) add(clean, out *frame.Frame, mask []bool) {
	c, o := &clean.Planes[0], &out.Planes[0]
	for y := 0; y < c.H; y++ {
		cr, or := c.Row(y), o.Row(y)
		for x, v := range cr {
			if mask[y*c.W+x] {
				b.sum += float64(or[x] - v)
				b.n++
			}
		}
	}
}

// BackgroundMargin is how far, in pixels, a background pixel must be from any brighter one to
// count in StackRow.Background.
const BackgroundMargin = 3

// bgMask flags an image's background pixels: all, and those away from anything brighter.
type bgMask struct{ all, away []bool }

func makeMask(f *frame.Frame, level float32) bgMask {
	p := &f.Planes[0]
	w, h := p.W, p.H
	m := bgMask{all: make([]bool, w*h), away: make([]bool, w*h)}
	for y := 0; y < h; y++ {
		for x, v := range p.Row(y) {
			m.all[y*w+x] = v <= level
		}
	}
	// Erode by the margin: horizontal then vertical runs.
	r := BackgroundMargin
	tmp := make([]bool, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			ok := true
			for xx := max(0, x-r); xx <= min(w-1, x+r) && ok; xx++ {
				ok = m.all[y*w+xx]
			}
			tmp[y*w+x] = ok
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			ok := true
			for yy := max(0, y-r); yy <= min(h-1, y+r) && ok; yy++ {
				ok = tmp[yy*w+x]
			}
			m.away[y*w+x] = ok
		}
	}
	return m
}

// pct is the mean error as a percentage of max (both in working units); NaN without pixels.
func (b *bgSum) pct(max float64) Num {
	if b.n == 0 || max <= 0 {
		return Num(math.NaN())
	}
	return Num(100 * b.sum / float64(b.n) / max)
}

// readStack reads the selected clean images of every selected channel, with the stack's
// maximum over all its images and each image's background masks.
func readStack(st *sci.Stack, o *StackOptions) (StackInfo, [][]*frame.Frame, [][]bgMask, error) {
	info := StackInfo{Path: o.Stack, Format: st.Format.String(), Width: st.Width, Height: st.Height,
		BitDepth: st.BitDepth(), First: o.First}
	chans := o.Channels
	if len(chans) == 0 {
		for c := range st.Channels() {
			chans = append(chans, c)
		}
	}
	for _, c := range chans {
		if c < 0 || c >= st.Channels() {
			return info, nil, nil, fmt.Errorf("stack: no channel %d (it has %d)", c, st.Channels())
		}
	}
	info.Channels = chans
	if o.First >= st.Len() {
		return info, nil, nil, fmt.Errorf("stack: first image %d of %d", o.First, st.Len())
	}
	info.Count = st.Len() - o.First
	if o.Count > 0 {
		info.Count = min(o.Count, info.Count)
	}
	maxCode := float64(int(1)<<info.BitDepth - 1)
	var top float32
	clean := make([][]*frame.Frame, len(chans))
	for ci, c := range chans {
		seq := st.Channel(c)
		for i := 0; ; i++ {
			f, err := seq.Next(context.Background())
			if err == io.EOF {
				break
			}
			if err != nil {
				return info, nil, nil, fmt.Errorf("stack: %w", err)
			}
			for _, v := range f.Planes[0].Pix {
				top = max(top, v)
			}
			if i >= o.First && i < o.First+info.Count {
				g := clone(f)
				g.Index = int64(i - o.First)
				clean[ci] = append(clean[ci], g)
			}
			f.Release()
		}
	}
	info.Max = int(math.Round(float64(top) * maxCode))
	bgShare := o.Background
	if bgShare <= 0 {
		bgShare = 0.01
	}
	info.BackgroundMax = int(math.Floor(bgShare * float64(info.Max)))
	level := float32(float64(info.BackgroundMax) / maxCode)
	var nbg, naway, all int
	masks := make([][]bgMask, len(clean))
	for ci, fs := range clean {
		for _, f := range fs {
			m := makeMask(f, level)
			masks[ci] = append(masks[ci], m)
			for i := range m.all {
				if m.all[i] {
					nbg++
				}
				if m.away[i] {
					naway++
				}
				all++
			}
		}
	}
	info.BackgroundPct = Num(100 * float64(nbg) / float64(max(all, 1)))
	info.AwayPct = Num(100 * float64(naway) / float64(max(all, 1)))
	return info, clean, masks, nil
}

// stackFrames is a pipeline.Source over pooled copies of frames.
type stackFrames struct {
	fs   []*frame.Frame
	pool *frame.Pool
}

func (s *stackFrames) Next(ctx context.Context) (*frame.Frame, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(s.fs) == 0 {
		return nil, io.EOF
	}
	f := s.pool.Like(s.fs[0])
	f.CopyFrom(s.fs[0])
	s.fs = s.fs[1:]
	return f, nil
}

// runChannel runs cfg's mode over the frames of one channel as one sequence, through the
// job route's channel runner (job.Channels, what `denoise` runs on every channel of a
// stack), and returns the outputs in order, with the wall time of the run.
func runChannel(ctx context.Context, cfg *configs.Config, h modes.Hooks, in []*frame.Frame) ([]*frame.Frame, time.Duration, error) {
	sink := &capture{}
	run := job.Channels{Config: cfg, Hooks: h, Count: 1,
		Source: func(int) pipeline.Source { return &stackFrames{fs: in, pool: frame.NewPool(8)} },
		Sink:   func(int) pipeline.Sink { return sink }}
	t0 := time.Now()
	_, err := run.Run(ctx)
	el := time.Since(t0)
	if err != nil {
		return nil, el, err
	}
	if len(sink.out) != len(in) {
		return nil, el, fmt.Errorf("the pipeline gave %d frames for %d", len(sink.out), len(in))
	}
	for i, f := range sink.out {
		if f.W != in[i].W || f.H != in[i].H {
			return nil, el, fmt.Errorf("output %d is %dx%d, the input was %dx%d", i, f.W, f.H, in[i].W, in[i].H)
		}
	}
	return sink.out, el, nil
}

// WriteStackTable prints the rows: noise, method, mean PSNR and SSIM, the background errors
// (% of the maximum: away from edges, and all of it), seconds per image and what the noise
// model estimated.
func WriteStackTable(w io.Writer, rep *StackReport) error {
	header := []string{"noise", "method", "PSNR dB", "SSIM", "bg err %", "bg+edges %", "s/image", "estimated"}
	rows := groupByNoise(len(rep.Rows), func(i int) string { return rep.Rows[i].Noise }, func(i int) []string {
		r := rep.Rows[i]
		est := r.Estimated
		if r.Params != "" {
			est = strings.TrimSpace(r.Params + " " + est)
		}
		return []string{r.Method, orDash(r.PSNR.format(2)), orDash(r.SSIM.format(4)),
			orDash(r.Background.format(2)), orDash(r.BackgroundAll.format(2)), orDash(r.Seconds.format(3)), est}
	})
	return writeAligned(w, header, rows)
}
