package pipeline

import (
	"testing"

	"github.com/denoise-go/denoise/frame"
)

func TestQueueDepthFor(t *testing.T) {
	yuv420 := frame.Format{Layout: frame.YUV, BitDepth: 8, ChromaShiftW: 1, ChromaShiftH: 1}
	yuv444 := frame.Format{Layout: frame.YUV, BitDepth: 8}
	gray := frame.Format{Layout: frame.Gray, BitDepth: 16}
	for _, c := range []struct {
		f          frame.Format
		w, h, want int
	}{
		{yuv420, 640, 480, 4}, {yuv420, 1280, 720, 3}, {yuv420, 1920, 1080, Unbuffered},
		{yuv420, 3840, 2160, Unbuffered}, {yuv444, 1280, 720, Unbuffered}, {gray, 1920, 1080, 2}, {gray, 640, 480, 4}, {yuv420, 0, 0, 4},
	} {
		if got := QueueDepthFor(frame.Geometry{Format: c.f, W: c.w, H: c.h}, DefaultQueueDepth); got != c.want {
			t.Errorf("%dx%d %v: depth %d, want %d", c.w, c.h, c.f, got, c.want)
		}
	}
	if got := QueueDepthFor(frame.Geometry{Format: yuv420, W: 64, H: 48}, 1); got != 1 {
		t.Errorf("depth 1 raised to %d", got)
	}
}
