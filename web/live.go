package web

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
)

// Live is the live preview of a running pipeline: a tap before the first stage keeps a
// copy of an input frame, a tap after the last stage keeps the output of that same frame,
// and the pair is shown side by side (noisy | denoised) with the pipeline's fps, latency
// and drop counters. Copies go into buffers allocated once per geometry, at most MaxFPS
// times a second; a viewer that is reading the pair is never waited for (the pair is
// skipped instead), so the preview cannot slow the pipeline down beyond those copies.
type Live struct {
	interval time.Duration // least time between two snapshots
	start    time.Time

	// pending: the input frame copied by the input tap, waiting for its output.
	pendMu    sync.Mutex
	pend      *frame.Frame
	pendIndex int64 // -1: none pending
	pendAt    time.Time
	lastSnap  time.Time

	// shown: the last complete pair, read by the HTTP side.
	shownMu     sync.RWMutex
	shownIn     *frame.Frame
	shownOut    *frame.Frame
	shownIndex  int64
	shownSeq    uint64
	latency     time.Duration // of the shown pair: input tap to output tap
	latencyAvg  time.Duration // exponentially weighted, over the pairs shown
	snapshots   int64
	skippedBusy atomic.Int64 // pairs skipped because a viewer was reading

	statMu   sync.Mutex
	stats    pipeline.Stats
	fps      float64 // over the last half second or so; -1 before the first measure
	fpsAt    time.Time
	fpsFrame int64

	closed    chan struct{} // closed by Close: streams end
	closeOnce sync.Once
}

// DefaultLiveFPS is how many snapshots a second Live takes at most.
const DefaultLiveFPS = 20

// NewLive returns a preview that snapshots at most maxFPS pairs a second (≤ 0: DefaultLiveFPS).
func NewLive(maxFPS float64) *Live {
	if maxFPS <= 0 {
		maxFPS = DefaultLiveFPS
	}
	now := time.Now()
	return &Live{interval: time.Duration(float64(time.Second) / maxFPS), start: now, pendIndex: -1, shownIndex: -1,
		fps: -1, fpsAt: now, closed: make(chan struct{})}
}

// Close ends the MJPEG streams being served, so that a server can shut down.
func (l *Live) Close() { l.closeOnce.Do(func() { close(l.closed) }) }

// Wrap returns stages with the input tap inserted first and the output tap last. Each tap
// is a one-worker Filter that snapshots and forwards the frame unchanged.
func (l *Live) Wrap(stages []pipeline.Stage) []pipeline.Stage {
	out := make([]pipeline.Stage, 0, len(stages)+2)
	out = append(out, pipeline.Stage{Name: "preview-in", Workers: 1,
		Filter: func() (pipeline.Filter, error) { return inTap{l}, nil }})
	out = append(out, stages...)
	return append(out, pipeline.Stage{Name: "preview-out", Workers: 1,
		Filter: func() (pipeline.Filter, error) { return outTap{l}, nil }})
}

// Observe takes the pipeline's counters; pass it as (or call it from) pipeline.Config.OnFrame.
func (l *Live) Observe(st pipeline.Stats) {
	now := time.Now()
	l.statMu.Lock()
	l.stats.FramesIn, l.stats.FramesOut, l.stats.Dropped, l.stats.Elapsed = st.FramesIn, st.FramesOut, st.Dropped, st.Elapsed
	if d := now.Sub(l.fpsAt); d >= time.Second/2 {
		l.fps = float64(st.FramesOut-l.fpsFrame) / d.Seconds()
		l.fpsAt, l.fpsFrame = now, st.FramesOut
	}
	l.statMu.Unlock()
}

// ensure returns buf if it has geometry g, else a new frame of g.
func ensure(buf *frame.Frame, g frame.Geometry) *frame.Frame {
	if buf != nil && buf.Geometry() == g {
		return buf
	}
	return frame.New(g.Format, g.W, g.H)
}

type inTap struct{ l *Live }

