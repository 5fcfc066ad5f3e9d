package decode

import (
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // DecodeConfig: picture headers
	_ "image/jpeg" // DecodeConfig: picture headers
	_ "image/png"  // DecodeConfig: picture headers
	"os"

	"github.com/asticode/go-astiav"

	"github.com/denoise-go/denoise/internal/av"
	"github.com/denoise-go/denoise/internal/memlimit"
)

// checkPictureHeader refuses a single PNG, JPEG or GIF file whose header claims a picture too
// large for the memory limit, before FFmpeg decodes it to learn its parameters. Other inputs,
// and pictures that fit, pass.
func checkPictureHeader(path string, limit int64) error {
	if limit <= 0 {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	cfg, kind, err := image.DecodeConfig(f)
	if err != nil {
		return nil
	}
	bpp, comps := 4, 3 // 8-bit RGB(A)
	switch cfg.ColorModel {
	case color.GrayModel:
		bpp, comps = 1, 1
	case color.Gray16Model:
		bpp, comps = 2, 1
	case color.RGBA64Model, color.NRGBA64Model:
		bpp, comps = 8, 4
	case color.RGBAModel: // opaque 8-bit RGB
		bpp = 3
	case color.NRGBAModel:
		comps = 4
	}
	w, h := int64(cfg.Width), int64(cfg.Height)
	dec, flt := memlimit.Mul(w, h, int64(bpp)), memlimit.Mul(w, h, int64(comps), 4)
	if memlimit.Add(dec, flt) <= limit {
		return nil
	}
	return &memlimit.Error{Limit: limit, What: fmt.Sprintf("the input's picture is a %dx%d %s (%s decoded, %s as 32-bit floats)",
		w, h, kind, memlimit.Format(dec), memlimit.Format(flt))}
}

// checkFrameMemory refuses a stream whose frames, once decoded and once in the working format
// of 32-bit floats, need more than the memory limit: called as soon as the codec parameters
// are known, before the decoder allocates a frame.
func checkFrameMemory(cp *astiav.CodecParameters, limit int64) error {
	w, h := int64(cp.Width()), int64(cp.Height())
	if limit <= 0 || w <= 0 || h <= 0 {
		return nil
	}
	name := av.PixFmtName(int(cp.PixelFormat()))
	var dec, flt int64
	if pf, err := av.Describe(int(cp.PixelFormat())); err == nil {
		bytes := int64(1)
		if pf.Format.BitDepth > 8 {
			bytes = 2
		}
		for i := range pf.Format.NumPlanes() {
			pw, ph := pf.Format.PlaneSize(i, int(w), int(h))
			dec = memlimit.Add(dec, memlimit.Mul(int64(pw), int64(ph), bytes))
			flt = memlimit.Add(flt, memlimit.Mul(int64(pw), int64(ph), 4))
		}
	} else {
		// Converted by swscale first: as 16-bit RGBA, then 32-bit floats.
		dec, flt = memlimit.Mul(w, h, 8*2), memlimit.Mul(w, h, 4*4)
	}
	if memlimit.Add(dec, flt) <= limit {
		return nil
	}
	return &memlimit.Error{Limit: limit, What: fmt.Sprintf("the input's frames are %dx%d %s (%s each decoded, %s as 32-bit floats)",
		w, h, name, memlimit.Format(dec), memlimit.Format(flt))}
}
