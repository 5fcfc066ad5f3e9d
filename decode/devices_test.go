package decode

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestDeviceInputs: -f lavfi (and so v4l2, x11grab and the other devices of libavdevice)
// is a known input format; a lavfi source opens and yields all its frames (it is made on demand: not live).
func TestDeviceInputs(t *testing.T) {
	src, err := Open(Options{Input: "testsrc2=size=64x48:rate=25:duration=0.2", Format: "lavfi"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.Live() {
		t.Error("lavfi, made on demand, is reported live")
	}
	n := 0
	for {
		f, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		f.Release()
		n++
	}
	if n != 5 {
		t.Errorf("%d frames, want 5", n)
	}
	if _, err := Open(Options{Input: "/dev/null", Format: "v4l2"}); err == nil || strings.Contains(err.Error(), "unknown input format") {
		t.Errorf("v4l2 on /dev/null: %v, want the device's own refusal", err)
	}
}
