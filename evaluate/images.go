package evaluate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/encode"
	"github.com/denoise-go/denoise/frame"
)

// imageExts are the file name endings ListImages takes (case-insensitive).
var imageExts = []string{".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".pnm"}

// ListImages returns the image files of dir sorted by name, at most limit of them
// (limit ≤ 0: all). Hidden files and other endings are skipped.
func ListImages(dir string, limit int) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("clean images: %w", unwrapPath(err))
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		ext := strings.ToLower(filepath.Ext(n))
		for _, x := range imageExts {
			if ext == x {
				names = append(names, n)
				break
			}
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("clean images: no %s files in %s", strings.Join(imageExts, " "), dir)
	}
	sort.Strings(names)
	if limit > 0 && len(names) > limit {
		names = names[:limit]
	}
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = filepath.Join(dir, n)
	}
	return paths, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// image is one clean image, decoded once. src stays open while the image is evaluated: it
// is the template encode needs to write PNGs of the same geometry.
type image struct {
	name  string // file name
	stem  string // file name less its extension
	src   *decode.Source
	clean *frame.Frame
}

// openImage decodes the first frame of path through FFmpeg, keeping its bit depth.
func openImage(path string, log *slog.Logger) (*image, error) {
	src, err := decode.Open(decode.Options{Input: path, Logger: log})
	if err != nil {
		return nil, err
	}
	f, err := src.Next(context.Background())
	if err != nil {
		src.Close()
		if err == io.EOF {
			err = errors.New("no picture")
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	clean := clone(f)
	f.Release()
	name := filepath.Base(path)
	clean.Key = name
	return &image{name: name, stem: strings.TrimSuffix(name, filepath.Ext(name)), src: src, clean: clean}, nil
}

func (im *image) close() { im.src.Close() }

// clone copies f into a new frame outside any pool.
func clone(f *frame.Frame) *frame.Frame {
	c := frame.New(f.Format, f.W, f.H)
	c.CopyFrom(f)
	return c
}

// writeImage encodes f as a lossless image at path through package encode, with im's
// geometry: PNG keeps 8- and 16-bit gray and RGB exactly (a YUV source is converted to RGB).
func (im *image) writeImage(path string, f *frame.Frame, log *slog.Logger) error {
	sink, err := encode.Open(encode.Options{Output: path, Overwrite: true, Logger: log}, im.src)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	c := clone(f)
	c.CopyMeta(im.clean)
	if err := sink.Write(c); err != nil {
		_ = sink.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := sink.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// readResult decodes a competitor's output and returns it in im's geometry, so that it is
// scored and kept like a mode's output. It must have the size and layout of the input; its
// bit depth may differ (samples are compared in [0,1], where the code v of depth b stands
// for v/(2^b−1)).
func (im *image) readResult(path string, log *slog.Logger) (*frame.Frame, error) {
	src, err := decode.Open(decode.Options{Input: path, Logger: log})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	f, err := src.Next(context.Background())
	if err != nil {
		if err == io.EOF {
			err = errors.New("no picture")
		}
		return nil, err
	}
	defer f.Release()
	want := im.clean
	if f.W != want.W || f.H != want.H || !convertible(f.Format.Layout, want.Format.Layout) {
		return nil, fmt.Errorf("the output is %s, the input was %s (keep the size, and the pixel format with -pix_fmt {pix_fmt})",
			f.Geometry(), want.Geometry())
	}
	out := frame.New(want.Format, want.W, want.H)
	out.CopyMeta(want)
	n := colourPlanes(want.Format)
	switch from, to := f.Format.Layout, want.Format.Layout; {
	case from == to:
		for i := range n {
			out.Planes[i].CopyFrom(&f.Planes[i])
		}
	case from == frame.RGB && to == frame.Gray: // an RGB image of a gray one: its luma
		for j := range want.H {
			r, g, b, y := f.Planes[0].Row(j), f.Planes[1].Row(j), f.Planes[2].Row(j), out.Planes[0].Row(j)
			for i := range y {
				y[i] = 0.299*r[i] + 0.587*g[i] + 0.114*b[i]
			}
		}
	case from == frame.Gray && to == frame.RGB:
		for i := range n {
			out.Planes[i].CopyFrom(&f.Planes[0])
		}
	}
	if want.Format.Alpha {
		a := &out.Planes[n]
		if f.Format.Alpha {
			a.CopyFrom(&f.Planes[len(f.Planes)-1])
		} else { // alpha the command dropped: opaque
			for j := range a.Pix {
				a.Pix[j] = 1
			}
		}
	}
	return out, nil
}

// convertible reports whether readResult takes an output of layout from for an input of
// layout to: the same, or gray and RGB either way (a command that changed the pixel
// format, as FFmpeg filters without gray support do). YUV has a range and a matrix to
// guess, so it must match.
func convertible(from, to frame.Layout) bool {
	return from == to || (from != frame.YUV && to != frame.YUV)
}

func colourPlanes(f frame.Format) int {
	n := f.NumPlanes()
	if f.Alpha {
		n--
	}
	return n
}
