package encode

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Options say where and how to write.
type Options struct {
	// Output is a path, an image-sequence pattern (out_%04d.png), a URL, or "-" for
	// standard output (Y4M unless Format says otherwise).
	Output string
	// Format forces FFmpeg's muxer ("matroska", "mp4", "image2", "yuv4mpegpipe", …).
	Format string
	// Codec is the video encoder's name ("libx264", "libx265", "ffv1", "png", "tiff");
	// empty picks one from the container that keeps the source's bit depth.
	Codec string
	// CRF is the constant rate factor for libx264/libx265 (< 0: the default, 18).
	CRF int
	// PixFmt is the output pixel format; empty keeps the source's where the codec allows.
	PixFmt string
	// EncoderOptions and MuxerOptions are passed to FFmpeg as they are (preset, tune, movflags…).
	EncoderOptions map[string]string
	MuxerOptions   map[string]string
	// PresetEncoderOptions are keys of EncoderOptions a preset set for the encoder it was
	// written for: where the chosen encoder does not take one, it is skipped (and logged)
	// instead of refused.
	PresetEncoderOptions []string
	// Overwrite allows replacing an existing output, never the input.
	Overwrite bool
	// Input is what the output is made from (a path, pattern, glob or folder): Preflight
	// refuses an output that is any of its files, whatever Overwrite says.
	Input string
	// Threads is the encoder's thread count (0: FFmpeg chooses).
	Threads int
	Logger  *slog.Logger

	// Live marks a job that records a live source: an MP4 output is then fragmented
	// (flush.go), so that a killed job leaves a playable file.
	Live bool
}

// DefaultCRF is the CRF used for libx264/libx265 when none is given: visually near-lossless,
// since a denoised picture is worth keeping.
const DefaultCRF = 18

// ErrExists is returned when the output exists and Overwrite is false.
var ErrExists = errors.New("already exists (use -y to overwrite)")

// Preflight checks, before anything is opened or written, that the output can be created
// without losing anything: it is none of the input's files, its folder exists, and it does
// not exist unless Overwrite is set.
func Preflight(o Options) error {
	if o.Output == "" {
		return errors.New("no output given (-o FILE, or -o - for standard output)")
	}
	if o.Output == "-" || strings.Contains(o.Output, "://") {
		return nil
	}
	if err := NotInput(o.Output, o.Input); err != nil {
		return err
	}
	dir := filepath.Dir(o.Output)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("output folder %s does not exist", dir)
	}
	first := o.Output
	if IsPattern(o.Output) {
		first = fmt.Sprintf(o.Output, 1)
	}
	if _, err := os.Stat(first); err == nil && !o.Overwrite {
		return fmt.Errorf("output %s %w", first, ErrExists)
	}
	return nil
}

// IsPattern reports whether name is an image-sequence pattern such as img_%04d.png.
func IsPattern(name string) bool {
	i := strings.IndexByte(name, '%')
	if i < 0 {
		return false
	}
	rest := strings.TrimLeft(name[i+1:], "0123456789")
	return strings.HasPrefix(rest, "d")
}
