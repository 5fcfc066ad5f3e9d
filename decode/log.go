package decode

import (
	"context"
	"log/slog"
	"strings"

	"github.com/asticode/go-astiav"
)

// RouteFFmpegLogs sends FFmpeg's own messages to l: errors and warnings at debug level
// unless verbose, since denoise reports what went wrong in its own words, once.
func RouteFFmpegLogs(l *slog.Logger, verbose bool) {
	if verbose {
		astiav.SetLogLevel(astiav.LogLevelVerbose)
	} else {
		astiav.SetLogLevel(astiav.LogLevelWarning)
	}
	astiav.SetLogCallback(func(c astiav.Classer, level astiav.LogLevel, _, msg string) {
		msg = strings.TrimSpace(msg)
		if msg == "" {
			return
		}
		lv := slog.LevelDebug
		if verbose && level <= astiav.LogLevelWarning {
			lv = slog.LevelWarn
		}
		if !l.Enabled(context.Background(), lv) {
			return
		}
		name := ""
		if c != nil {
			if cl := c.Class(); cl != nil {
				name = cl.Name()
			}
		}
		l.Log(context.Background(), lv, msg, "ffmpeg", name)
	})
}
