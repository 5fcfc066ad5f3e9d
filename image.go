package denoise

import (
	"fmt"
	"image"
	"image/draw"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// Pixel formats FromImage gives, by FFmpeg's names: the formats FFmpeg decodes the same
// pictures into from PNG or JPEG files, so that a frame from an image and a frame the
// command decodes from a file of it hold the same samples.
var (
	formatGray    = frame.Format{Layout: frame.Gray, BitDepth: 8, PixFmt: "gray"}
	formatGray16  = frame.Format{Layout: frame.Gray, BitDepth: 16, PixFmt: "gray16be"}
	formatRGB     = frame.Format{Layout: frame.RGB, BitDepth: 8, PixFmt: "rgb24"}
	formatRGBA    = frame.Format{Layout: frame.RGB, BitDepth: 8, Alpha: true, PixFmt: "rgba"}
	formatRGB48   = frame.Format{Layout: frame.RGB, BitDepth: 16, PixFmt: "rgb48be"}
	formatRGBA64  = frame.Format{Layout: frame.RGB, BitDepth: 16, Alpha: true, PixFmt: "rgba64be"}
	colorRangeJPG = 2 // FFmpeg's AVCOL_RANGE_JPEG: full range, as image.YCbCr is
	colorSpace601 = 5 // FFmpeg's AVCOL_SPC_BT470BG: the BT.601 matrix image.YCbCr uses
)

// chromaShifts are the subsampling ratios of image.YCbCr as log2 of the horizontal and
// vertical chroma subsampling, with FFmpeg's full-range format names.
var chromaShifts = map[image.YCbCrSubsampleRatio]struct {
	w, h int
	name string
}{
	image.YCbCrSubsampleRatio444: {0, 0, "yuvj444p"},
	image.YCbCrSubsampleRatio422: {1, 0, "yuvj422p"},
	image.YCbCrSubsampleRatio420: {1, 1, "yuvj420p"},
	image.YCbCrSubsampleRatio440: {0, 1, "yuvj440p"},
	image.YCbCrSubsampleRatio411: {2, 0, "yuvj411p"},
	image.YCbCrSubsampleRatio410: {2, 1, "yuv410p"},
}

// FromImage converts img into a new frame in the working format, the way the denoise
// command decodes a PNG or JPEG file of it: *image.Gray and *image.Gray16 give a gray
// frame of 8 or 16 bits; *image.RGBA, *image.NRGBA, *image.RGBA64 and *image.NRGBA64 an
// RGB frame of 8 or 16 bits, with an alpha plane for the N types and for translucent
// premultiplied images (whose colours are unpremultiplied); *image.YCbCr a YUV frame with
// its subsampling. Other types are refused: draw them into an *image.RGBA first. The frame
// belongs to the caller and to no pool.
func FromImage(img image.Image) (*frame.Frame, error) {
	r := img.Bounds()
	if r.Empty() {
		return nil, fmt.Errorf("denoise: the image is empty (%v)", r)
	}
	w, h := r.Dx(), r.Dy()
	switch m := img.(type) {
	case *image.Gray:
		f := frame.New(formatGray, w, h)
		for y := range h {
			dsp.U8ToF32(f.Planes[0].Row(y), m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):], 8)
		}
		return f, nil
	case *image.Gray16:
		return readPacked(formatGray16, w, h, m.Pix, m.Stride, m.PixOffset(r.Min.X, r.Min.Y), 2), nil
	case *image.RGBA:
		if !m.Opaque() {
			return FromImage(convert(image.NewNRGBA(r), m))
		}
		return readPacked(formatRGB, w, h, m.Pix, m.Stride, m.PixOffset(r.Min.X, r.Min.Y), 4), nil
	case *image.NRGBA:
		return readPacked(formatRGBA, w, h, m.Pix, m.Stride, m.PixOffset(r.Min.X, r.Min.Y), 4), nil
	case *image.RGBA64:
		if !m.Opaque() {
			return FromImage(convert(image.NewNRGBA64(r), m))
		}
		return readPacked(formatRGB48, w, h, m.Pix, m.Stride, m.PixOffset(r.Min.X, r.Min.Y), 8), nil
	case *image.NRGBA64:
		return readPacked(formatRGBA64, w, h, m.Pix, m.Stride, m.PixOffset(r.Min.X, r.Min.Y), 8), nil
	case *image.YCbCr:
		cs, ok := chromaShifts[m.SubsampleRatio]
		if !ok {
			return nil, fmt.Errorf("denoise: image.YCbCr subsampling %v is not supported", m.SubsampleRatio)
		}
		if r.Min.X%(1<<cs.w) != 0 || r.Min.Y%(1<<cs.h) != 0 {
			return nil, fmt.Errorf("denoise: the image.YCbCr's bounds %v start off its chroma grid: copy it to one that starts at 0,0", r)
		}
		f := frame.New(frame.Format{Layout: frame.YUV, ChromaShiftW: cs.w, ChromaShiftH: cs.h, BitDepth: 8, PixFmt: cs.name,
			ColorRange: colorRangeJPG, ColorSpace: colorSpace601}, w, h)
		for i, p := range [][]byte{m.Y, m.Cb, m.Cr} {
			pl := &f.Planes[i]
			for y := range pl.H {
				var o int
				if i == 0 {
					o = m.YOffset(r.Min.X, r.Min.Y+y)
				} else {
					o = m.COffset(r.Min.X, r.Min.Y+y<<cs.h)
				}
				dsp.U8ToF32(pl.Row(y), p[o:], 8)
			}
		}
		return f, nil
	}
	return nil, fmt.Errorf("denoise: images of type %T are not supported (draw them into an *image.RGBA first)", img)
}

