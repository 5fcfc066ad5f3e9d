package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMetricsLinger: a job too short for a scrape interval keeps /metrics up after it
// ends until one more scrape, which sees the final counts; --metrics-linger 0 does not wait.
func TestMetricsLinger(t *testing.T) {
	need(t, "ffmpeg")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=0.4", "-c:v", "ffv1", in)

	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	j := startJob(t, nil, "-i", in, "-o", filepath.Join(dir, "a.mkv"), "--mode", "copy",
		"--metrics-addr", addr, "--metrics-linger", "30s")
	j.waitFor(t, "keeping /metrics up for a last scrape", time.Minute)
	if !strings.Contains(j.log(), "msg=done") {
		t.Fatalf("the job did not end before waiting for the scrape:\n%s", j.log())
	}
	body := scrape(t, "http://"+addr+"/metrics", `denoise_stage_frames_out_total{stage="encode"}`)
	if !strings.Contains(body, `denoise_stage_frames_out_total{stage="encode"} 10`) {
		t.Errorf("the last scrape does not hold the final count of 10 frames written:\n%s", body)
	}
	if code := j.exit(t, time.Now(), 10*time.Second); code != 0 {
		t.Fatalf("exit %d after the last scrape:\n%s", code, j.log())
	}

	r := runDenoise(t, nil, "-i", in, "-o", filepath.Join(dir, "b.mkv"), "--mode", "copy",
		"--metrics-addr", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--metrics-linger", "0")
	if r.code != 0 || strings.Contains(r.stderr, "keeping /metrics up") {
		t.Errorf("--metrics-linger 0: exit %d:\n%s", r.code, r.stderr)
	}
}
