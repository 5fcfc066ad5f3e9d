package evaluate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/encode"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/quality"
)

// Sequences. With Options.Clip set, Run evaluates on a clip instead of a folder of images:
// the clean clip is decoded once (keeping its pixel format and bit depth), each noise is
// added to every frame with its own seed, every mode runs over the noisy frames as one
// sequence through the same pipeline as denoise itself (temporal stages see the frames in
// order), and every competitor command runs over the noisy clip, written losslessly as Y4M
// ({in}), and writes the same frames as raw video in the clip's pixel format ({out}, a .yuv
// file: "-pix_fmt {pix_fmt} {out}" makes FFmpeg write it). Each output frame is scored against its clean
// frame; a row is the mean over the frames, and its seconds are per frame (the fps is their
// inverse): a mode's pipeline wall time, a competitor's whole command (decoding and encoding
// Y4M included) divided by the frames.

// sequenceMetricsNote says how a clip's numbers are computed.
const sequenceMetricsNote = "Clip: PSNR and SSIM as scikit-image 0.19 computes them on the code scale (data range 2^bitdepth-1), " +
	"per frame (YUV: luma; gray: the plane; RGB: the HxWx3 array), mode outputs rounded to the clip's codes; means are over " +
	"frames (the 'images' of the rows). " + colourNote + " Seconds are per frame: a mode's pipeline wall time over the clip, or a competitor's " +
	"whole command (Y4M in, raw video out), divided by the frames."

// atadenoise is FFmpeg's adaptive temporal averaging, a competitor for clips only.
var atadenoise = Competitor{
	Name:    "ffmpeg-atadenoise",
	Command: ffmpegCmd("atadenoise=0a={a}:1a={a}:2a={a}:0b={b}:1b={b}:2b={b}:s={s}"),
	Grid: []Axis{{"a", []string{"0.02", "0.05", "0.1", "0.2", "0.3"}}, {"b", []string{"0.4", "0.6", "1", "2"}},
		{"s", []string{"9"}}},
	About: "FFmpeg atadenoise (clips): thresholds a (its maximum 0.3) and b, 9 frames",
}

func init() { builtins = append(builtins, atadenoise) }

// sequence is the clean clip, decoded once. src stays open: it is the template encode needs
// to write clips of the same geometry.
type sequence struct {
	name  string
	src   *decode.Source
	clean []*frame.Frame
}

// openSequence decodes up to limit frames of path (limit ≤ 0: all).
func openSequence(ctx context.Context, path string, limit int, log *slog.Logger) (*sequence, error) {
	src, err := decode.Open(decode.Options{Input: path, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("clip: %w", err)
	}
	s := &sequence{name: filepath.Base(path), src: src}
	for limit <= 0 || len(s.clean) < limit {
		f, err := src.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			src.Close()
			return nil, fmt.Errorf("clip %s: frame %d: %w", path, len(s.clean), err)
		}
		c := clone(f)
		f.Release()
		if len(s.clean) > 0 && c.Geometry() != s.clean[0].Geometry() {
			src.Close()
			return nil, fmt.Errorf("clip %s: frame %d is %s, the first was %s", path, len(s.clean), c.Geometry(), s.clean[0].Geometry())
		}
		c.Key = fmt.Sprintf("%s#%04d", s.name, len(s.clean))
		s.clean = append(s.clean, c)
	}
	if len(s.clean) == 0 {
		src.Close()
		return nil, fmt.Errorf("clip %s: no frames", path)
	}
	return s, nil
}

func (s *sequence) close() { s.src.Close() }