func (inTap) Name() string { return "preview-in" }

func (t inTap) Process(f *frame.Frame) (*frame.Frame, error) {
	l := t.l
	now := time.Now()
	if now.Sub(l.lastSnap) < l.interval {
		return f, nil
	}
	l.pendMu.Lock()
	// A pending frame whose output never came (an error, the end) is given up after a while.
	if l.pendIndex < 0 || now.Sub(l.pendAt) > 5*time.Second {
		l.pend = ensure(l.pend, f.Geometry())
		l.pend.CopyFrom(f)
		l.pendIndex, l.pendAt, l.lastSnap = f.Index, now, now
	}
	l.pendMu.Unlock()
	return f, nil
}

type outTap struct{ l *Live }

func (outTap) Name() string { return "preview-out" }

func (t outTap) Process(f *frame.Frame) (*frame.Frame, error) {
	l := t.l
	l.pendMu.Lock()
	defer l.pendMu.Unlock()
	switch {
	case l.pendIndex < 0 || f.Index < l.pendIndex:
		return f, nil
	case f.Index > l.pendIndex: // the pending frame's output was lost
		l.pendIndex = -1
		return f, nil
	}
	l.pendIndex = -1
	if !l.shownMu.TryLock() {
		l.skippedBusy.Add(1)
		return f, nil
	}
	// The pending input becomes the shown one; the old shown buffer is reused next time.
	l.shownIn, l.pend = l.pend, l.shownIn
	l.shownOut = ensure(l.shownOut, f.Geometry())
	l.shownOut.CopyFrom(f)
	l.shownIndex = f.Index
	l.latency = time.Since(l.pendAt)
	if l.latencyAvg == 0 {
		l.latencyAvg = l.latency
	} else {
		l.latencyAvg += (l.latency - l.latencyAvg) / 8
	}
	l.shownSeq++
	l.snapshots++
	l.shownMu.Unlock()
	return f, nil
}

// LiveStats is GET /stats of the live preview.
type LiveStats struct {
	FramesIn     int64   `json:"frames_in"`
	FramesOut    int64   `json:"frames_out"`
	Dropped      int64   `json:"dropped"`
	FPS          float64 `json:"fps"`
	LatencyMS    float64 `json:"latency_ms"`
	LatencyAvgMS float64 `json:"latency_avg_ms"`
	Frame        int64   `json:"frame"` // index of the pair shown, -1 before the first
	Snapshots    int64   `json:"snapshots"`
	SkippedBusy  int64   `json:"skipped_busy"`
	Width        int     `json:"width"`
	Height       int     `json:"height"`
	PixFmt       string  `json:"pix_fmt"`
	UptimeS      float64 `json:"uptime_s"`
}

// Stats returns the counters as of now.
func (l *Live) Stats() LiveStats {
	var s LiveStats
	l.statMu.Lock()
	s.FramesIn, s.FramesOut, s.Dropped, s.FPS = l.stats.FramesIn, l.stats.FramesOut, l.stats.Dropped, l.fps
	switch since := time.Since(l.fpsAt); {
	case l.fps < 0 && since > 0: // the first half second: the average so far
		s.FPS = float64(l.stats.FramesOut) / since.Seconds()
	case since > 2*time.Second: // stalled or ended: no frames lately
		s.FPS = 0
	}
	l.statMu.Unlock()
	l.shownMu.RLock()
	s.LatencyMS = float64(l.latency) / 1e6
	s.LatencyAvgMS = float64(l.latencyAvg) / 1e6
	s.Frame, s.Snapshots, s.SkippedBusy = l.shownIndex, l.snapshots, l.skippedBusy.Load()
	if l.shownIn != nil {
		s.Width, s.Height, s.PixFmt = l.shownIn.W, l.shownIn.H, l.shownIn.Format.String()
	}
	l.shownMu.RUnlock()
	s.UptimeS = time.Since(l.start).Seconds()
	return s
}
