package av

/*
#cgo pkg-config: libavutil
#include <libavutil/frame.h>
*/
import "C"

import "unsafe"

// Flawed reports whether the decoder marked a decoded AVFrame as damaged: concealed errors
// (decode_error_flags) or the corrupt flag.
func Flawed(avframe unsafe.Pointer) bool {
	c := (*C.AVFrame)(avframe)
	return c.decode_error_flags != 0 || c.flags&C.AV_FRAME_FLAG_CORRUPT != 0
}
