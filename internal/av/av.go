// Package av converts between FFmpeg's AVFrame memory and the working format, driven by
// FFmpeg's own pixel-format descriptors. It speaks C pointers only, so that decode and encode
// stay the only packages that import go-astiav.
package av

/*
#cgo pkg-config: libavutil libavcodec
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libavcodec/avcodec.h>

static int av_desc_flags(int pf) {
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(pf);
	return d ? (int)d->flags : -1;
}
*/
import "C"

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/denoise-go/denoise/frame"
)

// Component is where one colour component of a pixel lives in an AVFrame.
type Component struct {
	Plane, Step, Offset, Shift, Depth int
}

// PixFmt is what the converters need to know of an FFmpeg pixel format.
type PixFmt struct {
	ID     int
	Name   string
	Format frame.Format // Layout, chroma shifts, Alpha, BitDepth, PixFmt
	Comps  []Component
	BE     bool
}

// Errors a caller can test for.
var (
	ErrUnsupported = fmt.Errorf("unsupported pixel format")
)

// Describe returns the facts of pixel format id, or ErrUnsupported (wrapped with the
// reason) for formats the working format cannot hold directly: palettes, bitstreams,
// floats, hardware surfaces, Bayer mosaics. Those go through swscale first.
func Describe(id int) (PixFmt, error) {
	d := C.av_pix_fmt_desc_get(C.enum_AVPixelFormat(id))
	if d == nil {
		return PixFmt{}, fmt.Errorf("%w: unknown id %d", ErrUnsupported, id)
	}
	name := C.GoString(d.name)
	flags := uint64(d.flags)
	bad := uint64(C.AV_PIX_FMT_FLAG_PAL | C.AV_PIX_FMT_FLAG_BITSTREAM | C.AV_PIX_FMT_FLAG_HWACCEL |
		C.AV_PIX_FMT_FLAG_FLOAT | C.AV_PIX_FMT_FLAG_BAYER)
	if flags&bad != 0 {
		return PixFmt{}, fmt.Errorf("%w: %s", ErrUnsupported, name)
	}
	n := int(d.nb_components)
	p := PixFmt{ID: id, Name: name, BE: flags&C.AV_PIX_FMT_FLAG_BE != 0}
	for i := 0; i < n; i++ {
		c := d.comp[i]
		p.Comps = append(p.Comps, Component{int(c.plane), int(c.step), int(c.offset), int(c.shift), int(c.depth)})
	}
	depth := p.Comps[0].Depth
	for _, c := range p.Comps {
		if c.Depth != depth || depth > 16 || (depth > 8 && c.Step%2 != 0) {
			return PixFmt{}, fmt.Errorf("%w: %s (mixed or >16-bit depth)", ErrUnsupported, name)
		}
	}
	f := frame.Format{BitDepth: depth, PixFmt: name, Alpha: flags&C.AV_PIX_FMT_FLAG_ALPHA != 0}
	switch {
	case n <= 2:
		f.Layout = frame.Gray
	case flags&C.AV_PIX_FMT_FLAG_RGB != 0:
		f.Layout = frame.RGB
	default:
		f.Layout = frame.YUV
		f.ChromaShiftW, f.ChromaShiftH = int(d.log2_chroma_w), int(d.log2_chroma_h)
	}
	if f.Alpha != (n == 2 || n == 4) {
		return PixFmt{}, fmt.Errorf("%w: %s (component count)", ErrUnsupported, name)
	}
	p.Format = f
	return p, nil
}

// PixFmtName is FFmpeg's name of a pixel format id.
func PixFmtName(id int) string {
	if s := C.av_get_pix_fmt_name(C.enum_AVPixelFormat(id)); s != nil {
		return C.GoString(s)
	}
	return fmt.Sprintf("pix_fmt(%d)", id)
}

// PixFmtID is the id of a pixel format name, or -1.
func PixFmtID(name string) int {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return int(C.av_get_pix_fmt(cs))
}

// BestPixFmt picks, among candidates, the format that loses least from src (FFmpeg's own
// choice, avcodec_find_best_pix_fmt_of_list) and says whether bit depth would be lost.
func BestPixFmt(candidates []int, src int, alpha bool) (best int, losesDepth bool) {
	if len(candidates) == 0 {
		return -1, false
	}
	list := make([]C.enum_AVPixelFormat, len(candidates)+1)
	for i, c := range candidates {
		list[i] = C.enum_AVPixelFormat(c)
	}
	list[len(candidates)] = C.AV_PIX_FMT_NONE
	var loss C.int
	a := C.int(0)
	if alpha {
		a = 1
	}
	b := C.avcodec_find_best_pix_fmt_of_list(&list[0], C.enum_AVPixelFormat(src), a, &loss)
	return int(b), loss&C.FF_LOSS_DEPTH != 0
}

func cframe(p unsafe.Pointer) *C.AVFrame { return (*C.AVFrame)(p) }

// Colour reads the colour metadata of an AVFrame into f.
func Colour(avframe unsafe.Pointer, f *frame.Format) {
	c := cframe(avframe)
	f.ColorRange, f.ColorSpace = int(c.color_range), int(c.colorspace)
	f.ColorPrimaries, f.ColorTransfer = int(c.color_primaries), int(c.color_trc)
}

// SetColour writes f's colour metadata into an AVFrame.
func SetColour(avframe unsafe.Pointer, f frame.Format) {
	c := cframe(avframe)
	c.color_range = C.enum_AVColorRange(f.ColorRange)
	c.colorspace = C.enum_AVColorSpace(f.ColorSpace)
	c.color_primaries = C.enum_AVColorPrimaries(f.ColorPrimaries)
	c.color_trc = C.enum_AVColorTransferCharacteristic(f.ColorTransfer)
}

// Timing returns the best-effort timestamp and packet duration of a decoded AVFrame.
func Timing(avframe unsafe.Pointer) (pts, duration int64) {
	c := cframe(avframe)
	return int64(c.best_effort_timestamp), int64(c.pkt_duration)
}

// NoPTS is FFmpeg's "no timestamp" value.
const NoPTS = math.MinInt64

func planeBytes(c *C.AVFrame, plane, rows int) ([]byte, int) {
	ls := int(c.linesize[plane])
	if ls < 0 {
		panic("av: negative linesize")
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(c.data[plane])), ls*rows), ls
}
