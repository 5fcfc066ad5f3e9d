package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"net"
	"net/http"
	"time"
)

// Side-by-side layout of the preview picture.
const (
	liveGap      = 8   // pixels between the two halves
	liveMaxWidth = 960 // each half is subsampled to at most this width
	liveQuality  = 85  // JPEG quality
	liveBoundary = "denoise-preview-frame"
)

// Handler serves the live preview: the page (GET /), the MJPEG stream (GET /stream.mjpg,
// multipart/x-mixed-replace), one JPEG (GET /snapshot.jpg) and the counters (GET /stats).
func (l *Live) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", assetHandler("live.html"))
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(staticFS)))
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, l.Stats()) })
	mux.HandleFunc("GET /snapshot.jpg", l.handleSnapshot)
	mux.HandleFunc("GET /stream.mjpg", l.handleStream)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", contentSecurity)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		mux.ServeHTTP(w, r)
	})
}

// Serve serves Handler on ln until ctx is done; on a loopback listener, only requests for
// a loopback host (see loopbackOnly).
func (l *Live) Serve(ctx context.Context, ln net.Listener) error {
	h := l.Handler()
	if isLoopback(ln.Addr()) {
		h = loopbackOnly(h)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		l.Close()
		_ = srv.Close()
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// liveRenderer turns the shown pair into JPEGs, reusing its picture and buffer.
type liveRenderer struct {
	img *image.RGBA
	buf bytes.Buffer
	seq uint64
}

// render encodes the shown pair if it changed since the last call; ok is false when there
// is nothing (new) to show.
func (l *Live) render(r *liveRenderer) (ok bool, err error) {
	l.shownMu.RLock()
	defer l.shownMu.RUnlock()
	if l.shownIn == nil || l.shownOut == nil || l.shownSeq == r.seq {
		return false, nil
	}
	in, out := l.shownIn, l.shownOut
	step := max((max(in.W, out.W)+liveMaxWidth-1)/liveMaxWidth, 1)
	wi, wo := (in.W+step-1)/step, (out.W+step-1)/step
	h := (max(in.H, out.H) + step - 1) / step
	rect := image.Rect(0, 0, wi+liveGap+wo, h)
	if r.img == nil || r.img.Rect != rect {
		r.img = image.NewRGBA(rect)
	}
	draw.Draw(r.img, rect, image.Black, image.Point{}, draw.Src)
	drawFrame(r.img, 0, in, step)
	drawFrame(r.img, wi+liveGap, out, step)
	r.seq = l.shownSeq
	r.buf.Reset()
	return true, jpeg.Encode(&r.buf, r.img, &jpeg.Options{Quality: liveQuality})
}

func (l *Live) handleSnapshot(w http.ResponseWriter, _ *http.Request) {
	var r liveRenderer
	ok, err := l.render(&r)
	if err != nil {
		writeError(w, err)
		return
	}
	if !ok {
		writeError(w, errorf(http.StatusServiceUnavailable, "no frame has been through the pipeline yet"))
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(r.buf.Bytes())
}

// handleStream sends each new pair as one part of a multipart/x-mixed-replace response,
// checking for one at most at the snapshot rate, until the client goes away.
func (l *Live) handleStream(w http.ResponseWriter, req *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary="+liveBoundary)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()
	var r liveRenderer
	tick := time.NewTicker(max(l.interval, 10*time.Millisecond))
	defer tick.Stop()
	for {
		ok, err := l.render(&r)
		if err != nil {
			return
		}
		if ok {
			if _, err := fmt.Fprintf(w, "--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", liveBoundary, r.buf.Len()); err != nil {
				return
			}
			if _, err := w.Write(r.buf.Bytes()); err != nil {
				return
			}
			if _, err := w.Write([]byte("\r\n")); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
		select {
		case <-req.Context().Done():
			return
		case <-l.closed:
			return
		case <-tick.C:
		}
	}
}
