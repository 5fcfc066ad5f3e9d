package decode

import "github.com/asticode/go-astiav"

// FFmpeg's capture devices (v4l2, x11grab, alsa, pulse) and the lavfi virtual input are
// demuxers of libavdevice, which FFmpeg lists only once they are registered.
func init() { astiav.RegisterAllDevices() }
