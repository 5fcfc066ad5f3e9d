package main

// What a first-time user runs into: the input is never overwritten, the default settings
// denoise, presets do not get in the way of explicit choices, and the command line behaves
// the way ffmpeg users expect.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestInputNeverOverwritten: -y replaces an existing output, never the input, whatever
// path reaches it.
func TestInputNeverOverwritten(t *testing.T) {
	need(t, "ffmpeg")
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=1", "-c:v", "libx264", p("noisy.mp4"))
	if err := os.Symlink(p("noisy.mp4"), p("link.mp4")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(p("noisy.mp4"), p("hard.mp4")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(p("seq"), 0o755); err != nil {
		t.Fatal(err)
	}
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-frames:v", "3", p("seq/img_%04d.png"))
	before := map[string][]byte{}
	for _, f := range []string{"noisy.mp4", "seq/img_0001.png", "seq/img_0002.png", "seq/img_0003.png"} {
		b, err := os.ReadFile(p(f))
		if err != nil {
			t.Fatal(err)
		}
		before[f] = b
	}
	for _, c := range []struct{ name, in, out string }{
		{"same name", p("noisy.mp4"), p("noisy.mp4")},
		{"other spelling", p("noisy.mp4"), dir + "/seq/../noisy.mp4"},
		{"symlink", p("noisy.mp4"), p("link.mp4")},
		{"hard link", p("noisy.mp4"), p("hard.mp4")},
		{"same pattern", p("seq/img_%04d.png"), p("seq/img_%04d.png")},
		{"one file of the pattern", p("seq/img_%04d.png"), p("seq/img_0002.png")},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runDenoise(t, nil, "-i", c.in, "-o", c.out, "-y", "--mode", "nlm")
			if r.code == 0 {
				t.Fatalf("exit 0: the input was written over")
			}
			line := strings.TrimSpace(r.stderr)
			if strings.Contains(line, "\n") || !strings.Contains(line, "is the input") {
				t.Fatalf("want one line saying the output is the input, got:\n%s", r.stderr)
			}
		})
	}
	for f, b := range before {
		if got, _ := os.ReadFile(p(f)); !bytes.Equal(got, b) {
			t.Errorf("%s changed (%d bytes, was %d)", f, len(got), len(b))
		}
	}
}

