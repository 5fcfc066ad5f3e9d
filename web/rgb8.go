package web

import (
	"image"

	"github.com/denoise-go/denoise/frame"
)

// FFmpeg's colour enums that the display conversion distinguishes.
const (
	colRangeJPEG  = 2 // AVCOL_RANGE_JPEG: full range
	colSpaceBT709 = 1 // AVCOL_SPC_BT709
	colSpace2020  = 9 // AVCOL_SPC_BT2020_NCL
)

// drawFrame draws f, every step-th pixel, into dst at column ox: 8 bits a sample for
// display only. YUV is converted with the frame's matrix (BT.601 unless it says BT.709 or
// BT.2020) and range; alpha is ignored.
func drawFrame(dst *image.RGBA, ox int, f *frame.Frame, step int) {
	w, h := (f.W+step-1)/step, (f.H+step-1)/step
	fm := f.Format
	kr, kb := 0.299, 0.114
	switch fm.ColorSpace {
	case colSpaceBT709:
		kr, kb = 0.2126, 0.0722
	case colSpace2020:
		kr, kb = 0.2627, 0.0593
	}
	kg := 1 - kr - kb
	full := fm.ColorRange == colRangeJPEG
	for y := range h {
		sy := y * step
		row := dst.Pix[y*dst.Stride+4*ox:]
		for x := range w {
			sx := x * step
			var r, g, b float32
			switch fm.Layout {
			case frame.Gray:
				v := f.Planes[0].Pix[sy*f.Planes[0].Stride+sx]
				r, g, b = v, v, v
			case frame.RGB:
				r = f.Planes[0].Pix[sy*f.Planes[0].Stride+sx]
				g = f.Planes[1].Pix[sy*f.Planes[1].Stride+sx]
				b = f.Planes[2].Pix[sy*f.Planes[2].Stride+sx]
			default:
				yy := f.Planes[0].Pix[sy*f.Planes[0].Stride+sx]
				cx, cy := sx>>fm.ChromaShiftW, sy>>fm.ChromaShiftH
				u := f.Planes[1].Pix[cy*f.Planes[1].Stride+cx] - 0.5
				v := f.Planes[2].Pix[cy*f.Planes[2].Stride+cx] - 0.5
				if !full {
					yy = (yy - 16.0/255) * 255 / 219
					u, v = u*255/224, v*255/224
				}
				r = yy + float32(2*(1-kr))*v
				b = yy + float32(2*(1-kb))*u
				g = (yy - float32(kr)*r - float32(kb)*b) / float32(kg)
			}
			p := row[4*x : 4*x+4 : 4*x+4]
			p[0], p[1], p[2], p[3] = to8(r), to8(g), to8(b), 255
		}
	}
}

func to8(v float32) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 1:
		return 255
	}
	return uint8(v*255 + 0.5)
}
