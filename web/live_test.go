package web

import (
	"context"
	"encoding/json"
	"image"
	"image/jpeg"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
)

var gray8 = frame.Format{Layout: frame.Gray, BitDepth: 8, PixFmt: "gray"}

// countSource yields n gray frames whose value encodes their index; with pace > 0 it
// waits between frames like a camera.
type countSource struct {
	n, i int64
	pool *frame.Pool
	pace time.Duration
}

func inValue(i int64) float32 { return 0.1 + float32(i%40)/100 }

func (s *countSource) Next(ctx context.Context) (*frame.Frame, error) {
	if s.i >= s.n || ctx.Err() != nil {
		return nil, io.EOF
	}
	if s.pace > 0 {
		time.Sleep(s.pace)
	}
	f := s.pool.Get(frame.Geometry{Format: gray8, W: 64, H: 48})
	for j := range f.Planes[0].Pix {
		f.Planes[0].Pix[j] = inValue(s.i)
	}
	f.Index = s.i
	s.i++
	return f, nil
}

// invert is a slow "denoiser": out = 1 − in.
type invert struct{ d time.Duration }

func (invert) Name() string { return "invert" }

func (v invert) Process(f *frame.Frame) (*frame.Frame, error) {
	time.Sleep(v.d)
	for j := range f.Planes[0].Pix {
		f.Planes[0].Pix[j] = 1 - f.Planes[0].Pix[j]
	}
	return f, nil
}

type discardSink struct{ n atomic.Int64 }

func (s *discardSink) Write(f *frame.Frame) error { s.n.Add(1); f.Release(); return nil }
func (s *discardSink) Close() error               { return nil }

// runLive runs a pipeline through a Live preview, serves its handler, and returns a
// channel closed when the pipeline has ended (the test's end stops it, and waits for it).
func runLive(t *testing.T, src *countSource, d time.Duration, live bool) (*Live, string, <-chan pipeline.Stats) {
	t.Helper()
	l := NewLive(50)
	hs := httptest.NewServer(l.Handler())
	done := make(chan pipeline.Stats, 1)
	ended := make(chan struct{})
	t.Cleanup(func() {
		<-ended
		l.Close() // ends the streams, which never end by themselves
		hs.Close()
	})
	stages := l.Wrap([]pipeline.Stage{{Name: "invert", Workers: 1, Filter: func() (pipeline.Filter, error) { return invert{d}, nil }}})
	go func() {
		defer close(ended)
		st, err := pipeline.Run(t.Context(), pipeline.Config{Source: src, Stages: stages, Sink: &discardSink{}, Live: live, QueueDepth: 2, OnFrame: l.Observe})
		if err != nil && t.Context().Err() == nil {
			t.Error(err)
		}
		l.Observe(st)
		done <- st
	}()
	return l, hs.URL, done
}

// TestLivePreviewStream reads pairs off the MJPEG stream: each is noisy | denoised of one
// frame, side by side, and the counters move.
func TestLivePreviewStream(t *testing.T) {
	src := &countSource{n: 120, pool: frame.NewPool(16), pace: 5 * time.Millisecond}
	_, url, done := runLive(t, src, 2*time.Millisecond, false)
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Get(url + "/stream.mjpg")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/x-mixed-replace" {
		t.Fatalf("stream Content-Type %q", resp.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	for k := range 3 {
		part, err := mr.NextPart()
		if err != nil {
			t.Fatalf("part %d: %v", k, err)
		}
		im, err := jpeg.Decode(part)
		if err != nil {
			t.Fatalf("part %d is not a JPEG: %v", k, err)
		}
		if b := im.Bounds(); b.Dx() != 64+liveGap+64 || b.Dy() != 48 {
			t.Fatalf("picture %v, want %dx48", b, 128+liveGap)
		}
		// Same frame on both sides: the denoised half is the inverse of the noisy half.
		l, r := lum(im, 20, 20), lum(im, 64+liveGap+20, 20)
		if sum := l + r; sum < 245 || sum > 265 {
			t.Errorf("part %d: left %d + right %d = %d, want about 255 (the same frame)", k, l, r, sum)
		}
	}
	<-done
	var st LiveStats
	r, err := http.Get(url + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if err := json.NewDecoder(r.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if st.FramesOut != 120 || st.FramesIn != 120 || st.Snapshots < 3 || st.LatencyMS <= 0 || st.Width != 64 || st.PixFmt != "gray" {
		t.Errorf("stats %+v", st)
	}
	snap, err := http.Get(url + "/snapshot.jpg")
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Body.Close()
	if _, err := jpeg.Decode(snap.Body); err != nil || snap.StatusCode != http.StatusOK {
		t.Errorf("snapshot: %d %v", snap.StatusCode, err)
	}
}

func lum(im image.Image, x, y int) int {
	r, _, _, _ := im.At(x, y).RGBA()
	return int(r >> 8)
}

// TestLivePreviewDrops: in live mode a slow pipeline drops frames, and the preview counts
// them as the pipeline does.
func TestLivePreviewDrops(t *testing.T) {
	src := &countSource{n: 200, pool: frame.NewPool(16)}
	l, _, done := runLive(t, src, 3*time.Millisecond, true)
	st := <-done
	ls := l.Stats()
	if st.Dropped == 0 || ls.Dropped != st.Dropped || ls.FramesOut != st.FramesOut {
		t.Errorf("pipeline dropped %d wrote %d; preview says dropped %d wrote %d", st.Dropped, st.FramesOut, ls.Dropped, ls.FramesOut)
	}
}

// TestLiveTapsDoNotAllocate: once their buffers exist, the taps copy without allocating.
func TestLiveTapsDoNotAllocate(t *testing.T) {
	l := NewLive(1e9) // no rate limit: every frame is snapshot
	in, out := inTap{l}, outTap{l}
	f := frame.New(gray8, 320, 240)
	step := func() {
		f.Index++
		g, _ := in.Process(f)
		_, _ = out.Process(g)
	}
	step()
	step()
	if n := testing.AllocsPerRun(50, step); n != 0 {
		t.Errorf("%v allocations per frame", n)
	}
	if l.Stats().Snapshots < 50 {
		t.Errorf("snapshots %d", l.Stats().Snapshots)
	}
}

// TestLivePreviewBeforeFirstFrame: no frame yet is a 503, not an empty picture.
func TestLivePreviewBeforeFirstFrame(t *testing.T) {
	hs := httptest.NewServer(NewLive(0).Handler())
	defer hs.Close()
	r := do(t, "GET", hs.URL+"/snapshot.jpg", "", nil)
	expectError(t, r, http.StatusServiceUnavailable, "no frame")
	if p := do(t, "GET", hs.URL+"/", "", nil); p.Status != http.StatusOK {
		t.Errorf("live page: %d", p.Status)
	}
}
