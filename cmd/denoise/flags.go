package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/modes"
)

const usageHead = `denoise removes noise from videos, image sequences, single images and live streams.

Usage:
  denoise -i INPUT -o OUTPUT [-y] [--mode MODE] [--preset NAME] [options]
  denoise eval --help          measure modes and other tools on clean images (PSNR/SSIM)
  denoise serve --help         the web page: upload an image or a clip, pick a mode, compare
  denoise worker --help        run items of jobs submitted with --cluster (NATS JetStream)
  denoise nats-server --help   a NATS server with JetStream for --cluster jobs

Examples:
  denoise -i noisy.mp4 -o clean.mp4                         the default mode (auto); H.264 out, audio copied
  denoise -i noisy.mp4 -o piece.mkv -ss 1:30 -t 10          ten seconds from 1:30
  denoise -i scan_%%04d.tif -o clean_%%04d.tif --mode nlm     16-bit TIFF sequence in and out
  denoise -i in.y4m -o - --mode nlm | ffplay -                Y4M through a pipe
  denoise -f v4l2 -i /dev/video0 -o cam.mkv --preset live   camera, live mode
  denoise -f rawvideo -s 640x480 -pix_fmt gray16le -i raw.bin -o out.mkv

Inputs: any file FFmpeg reads, image sequences (img_%%04d.png, a folder of images, or a
quoted glob 'seq/*.png', in name order), "-" for standard input,
devices (-f v4l2) and URLs (rtsp://, udp://, http://). Outputs: the container and codec
follow the name (.mp4/.mkv: H.264, or FFV1 when H.264 would lose bit depth; .png/.tif:
images; "-": Y4M to standard output), or -f and -c:v.

Modes: %s
Presets: %s

Configuration layers, later wins: built-in defaults, --preset, --config FILE, DENOISE_*
environment variables (DENOISE_MODE=nlm, DENOISE_NLM_SEARCH=15), then flags.

Options:
`

