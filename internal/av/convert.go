package av

/*
#include <libavutil/frame.h>
*/
import "C"

import (
	"encoding/binary"
	"unsafe"

	"github.com/denoise-go/denoise/frame"
)

// Reader converts AVFrames of one pixel format into working-format frames. It holds a
// lookup table for 8-bit data and is reused across frames.
type Reader struct {
	pf  PixFmt
	lut [256]float32
}

// NewReader returns a Reader for pf.
func NewReader(pf PixFmt) *Reader {
	r := &Reader{pf: pf}
	m := float32(int(1)<<pf.Format.BitDepth - 1)
	for i := range r.lut {
		r.lut[i] = float32(i&int(m)) / m // code/max, divided as every path (and quality) computes it
	}
	return r
}

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
		for y := 0; y < pl.H; y++ {
			row := pl.Row(y)
			s := src[y*ls : y*ls+len(row)]
			for x, b := range s {
				row[x] = r.lut[b]
			}
		}
	case depth > 8 && comp.Step == 2 && comp.Offset == 0 && !r.pf.BE:
		m := float32(int(1)<<depth - 1)
		mask := uint16(int(1)<<depth - 1)
		for y := 0; y < pl.H; y++ {
			row := pl.Row(y)
			s := src[y*ls : y*ls+2*len(row)]
			for x := range row {
				v := binary.LittleEndian.Uint16(s[2*x:]) >> comp.Shift & mask
				row[x] = float32(v) / m
			}
		}
	default:
		r.readGeneric(pl, src, ls, comp)
	}
}

func (r *Reader) readGeneric(pl *frame.Plane, src []byte, ls int, comp Component) {
	depth := comp.Depth
	m := float32(int(1)<<depth - 1)
	mask := uint32(int(1)<<depth - 1)
	for y := 0; y < pl.H; y++ {
		row := pl.Row(y)
		base := y*ls + comp.Offset
		for x := range row {
			o := base + x*comp.Step
			var v uint32
			switch {
			case depth <= 8:
				v = uint32(src[o])
			case r.pf.BE:
				v = uint32(binary.BigEndian.Uint16(src[o:]))
			default:
				v = uint32(binary.LittleEndian.Uint16(src[o:]))
			}
			row[x] = float32(v>>comp.Shift&mask) / m
		}
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
	m := float32(int(1)<<depth - 1)
	switch {
	case depth == 8 && comp.Step == 1 && comp.Shift == 0:
		for y := 0; y < pl.H; y++ {
			row := pl.Row(y)
			d := dst[y*ls : y*ls+len(row)]
			d = d[:len(row)]
			for x, v := range row {
				d[x] = byte(min(max(v*255+0.5, 0), 255))
			}
		}
	case depth > 8 && comp.Step == 2 && comp.Offset == 0 && !w.pf.BE:
		for y := 0; y < pl.H; y++ {
			row := pl.Row(y)
			d := dst[y*ls : y*ls+2*len(row)]
			for x, v := range row {
				binary.LittleEndian.PutUint16(d[2*x:], uint16(quant(v, m))<<comp.Shift)
			}
		}
	default:
		for y := 0; y < pl.H; y++ {
			row := pl.Row(y)
			base := y*ls + comp.Offset
			for x, v := range row {
				o := base + x*comp.Step
				q := uint32(quant(v, m)) << comp.Shift
				switch {
				case depth <= 8:
					dst[o] = dst[o]&^byte(uint32(m)<<comp.Shift) | byte(q)
				case w.pf.BE:
					binary.BigEndian.PutUint16(dst[o:], uint16(q))
				default:
					binary.LittleEndian.PutUint16(dst[o:], uint16(q))
				}
			}
		}
	}
}

// quant maps v in [0,1] to the nearest integer code in [0,m]. min and max compile to
// branch-free instructions, which matters: this runs once per output sample.
func quant(v, m float32) int32 {
	return int32(min(max(v*m+0.5, 0), m))
}