// write encodes frames as the clip path (its container from the name: .y4m for Y4M), with the
// clean frames' timestamps.
func (s *sequence) write(path string, frames []*frame.Frame, log *slog.Logger) error {
	sink, err := encode.Open(encode.Options{Output: path, Overwrite: true, Logger: log}, s.src)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	for i, f := range frames {
		c := clone(f)
		c.CopyMeta(s.clean[i])
		if err := sink.Write(c); err != nil {
			_ = sink.Close()
			return fmt.Errorf("write %s: frame %d: %w", path, i, err)
		}
	}
	if err := sink.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// read decodes a competitor's output clip, raw video of the clean clip's size and pixel
// format: as many frames as the clean clip.
func (s *sequence) read(ctx context.Context, path string, log *slog.Logger) ([]*frame.Frame, error) {
	want := s.clean[0]
	src, err := decode.Open(decode.Options{Input: path, Format: "rawvideo", Logger: log, InputOptions: map[string]string{
		"video_size": fmt.Sprintf("%dx%d", want.W, want.H), "pixel_format": s.src.PixFmt()}})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var out []*frame.Frame
	for {
		f, err := src.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if f.W != want.W || f.H != want.H || f.Format.Layout != want.Format.Layout ||
			f.Format.ChromaShiftW != want.Format.ChromaShiftW || f.Format.ChromaShiftH != want.Format.ChromaShiftH {
			g := f.Geometry()
			f.Release()
			return nil, fmt.Errorf("the output is %s, the input was %s (keep the size, and the pixel format with -pix_fmt {pix_fmt})",
				g, want.Geometry())
		}
		o := frame.New(want.Format, want.W, want.H)
		for i := range colourPlanes(want.Format) {
			o.Planes[i].CopyFrom(&f.Planes[i])
		}
		f.Release()
		if len(out) < len(s.clean) {
			o.CopyMeta(s.clean[len(out)])
		}
		out = append(out, o)
	}
	if len(out) != len(s.clean) {
		return nil, fmt.Errorf("the output has %d frames, the input %d", len(out), len(s.clean))
	}
	return out, nil
}

// y4mFormat reports whether Y4M can carry the format losslessly: gray or YUV, no alpha.
func y4mFormat(f frame.Format) bool { return f.Layout != frame.RGB && !f.Alpha }

// runSequence is Run for Options.Clip.
func (e *evaluation) runSequence(ctx context.Context, start time.Time) (*Report, error) {
	o := e.opts
	if o.Keep != "" {
		return nil, errors.New("keep: not supported for clips")
	}
	seq, err := openSequence(ctx, o.Clip, o.Frames, e.log)
	if err != nil {
		return nil, err
	}
	defer seq.close()
	g := seq.clean[0].Geometry()
	if len(o.Competitors) > 0 {
		if !y4mFormat(g.Format) {
			return nil, fmt.Errorf("competitors need a gray or YUV clip without alpha (Y4M): %s is %s", seq.name, g.Format)
		}
		tmp, err := os.MkdirTemp(o.TempDir, "denoise-eval-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		if e.tmp, err = filepath.Abs(tmp); err != nil {
			return nil, err
		}
	}
	rep := &Report{Setup: e.setup(start)}
	rep.Setup.Clean, rep.Setup.Limit, rep.Setup.Metrics = o.Clip, o.Frames, sequenceMetricsNote
	rep.Images = append(rep.Images, ImageInfo{Name: seq.name, Width: g.W, Height: g.H, PixFmt: g.Format.String(),
		Layout: g.Format.Layout.String(), BitDepth: g.Format.BitDepth})
	e.progress("%s: %d frames, %s", seq.name, len(seq.clean), g)
	for ni, n := range e.noises {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		noisy := make([]*frame.Frame, len(seq.clean))
		for i, c := range seq.clean {
			noisy[i] = clone(c)
			n.Apply(noisy[i], NoiseSeed(o.Seed, c.Key, n))
		}
		e.scoreFrames(ni, NoisyMethod, KindNoisy, "", seq, noisy, math.NaN())
		e.progress("  %-14s %-22s %s", n, NoisyMethod, e.lastMean(ni, NoisyMethod))
		for _, m := range o.Modes {
			cfg := e.sequenceConfig()
			cfg.Mode = m
			params := ""
			if o.SigmaKnown {
				cfg.Sigma = KnownSigma(n, g.Format.BitDepth)
			}
			if cfg.Sigma > 0 {
				params = "sigma=" + fmtFloat(cfg.Sigma)
			}
			out, el, err := runModeSequence(ctx, cfg, noisy, cfg.Pipeline.Queue)
			if err != nil {
				return nil, fmt.Errorf("mode %s on %s (%s): %w", m, seq.name, n, err)
			}
			e.scoreFrames(ni, m, KindMode, params, seq, out, el.Seconds()/float64(len(out)))
			e.progress("  %-14s %-22s %s", n, m, e.lastMean(ni, m))
		}
		if len(o.Competitors) > 0 {
			if err := e.sequenceCompetitors(ctx, seq, ni, noisy); err != nil {
				return nil, err
			}
		}
	}
	if err := e.finish(rep); err != nil {
		return nil, err
	}
	rep.Elapsed = time.Since(start).Seconds()
	return rep, nil
}

// sequenceConfig is the mode configuration of a clip: the workers as given (0: one per core,
// as denoise runs a clip), not one frame at a time as for images.
func (e *evaluation) sequenceConfig() *configs.Config {
	cfg := *e.opts.Config
	cfg.Sigma = e.opts.Sigma
	cfg.Pipeline.Workers = e.opts.Workers
	return &cfg
}

// sequenceCompetitors runs every grid point of every competitor on the noisy clip.
func (e *evaluation) sequenceCompetitors(ctx context.Context, seq *sequence, ni int, noisy []*frame.Frame) error {
	in := filepath.Join(e.tmp, "noisy.y4m")
	if err := seq.write(in, noisy, e.log); err != nil {
		return fmt.Errorf("competitor input: %w", err)
	}
	defer os.Remove(in)
	n := e.noises[ni]
	pixFmt := seq.src.PixFmt()
	for ci, c := range e.opts.Competitors {
		best, bestPt := math.Inf(-1), 0
		t0 := time.Now()
		for pi, pt := range e.points[ci] {
			out := filepath.Join(e.tmp, fmt.Sprintf("out-%d-%d.yuv", ci, pi))
			_ = os.Remove(out)
			what := c.Name
			if len(pt) > 0 {
				what += " (" + pt.String() + ")"
			}
			t := time.Now()
			err := runCommand(ctx, c.commandLine(in, out, pixFmt, pt))
			el := time.Since(t)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("competitor %s on %s (%s): %w", what, seq.name, n, err)
			}
			if !exists(out) {
				return fmt.Errorf("competitor %s on %s (%s): the command succeeded but wrote no {out} file", what, seq.name, n)
			}
			res, err := seq.read(ctx, out, e.log)
			_ = os.Remove(out)
			if err != nil {
				return fmt.Errorf("competitor %s on %s (%s): reading its output: %w", what, seq.name, n, err)
			}
			key := gridKey(ci, pi)
			e.scoreFrames(ni, key, KindCompetitor, pt.String(), seq, res, el.Seconds()/float64(len(res)))
			rs := e.scores[ni][key]
			for i := range rs {
				rs[i].Method = c.Name
			}
			if p := meanPSNR(rs); p > best {
				best, bestPt = p, pi
			}
		}
		pts := e.points[ci]
		e.progress("  %-14s %-22s %d point(s) in %.2f s, best %s: %s", n, c.Name, len(pts),
			time.Since(t0).Seconds(), orNone(pts[bestPt].String()), e.lastMean(ni, gridKey(ci, bestPt)))
	}
	return nil
}