// runFlags declares the run command's flags. Names map to config keys by replacing '-'
// with '_', except where flagKeys says otherwise.
func runFlags() *pflag.FlagSet {
	fs := pflag.NewFlagSet("denoise", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringP("input", "i", "", "input file, pattern, URL, device, or - for standard input")
	fs.StringP("output", "o", "", "output file or pattern, or - for Y4M on standard output")
	fs.BoolP("overwrite", "y", false, "overwrite the output if it exists (never the input)")
	fs.String("start", "", "start this far into the input: seconds (12.5) or [HH:]MM:SS[.frac] (-ss)")
	fs.String("duration", "", "process this long a piece: seconds or [HH:]MM:SS[.frac] (-t)")
	fs.String("to", "", "stop at this time in the input (-to; instead of --duration)")
	fs.Int64("max-frames", 0, "stop after this many frames (-frames:v; 0: no limit)")
	fs.StringP("mode", "m", configs.ModeAuto, "denoising mode: "+strings.Join(modes.All(), ", ")+
		" (auto: impulse repair, then spatio-temporal NLM, spatial on a still picture)")
	fs.String("preset", "", "built-in preset ("+strings.Join(configs.Presets(), ", ")+") or a YAML file")
	fs.String("config", "", "YAML configuration file")
	fs.Float64("sigma", 0, "noise level on the 0-255 scale (0: estimate it)")
	fs.String("noise-model", configs.NoiseGaussian, "noise model: "+strings.Join(configs.NoiseModels, ", ")+
		" (poisson-gaussian: the mode runs between a generalized Anscombe transform and its exact unbiased inverse,"+
		" parameters estimated from the data; rician: nlm with the MR magnitude bias correction, sigma from the background)")
	fs.Int("nlm-patch", 0, "NLM patch side, odd (0: from the noise level)")
	fs.Int("nlm-search", 0, "NLM search window side, odd (0: from the noise level)")
	fs.Float64("nlm-h", 0, "NLM strength relative to sigma (0: from the noise level)")
	fs.String("impulse-kind", "auto", "impulse noise kind: auto, sp (salt-and-pepper), rv (random-valued)")
	fs.Int("frames", 5, "frames averaged by --mode average (odd)")
	fs.Bool("align", true, "motion-compensate neighbouring frames before combining them")
	fs.Bool("causal", false, "use past frames only (no lookahead; on in live mode)")
	fs.Int("radius", 2, "stnlm: neighbouring frames on each side (past only with --causal; 0: spatial only)")
	fs.String("motion-scale", "auto", "resolution motion is estimated at: auto (half from 1024×576 pixels up, full below), full, half")
	fs.String("model", "", "CNN model: an ONNX file or a built-in name (default: the built-in full model; light in live mode and modes cnn, impulse+cnn)")
	fs.String("cnn-provider", "cpu", "ONNX Runtime execution provider: cpu, cuda")
	fs.Int("cnn-threads", 0, "ONNX Runtime threads per worker (0: 1)")
	fs.Int("cnn-ensemble", 1, "views of each picture the CNN sees, turned back and averaged: 1, 2, 4, 8 (each costs a run of the network)")
	fs.Int("cnn-refill", 1, "full mode, where impulses were replaced: passes that put the CNN's estimate of them back and run NLM and the CNN again (0-3)")
	fs.StringP("codec", "c", "", "video encoder (libx264, libx265, ffv1, png, tiff; -c:v works too)")
	fs.Int("crf", 18, "constant rate factor for libx264/libx265")
	fs.String("pix-fmt", "", "output pixel format (default: the source's, where the codec allows)")
	fs.String("input-format", "", "force the input format or device (-f before -i)")
	fs.String("output-format", "", "force the output format (-f after -i)")
	fs.StringArray("input-option", nil, "FFmpeg demuxer/protocol option key=value (repeatable)")
	fs.StringArray("encoder-option", nil, "FFmpeg encoder option key=value, e.g. preset=slow (repeatable)")
	fs.StringArray("muxer-option", nil, "FFmpeg muxer option key=value (repeatable)")
	fs.Bool("strict", false, "stop at the first damage in the input (corrupt or missing data, a gap in the timestamps) instead of decoding past it and exiting with status 3")
	fs.Bool("live", false, "live mode: never block the source, drop (and count) frames when behind")
	fs.Int("workers", 0, "per-frame filter workers (0: one per core)")
	fs.Int("queue", 4, "frames buffered between stages (the default 4 is lowered to what fits in 16 MB for large frames: 3 at 720p, 1 at 1080p)")
	fs.Int("threads", 0, "FFmpeg decoder/encoder threads (0: automatic)")
	fs.String("memory-limit", "auto", "memory budget: a picture, page or slice, or the frames a run holds at once, that would need more is refused before it is allocated (auto: a quarter of the machine's memory; or 512MiB, 1.5GiB)")
	fs.String("metrics-addr", "", "serve Prometheus /metrics and /healthz on this address, e.g. :9090")
	fs.Duration("metrics-linger", 15*time.Second, "with --metrics-addr: after the job, keep /metrics up until it is scraped once more, at most this long (0: exit at once)")
	fs.Duration("read-timeout", 10*time.Second, "end the job when the input sends no data for this long (network inputs; given, any input; 0: wait forever): the frames read are written, the output finalised, exit 1")
	fs.String("progress", "auto", "progress display: auto (on a terminal), on, off")
	fs.String("log-level", "info", "log level: debug, info, warn, error")
	fs.String("cpuprofile", "", "write a Go CPU profile of the run to this file")
	fs.String("memprofile", "", "write a Go heap profile to this file at the end of the run (what the stages and their pools hold)")
	addPreviewFlag(fs)
	addClusterFlags(fs)
	fs.BoolP("help", "h", false, "show this help")
	fs.Bool("version", false, "print the version, the Go toolchain and the kernel set in use (avx2+fma or generic), and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), usageHead, strings.Join(modes.All(), ", "), strings.Join(configs.Presets(), ", "))
		fs.PrintDefaults()
	}
	return fs
}

var flagKeys = map[string]string{
	"nlm-patch": "nlm.patch", "nlm-search": "nlm.search", "nlm-h": "nlm.h",
	"impulse-kind": "impulse.kind", "frames": "temporal.frames", "align": "temporal.align", "causal": "temporal.causal", "radius": "temporal.radius",
	"motion-scale": "temporal.motion_scale",
	"input-option": "input_options", "encoder-option": "encoder_options", "muxer-option": "muxer_options",
	"model": "cnn.model", "cnn-provider": "cnn.provider", "cnn-threads": "cnn.threads", "cnn-ensemble": "cnn.ensemble", "cnn-refill": "cnn.refill",
	"live": "pipeline.live", "workers": "pipeline.workers", "queue": "pipeline.queue", "threads": "pipeline.threads",
}
