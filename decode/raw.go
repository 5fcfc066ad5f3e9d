package decode

import (
	"fmt"
	"syscall"

	"github.com/asticode/go-astiav"
)

// errInval is FFmpeg's AVERROR(EINVAL), which go-astiav does not name.
var errInval = astiav.Error(-int(syscall.EINVAL))

// checkRaw refuses raw video without a picture size before FFmpeg does (it says only
// "Invalid argument"): a headerless file cannot say its size, and FFmpeg has no default.
// The pixel format (yuv420p) and the rate (25) have defaults: logRawDefaults logs them.
func checkRaw(opts Options, name string) error {
	if opts.Format != "rawvideo" {
		return nil
	}
	if opts.InputOptions["video_size"] == "" {
		return fmt.Errorf("open %s: raw video has no header: give its picture size with -s WxH before -i, and its pixel format with -pix_fmt (default yuv420p) and rate with -r (default 25), e.g. -f rawvideo -s 640x480 -pix_fmt gray -r 25 -i %s", name, name)
	}
	return nil
}

// logRawDefaults says which of raw video's defaults were taken, once it is open.
func logRawDefaults(opts Options) {
	if opts.Format != "rawvideo" {
		return
	}
	pf, rate := opts.InputOptions["pixel_format"], opts.InputOptions["framerate"]
	if pf == "" || rate == "" {
		opts.Logger.Info("raw video: defaults taken for what was not given", "size", opts.InputOptions["video_size"],
			"pix_fmt", orDefault(pf, "yuv420p (default; -pix_fmt)"), "rate", orDefault(rate, "25 (default; -r)"))
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
