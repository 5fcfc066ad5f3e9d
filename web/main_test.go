package web

import (
	"log/slog"
	"os"
	"testing"

	"github.com/denoise-go/denoise/decode"
)

func TestMain(m *testing.M) {
	// FFmpeg's own messages (about the malformed uploads, say) are not the test's output.
	decode.RouteFFmpegLogs(slog.New(slog.DiscardHandler), false)
	os.Exit(m.Run())
}
