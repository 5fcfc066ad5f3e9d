package main

import (
	"bufio"
	"fmt"
	"os/exec"
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
	cmd := exec.Command(denoiseBin(t), "-i", in, "-o", filepath.Join(dir, "a.mkv"), "--mode", "copy",
		"--metrics-addr", addr, "--metrics-linger", "30s")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var log strings.Builder
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "keeping /metrics up for a last scrape") {
			break
		}
	}
	if !strings.Contains(log.String(), "msg=done") {
		_ = cmd.Process.Kill()
		t.Fatalf("the job did not end before waiting for the scrape:\n%s", log.String())
	}
	body := scrape(t, "http://"+addr+"/metrics", `denoise_stage_frames_out_total{stage="encode"}`)
	if !strings.Contains(body, `denoise_stage_frames_out_total{stage="encode"} 10`) {
		t.Errorf("the last scrape does not hold the final count of 10 frames written:\n%s", body)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("still running 10 s after the last scrape")
	}

	r := runDenoise(t, nil, "-i", in, "-o", filepath.Join(dir, "b.mkv"), "--mode", "copy",
		"--metrics-addr", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--metrics-linger", "0")
	if r.code != 0 || strings.Contains(r.stderr, "keeping /metrics up") {
		t.Errorf("--metrics-linger 0: exit %d:\n%s", r.code, r.stderr)
	}
}