// psnrY is ffmpeg's luma PSNR of a against the reference ref.
func psnrY(t *testing.T, a, ref string) float64 {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "info", "-nostats", "-i", a, "-i", ref, "-lavfi", "[0:v]format=yuv444p[a];[1:v]format=yuv444p[b];[a][b]psnr", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("psnr %s: %v\n%s", a, err, out)
	}
	m := regexp.MustCompile(`PSNR y:([0-9.]+|inf)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no PSNR in ffmpeg's output:\n%s", out)
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestFirstRun drives the binary the way the README's first lines do, with no option
// but the input and the output, on a noisy clip and a noisy picture: the result must be
// denoised (luma PSNR against the clean source up by 3 dB or more), and the log must say
// which mode and noise level were chosen and end with a summary.
func TestFirstRun(t *testing.T) {
	need(t, "ffmpeg")
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	// Clean: a moving test pattern with detail; noisy: Gaussian-like noise of σ≈20 on luma.
	clean := "testsrc2=size=320x240:rate=25:duration=1.2,format=yuv420p"
	ffmpeg(t, "-f", "lavfi", "-i", clean, "-c:v", "ffv1", p("clean.mkv"))
	ffmpeg(t, "-i", p("clean.mkv"), "-vf", "noise=c0s=20:c0f=t:c1s=8:c2s=8:all_seed=7", "-c:v", "ffv1", p("noisy.mkv"))
	ffmpeg(t, "-i", p("clean.mkv"), "-frames:v", "1", p("clean.png"))
	ffmpeg(t, "-i", p("noisy.mkv"), "-frames:v", "1", p("noisy.png"))
	for _, c := range []struct{ name, clean, noisy, out string }{
		{"clip", p("clean.mkv"), p("noisy.mkv"), p("denoised.mkv")},
		{"picture", p("clean.png"), p("noisy.png"), p("denoised.png")},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runDenoise(t, nil, "-i", c.noisy, "-o", c.out)
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s", r.code, r.stderr)
			}
			before, after := psnrY(t, c.noisy, c.clean), psnrY(t, c.out, c.clean)
			t.Logf("%s: PSNR-Y %.2f dB noisy, %.2f dB denoised with the defaults", c.name, before, after)
			if after < before+3 {
				t.Errorf("the defaults gain %.2f dB, want at least 3", after-before)
			}
			for _, want := range []string{`mode="auto (impulse+stnlm)"`, "msg=\"noise level\"", "msg=done", "frames=", "fps=", "sigma=", "output=" + c.out} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("the log does not say %s:\n%s", want, r.stderr)
				}
			}
		})
	}
}

// frameTimes returns the presentation times (seconds) of file's video frames.
func frameTimes(t *testing.T, file string) []float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
		"-of", "csv=p=0", file).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", file, err)
	}
	var ts []float64
	for _, f := range strings.Fields(string(out)) {
		v, err := strconv.ParseFloat(strings.TrimSuffix(f, ","), 64)
		if err != nil {
			t.Fatalf("pts_time %q: %v", f, err)
		}
		ts = append(ts, v)
	}
	return ts
}

// TestLivePresetOnFile: a file is never a live source, so the live preset keeps every
// frame at a constant rate; only an explicit --live may drop.
func TestLivePresetOnFile(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.mkv"), filepath.Join(dir, "out.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=2", "-vf", "noise=c0s=20:c0f=t", "-c:v", "ffv1", in)
	r := runDenoise(t, nil, "-i", in, "-o", out, "--preset", "live")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "dropped=") || strings.Contains(r.stderr, "live=true") {
		t.Errorf("a file ran live:\n%s", r.stderr)
	}
	ts := frameTimes(t, out)
	if len(ts) != 50 {
		t.Fatalf("%d frames written, want all 50", len(ts))
	}
	for i := 1; i < len(ts); i++ {
		if d := ts[i] - ts[i-1]; d < 0.039 || d > 0.041 {
			t.Fatalf("frame %d comes %.3fs after the previous one: not constant 25 fps", i, d)
		}
	}
}

// TestPresetEncoderOptions: a preset's encoder options (written for libx264) do not stop
// an explicitly chosen encoder; the user's own options are still checked.
func TestPresetEncoderOptions(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=0.4", "-c:v", "ffv1", in)
	for _, preset := range []string{"quality", "live"} {
		out := filepath.Join(dir, preset+".mkv")
		r := runDenoise(t, nil, "--preset", preset, "-c:v", "ffv1", "-i", in, "-o", out)
		if r.code != 0 {
			t.Fatalf("--preset %s -c:v ffv1: exit %d:\n%s", preset, r.code, r.stderr)
		}
		if got := probe(t, out, "v", "codec_name"); got != "codec_name=ffv1" {
			t.Errorf("--preset %s -c:v ffv1 wrote %s", preset, got)
		}
		if !strings.Contains(r.stderr, "skipped") {
			t.Errorf("--preset %s: the skipped option is not logged:\n%s", preset, r.stderr)
		}
	}
	r := runDenoise(t, nil, "--preset", "quality", "-c:v", "ffv1", "--encoder-option", "preset=slow", "-i", in, "-o", filepath.Join(dir, "x.mkv"))
	if r.code == 0 || !strings.Contains(r.stderr, `encoder option "preset" is not known to ffv1`) {
		t.Errorf("an option the user gave that ffv1 does not know: exit %d:\n%s", r.code, r.stderr)
	}
}

// TestCommandLine: exit codes, suggestions and the ffmpeg habits.
func TestCommandLine(t *testing.T) {
	need(t, "ffmpeg")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=0.4", "-c:v", "ffv1", in)
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no input", []string{"-o", filepath.Join(dir, "a.mkv")}, exitUsage, "no input"},
		{"no output", []string{"-i", in}, exitUsage, "no output"},
		{"misspelt flag", []string{"-i", in, "-o", filepath.Join(dir, "b.mkv"), "--sigam", "5"}, exitUsage, "did you mean --sigma?"},
		{"misspelt one-dash flag", []string{"-i", in, "-o", filepath.Join(dir, "b.mkv"), "-mdoe", "nlm"}, exitUsage, "did you mean --mode?"},
		{"bad time", []string{"-i", in, "-o", filepath.Join(dir, "b.mkv"), "-ss", "1:2:3:4"}, exitUsage, "not a time"},
		{"-t and -to", []string{"-i", in, "-o", filepath.Join(dir, "b.mkv"), "-t", "1", "-to", "2"}, exitUsage, "not both"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runDenoise(t, nil, c.args...)
			line := strings.TrimSpace(r.stderr)
			if r.code != c.code || strings.Contains(line, "\n") || !strings.Contains(line, c.want) {
				t.Fatalf("exit %d (want %d), stderr (want one line with %q):\n%s", r.code, c.code, c.want, r.stderr)
			}
		})
	}
	// One dash, as ffmpeg users type long options.
	out := filepath.Join(dir, "one-dash.mkv")
	r := runDenoise(t, nil, "-i", in, "-o", out, "-mode", "nlm", "-sigma", "10", "-progress", "off")
	if r.code != 0 || !strings.Contains(r.stderr, "mode=nlm") || !strings.Contains(r.stderr, "how=given") {
		t.Errorf("-mode nlm -sigma 10: exit %d:\n%s", r.code, r.stderr)
	}
	// ffmpeg's -preset is the encoder's.
	out = filepath.Join(dir, "x264-preset.mkv")
	r = runDenoise(t, nil, "-i", in, "-o", out, "-c:v", "libx264", "-preset", "ultrafast", "--mode", "copy")
	if r.code != 0 {
		t.Errorf("-preset ultrafast: exit %d:\n%s", r.code, r.stderr)
	}
}

// TestStdoutTerminal: -o - on a terminal is refused instead of printing video.
func TestStdoutTerminal(t *testing.T) {
	need(t, "ffmpeg", "script")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=0.2", "-c:v", "ffv1", in)
	// script(1) runs the command with a pseudo-terminal as its standard output.
	cmd := exec.Command("script", "-qec", denoiseBin(t)+" -i "+in+" -o -", "/dev/null")
	outb, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != exitUsage || !strings.Contains(string(outb), "terminal") || len(outb) > 400 {
		t.Fatalf("exit %d, %d bytes on the terminal:\n%.400s", code, len(outb), outb)
	}
}

// TestTrim: -ss, -t, -to and -frames:v select a piece, as in ffmpeg, with the audio cut
// alike (to whole packets: it is copied, not re-encoded) and the piece starting at zero.
func TestTrim(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=4", "-f", "lavfi", "-i", "sine=duration=4",
		"-c:v", "libx264", "-g", "25", "-c:a", "flac", "-shortest", in)
	for _, c := range []struct {
		name   string
		args   []string
		frames int
		audio  float64 // seconds of audio expected (0: not checked)
	}{
		{"-ss -t", []string{"-ss", "1.6", "-t", "1"}, 25, 1},
		{"-ss -to", []string{"-ss", "00:01", "-to", "00:00:02.2"}, 30, 1.2},
		{"-frames:v", []string{"-frames:v", "7"}, 7, 0},
		{"-ss -frames:v", []string{"-ss", "3", "-frames:v", "10"}, 10, 0},
		{"-t in ms", []string{"-t", "400ms"}, 10, 0.4},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.NewReplacer(" ", "_", ":", "", "-", "").Replace(c.name)+".mkv")
			args := append([]string{"-i", in, "-o", out, "--mode", "copy"}, c.args...)
			r := runDenoise(t, nil, args...)
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s", r.code, r.stderr)
			}
			ts := frameTimes(t, out)
			if len(ts) != c.frames {
				t.Fatalf("%d frames, want %d", len(ts), c.frames)
			}
			if ts[0] > 0.001 {
				t.Errorf("the piece starts at %.3fs, want 0", ts[0])
			}
			if c.audio > 0 {
				d := probe(t, out, "a", "duration")
				a, _ := exec.Command("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "packet=pts_time,duration_time",
					"-of", "csv=p=0", out).Output()
				var first, end float64 = -1, 0
				for _, l := range strings.Fields(string(a)) {
					f := strings.Split(l, ",")
					pt, _ := strconv.ParseFloat(f[0], 64)
					du, _ := strconv.ParseFloat(f[1], 64)
					if first < 0 {
						first = pt
					}
					end = pt + du
				}
				// A FLAC packet holds about 0.1 s: the audio is cut at packet boundaries.
				if first < 0 || first > 0.11 || end < c.audio-0.11 || end > c.audio+0.11 {
					t.Errorf("audio from %.3fs to %.3fs (%s), want about 0 to %.1fs", first, end, d, c.audio)
				}
			}
		})
	}
}

// TestLiveDefaultMode: a network stream in the default mode runs live with the live
// preset's filtering, and every frame sent is written or counted as dropped.
func TestLiveDefaultMode(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	out := filepath.Join(dir, "live.mkv")
	url := fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t))
	cmd := exec.Command(denoiseBin(t), "-f", "mpegts", "-i", url+"?listen=1", "-o", out)
	var se bytes.Buffer
	cmd.Stderr = &se
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sendWhenListening(t, cmd, "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2",
		"-vf", "noise=c0s=20:c0f=t", "-c:v", "mpeg2video", "-q:v", "2", "-f", "mpegts", url)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("denoise: %v\n%s", err, se.String())
	}
	log := se.String()
	for _, want := range []string{"live source: the default mode runs with the live preset's filtering", `mode="auto (impulse+stnlm)"`,
		"radius=1", "causal=true", "impulse_kind=sp", "live=true"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %s:\n%s", want, log)
		}
	}
	m := regexp.MustCompile(`msg=done frames=(\d+) .* dropped=(\d+) `).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no summary in:\n%s", log)
	}
	written, _ := strconv.Atoi(m[1])
	dropped, _ := strconv.Atoi(m[2])
	if written+dropped != 50 || written == 0 {
		t.Fatalf("written %d + dropped %d, want 50 frames sent", written, dropped)
	}
}

// TestNLMLogsChannelSigmas: with --mode nlm on colour inputs the noise level line names
// every colour plane's σ, sigma_u and sigma_v for a 4:2:0 clip and sigma_r, sigma_g and
// sigma_b for an RGB picture.
func TestNLMLogsChannelSigmas(t *testing.T) {
	need(t, "ffmpeg")
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	noisy := "testsrc2=size=96x64:rate=25:duration=0.2,format=yuv420p,noise=c0s=20:c0f=t:c1s=8:c2s=8:all_seed=3"
	ffmpeg(t, "-f", "lavfi", "-i", noisy, "-c:v", "ffv1", p("noisy.mkv"))
	ffmpeg(t, "-i", p("noisy.mkv"), "-frames:v", "1", "-pix_fmt", "rgb24", p("noisy.png"))
	for _, c := range []struct {
		name, in, out string
		keys          []string
	}{
		{"yuv420", p("noisy.mkv"), p("out.mkv"), []string{"sigma=", "sigma_u=", "sigma_v="}},
		{"rgb", p("noisy.png"), p("out.png"), []string{"sigma=", "sigma_r=", "sigma_g=", "sigma_b="}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runDenoise(t, nil, "-i", c.in, "-o", c.out, "--mode", "nlm")
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s", r.code, r.stderr)
			}
			var line string
			for _, l := range strings.Split(r.stderr, "\n") {
				if strings.Contains(l, `msg="noise level"`) && strings.Contains(l, "stage=nlm ") {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no noise level line of stage nlm:\n%s", r.stderr)
			}
			for _, k := range c.keys {
				if !strings.Contains(line, " "+k) {
					t.Errorf("the noise level line lacks %s: %s", k, line)
				}
			}
		})
	}
}
