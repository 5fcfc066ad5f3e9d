package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/encode"
	"github.com/denoise-go/denoise/modes"
	"github.com/denoise-go/denoise/pipeline"
)

// metricsJob is one pipeline on real FFmpeg ends, wired as runMain wires it, with metrics.
type metricsJob struct {
	cfg     pipeline.Config
	metrics *pipeline.Metrics
	srv     *httptest.Server
}

func newMetricsJob(t *testing.T, in decode.Options, out string, flags ...string) *metricsJob {
	t.Helper()
	fs := runFlags()
	if err := fs.Parse(flags); err != nil {
		t.Fatal(err)
	}
	cfg, err := configs.Load(configs.Sources{Flags: fs, FlagKeys: flagKeys})
	if err != nil {
		t.Fatal(err)
	}
	stages, err := modes.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src, err := decode.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Close)
	sink, err := encode.Open(encode.Options{Output: out, Codec: "ffv1"}, src)
	if err != nil {
		t.Fatal(err)
	}
	src.OnPacket(sink.Passthrough)
	m := pipeline.NewMetrics()
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return &metricsJob{
		cfg:     pipeline.Config{Source: src, Stages: stages, Sink: sink, Live: cfg.Pipeline.Live || src.Live(), Metrics: m},
		metrics: m,
		srv:     srv,
	}
}

// scrapeMetrics reads /metrics into a map from series (name with its labels) to value.
func (j *metricsJob) scrapeMetrics(t *testing.T) map[string]float64 {
	t.Helper()
	resp, err := http.Get(j.srv.URL + "/metrics")
	if err != nil {
		t.Error(err)
		return nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET /metrics: %s %v", resp.Status, err)
		return nil
	}
	vals := map[string]float64{}
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Errorf("unreadable sample %q", line)
			continue
		}
		vals[line[:i]] = v
	}
	return vals
}

// checkEnds checks the end stages' counters: decode read in and passed on in−dropped, encode
// received and wrote out.
func checkEnds(t *testing.T, vals map[string]float64, in, dropped, out int64) {
	t.Helper()
	for series, want := range map[string]int64{
		`denoise_stage_frames_in_total{stage="decode"}`:  in,
		`denoise_stage_frames_out_total{stage="decode"}`: in - dropped,
		`denoise_stage_frames_in_total{stage="encode"}`:  out,
		`denoise_stage_frames_out_total{stage="encode"}`: out,
		`denoise_dropped_frames_total`:                   dropped,
	} {
		if got, ok := vals[series]; !ok || got != float64(want) {
			t.Errorf("%s = %v (served: %v), want %d", series, got, ok, want)
		}
	}
}

// TestMetricsFileRun denoises a 12-frame clip and scrapes /metrics afterwards: the source and
// sink counters hold the frame count, the fps gauge goes by its unit-suffixed name, and
// nothing is in flight any more.
func TestMetricsFileRun(t *testing.T) {
	need(t, "ffmpeg")
	const n = 12
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25", "-frames:v", strconv.Itoa(n), "-c:v", "ffv1", in)
	j := newMetricsJob(t, decode.Options{Input: in}, filepath.Join(dir, "out.mkv"), "--mode", "average", "--frames", "3")
	st, err := pipeline.Run(context.Background(), j.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if st.FramesIn != n || st.FramesOut != n {
		t.Fatalf("stats %+v, want %d frames in and out", st, n)
	}
	vals := j.scrapeMetrics(t)
	checkEnds(t, vals, n, 0, n)
	for series, want := range map[string]float64{
		"denoise_output_frames_per_second":  0, // reset when the run ends
		"denoise_temporal_lookahead_frames": 1, // a centred average of 3
		"denoise_pipeline_latency_frames":   0,
	} {
		if got, ok := vals[series]; !ok || got != want {
			t.Errorf("%s = %v (served: %v), want %v", series, got, ok, want)
		}
	}
	if _, ok := vals["denoise_fps"]; ok {
		t.Error("denoise_fps is still served")
	}
}

// TestMetricsLiveRun runs a live job on an MPEG-TS stream that FFmpeg sends over loopback TCP
// at 25 fps (-re), through a causal temporal stage (lookahead 0), and scrapes /metrics while
// it runs: the frames in flight between source and sink show, and the end counters agree
// with the run's stats.
func TestMetricsLiveRun(t *testing.T) {
	need(t, "ffmpeg")
	const n = 100 // 4 s at 25 fps
	dir := t.TempDir()
	url := fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t))
	// decode.Open listens, and returns once the first frame is decoded; until it listens the
	// sender's connection is refused.
	sent := make(chan error, 1)
	stopSending := make(chan struct{})
	defer close(stopSending)
	go func() {
		deadline := time.Now().Add(20 * time.Second)
		for {
			out, err := exec.Command("ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4",
				"-c:v", "mpeg2video", "-f", "mpegts", url).CombinedOutput()
			if err == nil || time.Now().After(deadline) {
				if err != nil {
					err = fmt.Errorf("sending to %s: %v\n%s", url, err, out)
				}
				sent <- err
				return
			}
			select {
			case <-stopSending:
				sent <- nil
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	j := newMetricsJob(t, decode.Options{Format: "mpegts", Input: url + "?listen=1"},
		filepath.Join(dir, "out.mkv"), "--mode", "stnlm", "--live")
	if !j.cfg.Live {
		t.Fatal("a network source is not run live")
	}

	var (
		mu                   sync.Mutex
		maxInFlight, maxRate float64
		sawLookahead         = -1.0
		scrapes              int
	)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			vals := j.scrapeMetrics(t)
			mu.Lock()
			scrapes++
			maxInFlight = max(maxInFlight, vals["denoise_pipeline_latency_frames"])
			maxRate = max(maxRate, vals["denoise_output_frames_per_second"])
			sawLookahead = vals["denoise_temporal_lookahead_frames"]
			mu.Unlock()
		}
	})
	st, err := pipeline.Run(context.Background(), j.cfg)
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	t.Logf("stats: in %d, out %d, dropped %d in %v; %d scrapes: at most %v frames in flight, %.1f frames/s",
		st.FramesIn, st.FramesOut, st.Dropped, st.Elapsed, scrapes, maxInFlight, maxRate)
	if st.FramesIn+st.Dropped != n || st.FramesOut != st.FramesIn {
		t.Fatalf("stats %+v: want %d frames read, out = in", st, n)
	}
	if sawLookahead != 0 {
		t.Errorf("temporal lookahead %v in live mode, want 0 (causal)", sawLookahead)
	}
	// Frames spend the stage's and the encoder's time between source and sink; at 25 fps a
	// sample every 5 ms over seconds cannot miss them all.
	if maxInFlight <= 0 {
		t.Errorf("denoise_pipeline_latency_frames never rose above 0 in %d scrapes during the live run", scrapes)
	}
	if maxInFlight > float64(st.FramesIn) {
		t.Errorf("%v frames in flight, more than the %d the source sent", maxInFlight, st.FramesIn)
	}
	// Set once a second of writing has passed; a burst after a stall can exceed 25 a little.
	if maxRate <= 0 || maxRate > 60 {
		t.Errorf("output rate peaked at %.1f frames/s for a 25 fps source", maxRate)
	}
	vals := j.scrapeMetrics(t)
	checkEnds(t, vals, n, st.Dropped, st.FramesOut)
	if got := vals["denoise_pipeline_latency_frames"]; got != 0 {
		t.Errorf("%v frames in flight after the run, want 0", got)
	}
}
