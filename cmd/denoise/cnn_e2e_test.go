package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/denoise-go/denoise/filter/cnn"
)

// needORT fails under CI (scripts/setup.sh installs ONNX Runtime there) and skips elsewhere
// when no ONNX Runtime library is found.
func needORT(t *testing.T) {
	t.Helper()
	if _, ok := cnn.ResolveLibrary(""); !ok {
		if os.Getenv("CI") != "" {
			t.Fatal("no ONNX Runtime library: scripts/setup.sh installs it")
		}
		t.Skip("no ONNX Runtime library (scripts/setup.sh)")
	}
}

// TestCNNModesOnVideo runs the CNN modes with the built-in model on a video: through
// `denoise eval --clip` (seeded noise, every mode scored against the clean clip) and through
// the command itself on a noisy file with audio (every frame written, audio untouched).
func TestCNNModesOnVideo(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	needORT(t)
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=160x120:r=10:d=1.2", "-f", "lavfi", "-i", "sine=f=440:d=1.2",
		"-c:v", "ffv1", "-pix_fmt", "yuv420p", "-c:a", "flac", clean)

	jsonPath := filepath.Join(dir, "r.json")
	modes := []string{"cnn", "impulse+cnn", "nlm+cnn", "full"}
	args := []string{"eval", "--clip", clean, "--noise", "awgn:20", "--json", jsonPath, "-q"}
	for _, m := range modes {
		args = append(args, "--mode", m)
	}
	if code := realMain(args); code != exitOK {
		t.Fatalf("eval exit code %d", code)
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Results []struct {
			Method string  `json:"method"`
			PSNR   float64 `json:"psnr"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	psnr := map[string]float64{}
	for _, r := range rep.Results {
		psnr[r.Method] = r.PSNR
	}
	t.Logf("testsrc2 160×120, σ=20: %v", psnr)
	for _, m := range modes {
		if psnr[m] < psnr["noisy"]+4 {
			t.Errorf("%s: %.2f dB from noisy %.2f dB; want a gain of 4 dB", m, psnr[m], psnr["noisy"])
		}
	}

	noisy := filepath.Join(dir, "noisy.mkv")
	ffmpeg(t, "-i", clean, "-vf", "noise=alls=20:allf=t", "-c:v", "ffv1", "-c:a", "copy", noisy)
	for _, m := range []string{"full", "nlm+cnn"} {
		out := filepath.Join(dir, m+".mkv")
		r := runDenoise(t, nil, "-i", noisy, "-o", out, "--mode", m)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", m, r.code, r.stderr)
		}
		if got := probe(t, out, "v", "nb_read_packets"); got != "nb_read_packets=12" {
			t.Errorf("%s: %s, want 12 frames", m, got)
		}
		equalLists(t, m+" audio packets", packetHashes(t, out), packetHashes(t, noisy))
	}
}
