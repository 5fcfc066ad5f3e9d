package pipeline

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return string(b)
}

func TestMetricsHandler(t *testing.T) {
	const n = 20
	m := NewMetrics()
	pool := newTestPool()
	_, err := Run(context.Background(), Config{
		Source: newGen(pool, n),
		Stages: []Stage{
			{Name: "nlm", Filter: jitter("j", 0, -1), Workers: 2},
			{Temporal: &delayTemporal{k: 2, failAt: -1}},
			{Temporal: &delayTemporal{k: 3, failAt: -1}},
		},
		Sink:    newSink(),
		Metrics: m,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	if got := get(t, srv.URL+"/healthz"); got != "ok" {
		t.Errorf("/healthz: %q", got)
	}
	body := get(t, srv.URL+"/metrics")
	for _, want := range []string{
		fmt.Sprintf(`denoise_stage_frames_in_total{stage="nlm"} %d`, n),
		fmt.Sprintf(`denoise_stage_frames_in_total{stage="decode"} %d`, n),
		fmt.Sprintf(`denoise_stage_frames_out_total{stage="decode"} %d`, n),
		fmt.Sprintf(`denoise_stage_frames_in_total{stage="encode"} %d`, n),
		fmt.Sprintf(`denoise_stage_frames_out_total{stage="encode"} %d`, n),
		`denoise_stage_latency_seconds_bucket{stage="delay",le=`,
		`denoise_queue_depth{queue="nlm"} 0`,
		fmt.Sprintf(`denoise_stage_frames_out_total{stage="delay-2"} %d`, n),
		`denoise_queue_depth{queue="encode"} 0`,
		"denoise_dropped_frames_total 0",
		"denoise_output_frames_per_second 0", // reset when the run ends
		"denoise_temporal_lookahead_frames 5",
		"denoise_pipeline_latency_frames 0", // nothing is in flight once Run has returned
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, "denoise_fps") {
		t.Error("/metrics still serves denoise_fps, renamed denoise_output_frames_per_second")
	}
	assertNoLeak(t, pool)
}

func TestMetricsServe(t *testing.T) {
	m := NewMetrics()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.serve(ctx, ln) }()
	if got := get(t, "http://"+ln.Addr().String()+"/healthz"); got != "ok" {
		t.Errorf("/healthz: %q", got)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop with its context")
	}
	if err := m.Serve(context.Background(), "256.0.0.1:bad"); err == nil {
		t.Error("Serve on a bad address returned nil")
	}
}