// scoreFrames scores every output frame against its clean frame and records the rows
// (image "CLIP#NNNN"); seconds is per frame (NaN for the noisy input).
func (e *evaluation) scoreFrames(ni int, key, kind, params string, seq *sequence, out []*frame.Frame, seconds float64) {
	s := e.scores[ni]
	for i, f := range out {
		quantise(f)
		c := seq.clean[i]
		s[key] = append(s[key], ImageResult{
			Noise: e.noises[ni].String(), Method: key, Kind: kind, Params: params, Image: c.Key,
			PSNR: Num(quality.FramePSNR(c, f)), SSIM: Num(quality.FrameSSIM(c, f)), Colour: colourScores(c, f),
			Seconds: Num(seconds),
		})
	}
}

func meanPSNR(rs []ImageResult) float64 {
	var p float64
	for _, r := range rs {
		p += float64(r.PSNR)
	}
	return p / float64(len(rs))
}

func (e *evaluation) lastMean(ni int, key string) string {
	rs := e.scores[ni][key]
	m := mean("", "", "", "", rs)
	s := fmt.Sprintf("PSNR %6.2f dB  SSIM %.4f  (%d frames)", float64(m.PSNR), float64(m.SSIM), len(rs))
	if sec := float64(m.Seconds); !math.IsNaN(sec) && sec > 0 {
		s += fmt.Sprintf("  %.1f fps", 1/sec)
	}
	return s
}

// quantise rounds the colour planes of f to the codes of its bit depth, as encoding would:
// a mode's float output is scored as what it writes.
func quantise(f *frame.Frame) {
	mc := f.Format.MaxCode()
	if f.Format.BitDepth <= 0 {
		return
	}
	for i := range colourPlanes(f.Format) {
		p := &f.Planes[i]
		for y := 0; y < p.H; y++ {
			row := p.Row(y)
			for x, v := range row {
				row[x] = float32(math.Round(float64(min(max(v, 0), 1)*mc))) / mc
			}
		}
	}
}

// WriteSequenceTable prints a clip's results: per noise and method the mean luma PSNR and
// SSIM over the frames (PSNR-Y for YUV; RGB: over the three channels), for a colour clip
// the colour PSNR and SSIM (PSNR-YUV: all planes' squared errors by their sample counts),
// the frames per second and the parameters.
func WriteSequenceTable(w io.Writer, rep *Report) error {
	colour := hasColour(rep.Results)
	header := append([]string{"noise", "method", "PSNR dB", "SSIM"}, colourHeader(colour)...)
	header = append(header, "fps", "parameters")
	rows := groupByNoise(len(rep.Results), func(i int) string { return rep.Results[i].Noise }, func(i int) []string {
		r := rep.Results[i]
		fps := ""
		if s := float64(r.Seconds); s > 0 && !math.IsNaN(s) {
			fps = fmt.Sprintf("%.1f", 1/s)
		}
		c := append([]string{r.Method, orDash(r.PSNR.format(2)), orDash(r.SSIM.format(4))}, r.Colour.cells(colour)...)
		return append(c, orDash(fps), strings.TrimSpace(r.Params))
	})
	return writeAligned(w, header, rows)
}
