package av

/*
#include <libavutil/frame.h>
*/
import "C"

import (
	"unsafe"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// Reader converts AVFrames of one pixel format into working-format frames; the arithmetic is
// internal/dsp's conversion kernels. It is reused across frames.
type Reader struct {
	pf PixFmt
}

// NewReader returns a Reader for pf.
func NewReader(pf PixFmt) *Reader { return &Reader{pf: pf} }

// compIndex maps working-format plane i to the descriptor component that fills it.
// Descriptors list Y,U,V(,A) or R,G,B(,A) or Y(,A), which is the working order already.
func compIndex(i int) int { return i }

// Read fills dst (whose geometry must match the AVFrame) from avframe.
func (r *Reader) Read(avframe unsafe.Pointer, dst *frame.Frame) {
	c := cframe(avframe)
	for i := range dst.Planes {
		pl := &dst.Planes[i]
		comp := r.pf.Comps[compIndex(i)]
		src, ls := planeBytes(c, comp.Plane, pl.H)
		r.readPlane(pl, src, ls, comp)
	}
}

func (r *Reader) readPlane(pl *frame.Plane, src []byte, ls int, comp Component) {
	depth := comp.Depth
	switch {
	case depth <= 8 && comp.Step == 1 && comp.Shift == 0:
		// the format's depth scales 8-bit codes, as it always did
		d := r.pf.Format.BitDepth
		if d < 1 || d > 8 {
			d = depth
		}
		for y := 0; y < pl.H; y++ {
			dsp.U8ToF32(pl.Row(y), src[y*ls:], d)
		}
	case depth > 8 && comp.Step == 2 && comp.Offset == 0 && !r.pf.BE:
		for y := 0; y < pl.H; y++ {
			dsp.U16ToF32(pl.Row(y), src[y*ls:], depth, comp.Shift)
		}
	default:
		r.readGeneric(pl, src, ls, comp)
	}
}

func (r *Reader) readGeneric(pl *frame.Plane, src []byte, ls int, comp Component) {
	for y := 0; y < pl.H; y++ {
		dsp.ComponentToF32(pl.Row(y), src[y*ls+comp.Offset:], comp.Step, comp.Depth, comp.Shift, r.pf.BE)
	}
}

// Writer converts working-format frames into AVFrames of one pixel format, rounding to the
// nearest code and clipping to the format's range.
type Writer struct{ pf PixFmt }

// NewWriter returns a Writer for pf.
func NewWriter(pf PixFmt) *Writer { return &Writer{pf: pf} }

// Write stores src into avframe, whose buffers must be allocated for src's geometry.
// Packed formats share a plane between components, so every component is written in turn.
func (w *Writer) Write(src *frame.Frame, avframe unsafe.Pointer) {
	c := cframe(avframe)
	for i := range src.Planes {
		pl := &src.Planes[i]
		comp := w.pf.Comps[compIndex(i)]
		dst, ls := planeBytes(c, comp.Plane, pl.H)
		w.writePlane(dst, ls, pl, comp)
	}
}

func (w *Writer) writePlane(dst []byte, ls int, pl *frame.Plane, comp Component) {
	depth := comp.Depth
	for y := 0; y < pl.H; y++ {
		row, d := pl.Row(y), dst[y*ls:]
		switch {
		case depth == 8 && comp.Step == 1 && comp.Shift == 0:
			dsp.F32ToU8(d, row)
		case depth > 8 && comp.Step == 2 && comp.Offset == 0 && !w.pf.BE:
			dsp.F32ToU16(d, row, depth, comp.Shift)
		default:
			dsp.F32ToComponent(d[comp.Offset:], row, comp.Step, depth, comp.Shift, w.pf.BE)
		}
	}
}

// quant maps v in [0,1] to the nearest integer code in [0,m] (dsp.Quant).
func quant(v, m float32) int32 { return dsp.Quant(v, m) }
