package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/spf13/pflag"

	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/web"
)

// addPreviewFlag declares --preview on the run command's flags. It is not configuration
// (configs.Load skips it), only a viewer of the run.
func addPreviewFlag(fs *pflag.FlagSet) {
	fs.String("preview", "", "serve a live side-by-side preview (noisy | denoised) with fps, latency and drops on this address, e.g. :8081")
}

// livePreview is the running --preview server. Its methods do nothing on a nil
// *livePreview, which is what startPreview returns when no address is given, so that
// run.go calls them unconditionally.
type livePreview struct {
	live *web.Live
	stop context.CancelFunc
	done chan error
}

// startPreview listens on addr and serves the live preview there until Close; an empty
// addr starts nothing and returns nil.
func startPreview(addr string, log *slog.Logger) (*livePreview, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("preview: listen %s: %w", addr, err)
	}
	ctx, stop := context.WithCancel(context.Background())
	p := &livePreview{live: web.NewLive(web.DefaultLiveFPS), stop: stop, done: make(chan error, 1)}
	go func() { p.done <- p.live.Serve(ctx, ln) }()
	log.Info("serving the live preview", "url", "http://"+displayAddr(ln.Addr())+"/")
	return p, nil
}

// Stages returns stages with the preview's taps inserted first and last.
func (p *livePreview) Stages(stages []pipeline.Stage) []pipeline.Stage {
	if p == nil {
		return stages
	}
	return p.live.Wrap(stages)
}

// OnFrame returns the pipeline's OnFrame: the preview's counters, then next (may be nil).
func (p *livePreview) OnFrame(next func(pipeline.Stats)) func(pipeline.Stats) {
	if p == nil {
		return next
	}
	return func(s pipeline.Stats) {
		p.live.Observe(s)
		if next != nil {
			next(s)
		}
	}
}

// Close stops the preview server, ending the streams of any open page.
func (p *livePreview) Close() {
	if p == nil {
		return
	}
	p.stop()
	<-p.done
}