// ToImage converts a frame into a new image of the type FromImage reads it from: a gray
// frame gives an *image.Gray (up to 8 bits) or *image.Gray16; an RGB frame an *image.RGBA
// or *image.RGBA64, or with an alpha plane an *image.NRGBA or *image.NRGBA64; an 8-bit YUV
// frame an *image.YCbCr, its samples copied as they are (image.YCbCr is full range, BT.601).
// Samples are rounded to the nearest code and clipped. Frames with more than 8 bits of YUV,
// or gray with alpha, have no such image type and are refused. f is not modified.
func ToImage(f *frame.Frame) (image.Image, error) {
	if err := checkFrame(f); err != nil {
		return nil, err
	}
	return toImage(f, image.Rect(0, 0, f.W, f.H))
}

// toImageLike converts the frame FromImage(like) gave, once denoised, into an image of
// like's type and bounds.
func toImageLike(f *frame.Frame, like image.Image) (image.Image, error) {
	img, err := toImage(f, like.Bounds())
	if err != nil {
		return nil, err
	}
	switch like.(type) {
	case *image.RGBA:
		if _, ok := img.(*image.RGBA); !ok {
			return convert(image.NewRGBA(img.Bounds()), img), nil // premultiply again
		}
	case *image.RGBA64:
		if _, ok := img.(*image.RGBA64); !ok {
			return convert(image.NewRGBA64(img.Bounds()), img), nil
		}
	}
	return img, nil
}

// toImage writes f into a new image with bounds r (of f's size).
func toImage(f *frame.Frame, r image.Rectangle) (image.Image, error) {
	fm := f.Format
	deep := fm.BitDepth > 8
	switch {
	case fm.Layout == frame.Gray && !fm.Alpha && !deep:
		m := image.NewGray(r)
		for y := range f.H {
			dsp.F32ToU8(m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):], f.Planes[0].Row(y))
		}
		return m, nil
	case fm.Layout == frame.Gray && !fm.Alpha:
		m := image.NewGray16(r)
		writePacked(m.Pix, m.Stride, f, 2)
		return m, nil
	case fm.Layout == frame.RGB && !deep && fm.Alpha:
		m := image.NewNRGBA(r)
		writePacked(m.Pix, m.Stride, f, 4)
		return m, nil
	case fm.Layout == frame.RGB && !deep:
		m := image.NewRGBA(r)
		writePacked(m.Pix, m.Stride, f, 4)
		return m, nil
	case fm.Layout == frame.RGB && fm.Alpha:
		m := image.NewNRGBA64(r)
		writePacked(m.Pix, m.Stride, f, 8)
		return m, nil
	case fm.Layout == frame.RGB:
		m := image.NewRGBA64(r)
		writePacked(m.Pix, m.Stride, f, 8)
		return m, nil
	case fm.Layout == frame.YUV && !fm.Alpha && !deep:
		for ratio, cs := range chromaShifts {
			if cs.w != fm.ChromaShiftW || cs.h != fm.ChromaShiftH {
				continue
			}
			m := image.NewYCbCr(r, ratio)
			for i, p := range [][]byte{m.Y, m.Cb, m.Cr} {
				pl := &f.Planes[i]
				stride := m.YStride
				if i > 0 {
					stride = m.CStride
				}
				for y := range pl.H {
					dsp.F32ToU8(p[y*stride:], pl.Row(y))
				}
			}
			return m, nil
		}
	}
	return nil, fmt.Errorf("denoise: no image type holds a frame of %s", fm)
}

// readPacked returns a w×h frame of format fm filled from interleaved samples starting at
// pix[off]: a pixel of bpp bytes holds the planes' samples in order, of 1 byte each or, for
// 16-bit frames, 2 bytes big-endian.
func readPacked(fm frame.Format, w, h int, pix []byte, stride, off, bpp int) *frame.Frame {
	f := frame.New(fm, w, h)
	size := bpp / 4 // bytes a sample of the 4-sample pixels
	if f.Format.Layout == frame.Gray {
		size = bpp
	}
	for i := range f.Planes {
		pl := &f.Planes[i]
		for y := range pl.H {
			dsp.ComponentToF32(pl.Row(y), pix[off+y*stride+i*size:], bpp, f.Format.BitDepth, 0, true)
		}
	}
	return f
}

// writePacked writes f's planes into interleaved samples laid out as readPacked reads them;
// the alpha of a 4-sample pixel without an alpha plane is opaque.
func writePacked(pix []byte, stride int, f *frame.Frame, bpp int) {
	size := bpp / 4
	if f.Format.Layout == frame.Gray {
		size = bpp
	}
	depth := 8 * size
	for i := range f.Planes {
		pl := &f.Planes[i]
		for y := range pl.H {
			dsp.F32ToComponent(pix[y*stride+i*size:], pl.Row(y), bpp, depth, 0, true)
		}
	}
	if f.Format.Layout == frame.RGB && !f.Format.Alpha {
		for y := range f.H {
			row := pix[y*stride : y*stride+f.W*bpp]
			for x := 3 * size; x < len(row); x += bpp {
				for b := range size {
					row[x+b] = 0xff
				}
			}
		}
	}
}

// convert draws src into dst, converting its colour model, and returns dst.
func convert(dst draw.Image, src image.Image) image.Image {
	draw.Draw(dst, dst.Bounds(), src, src.Bounds().Min, draw.Src)
	return dst
}
