package av

/*
#include <libavutil/frame.h>
*/
import "C"

import (
	"errors"
	"unsafe"
)

// View is an AVFrame that owns no memory: its planes point at buffers someone else holds
// (a GStreamer buffer's mapped planes), so that Reader and Writer convert them in place.
type View struct{ c *C.AVFrame }

// NewView allocates the AVFrame of a view; Free releases it.
func NewView() (*View, error) {
	c := C.av_frame_alloc()
	if c == nil {
		return nil, errors.New("av: out of memory allocating a frame")
	}
	return &View{c: c}, nil
}

// Set points plane i of the view at data, rows stride bytes apart (stride ≥ 0).
func (v *View) Set(i int, data unsafe.Pointer, stride int) {
	v.c.data[i] = (*C.uint8_t)(data)
	v.c.linesize[i] = C.int(stride)
}

// Pointer is the AVFrame, for Reader.Read and Writer.Write.
func (v *View) Pointer() unsafe.Pointer { return unsafe.Pointer(v.c) }

// Free releases the AVFrame (not the planes it pointed at).
func (v *View) Free() {
	if v.c != nil {
		for i := range v.c.data {
			v.c.data[i], v.c.linesize[i] = nil, 0
		}
		C.av_frame_free(&v.c)
	}
}
