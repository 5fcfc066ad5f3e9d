package av

/*
#cgo pkg-config: libavformat
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>

static int default_video_codec(AVFormatContext *fc) { return fc->oformat ? fc->oformat->video_codec : AV_CODEC_ID_NONE; }
static int query_codec(AVFormatContext *fc, int id) { return fc->oformat ? avformat_query_codec(fc->oformat, id, FF_COMPLIANCE_NORMAL) : 0; }
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/denoise-go/denoise/frame"
)

// CPtr returns the C object behind a go-astiav wrapper, whose first field is that pointer
// (true of every wrapper in go-astiav v0.16). It reaches fields the bindings do not expose.
func CPtr[T any](x *T) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(x)) }

// SetCodecColour sets colour metadata on an AVCodecContext, which is where encoders read it.
func SetCodecColour(cc unsafe.Pointer, f frame.Format) {
	c := (*C.AVCodecContext)(cc)
	c.color_range = C.enum_AVColorRange(f.ColorRange)
	c.colorspace = C.enum_AVColorSpace(f.ColorSpace)
	c.color_primaries = C.enum_AVColorPrimaries(f.ColorPrimaries)
	c.color_trc = C.enum_AVColorTransferCharacteristic(f.ColorTransfer)
}

// MakeWritable makes an AVFrame's buffers writable, copying them if an encoder still holds
// a reference to the previous picture.
func MakeWritable(avframe unsafe.Pointer) error {
	if r := C.av_frame_make_writable((*C.AVFrame)(avframe)); r < 0 {
		return fmt.Errorf("av_frame_make_writable: error %d", int(r))
	}
	return nil
}

// DefaultVideoCodec is the video codec id an output format context's muxer prefers.
func DefaultVideoCodec(fc unsafe.Pointer) int {
	return int(C.default_video_codec((*C.AVFormatContext)(fc)))
}

// MuxerTakes reports whether the output muxer can store codec id.
func MuxerTakes(fc unsafe.Pointer, codecID int) bool {
	return C.query_codec((*C.AVFormatContext)(fc), C.int(codecID)) == 1
}
