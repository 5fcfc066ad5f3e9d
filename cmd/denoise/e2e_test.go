package main

// End-to-end tests: the real denoise binary, the real FFmpeg libraries, inputs generated
// by the ffmpeg CLI, outputs checked with ffprobe and frame checksums.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// denoiseBin builds the command once per test run.
func denoiseBin(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "denoise-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "denoise")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: run scripts/setup.sh", tool)
		}
	}
}

// ffmpeg runs the ffmpeg CLI to make a test input.
func ffmpeg(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("ffmpeg", append([]string{"-v", "error", "-y"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}

type result struct {
	code           int
	stdout, stderr string
}

func runDenoise(t *testing.T, stdin io.Reader, args ...string) result {
	t.Helper()
	cmd := exec.Command(denoiseBin(t), args...)
	var so, se bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &so, &se
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, so.String(), se.String()}
}

// frameHashes returns "pts,md5" per video frame, as FFmpeg decodes the file.
func frameHashes(t *testing.T, input string, inArgs ...string) []string {
	t.Helper()
	args := append([]string{"-v", "error"}, inArgs...)
	args = append(args, "-i", input, "-map", "0:v:0", "-f", "framemd5", "-")
	out, err := exec.Command("ffmpeg", args...).Output()
	if err != nil {
		t.Fatalf("framemd5 %s: %v", input, err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, ",")
		lines = append(lines, strings.TrimSpace(f[2])+","+strings.TrimSpace(f[5]))
	}
	return lines
}

// probe returns ffprobe's value of entries for the first stream of kind (v or a).
func probe(t *testing.T, file, kind, entries string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", kind+":0", "-count_packets",
		"-show_entries", "stream="+entries, "-of", "default=nw=1", file).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", file, err)
	}
	return strings.TrimSpace(string(out))
}

// packetHashes returns the md5 of every packet of the first audio stream (or the one named).
func packetHashes(t *testing.T, file string, stream ...string) []string {
	t.Helper()
	sel := "a:0"
	if len(stream) > 0 {
		sel = stream[0]
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", sel, "-show_data_hash", "md5",
		"-show_entries", "packet=data_hash", "-of", "csv=p=0", file).Output()
	if err != nil {
		t.Fatalf("ffprobe packets %s: %v", file, err)
	}
	return strings.Fields(string(out))
}

func equalLists(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: entry %d is %s, want %s", what, i, got[i], want[i])
		}
	}
}

// TestRoundTrip passes every offline input kind through --mode copy and checks that
// frames, sizes, bit depths, pixel formats, timestamps and audio survive.
func TestRoundTrip(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	in := func(name string) string { return filepath.Join(dir, name) }
	src := "testsrc2=size=96x64:rate=25:duration=1"
	cases := []struct {
		name      string
		make      func()
		input     string
		inArgs    []string // ffmpeg's options to read the input (raw video)
		args      []string // denoise options before -i
		output    string
		outArgs   []string
		lossless  bool   // output must decode bit-identical to the input
		pixFmt    string // expected output pixel format
		audio     bool
		subtitles bool
		colour    string // expected color_range,color_space,color_transfer,color_primaries
	}{
		{name: "mkv h264 + flac", make: func() {
			ffmpeg(t, "-f", "lavfi", "-i", src, "-f", "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-c:a", "flac", "-shortest", in("a.mkv"))
		}, input: in("a.mkv"), output: in("a_out.mkv"), pixFmt: "yuv420p", audio: true},
		{name: "colour metadata kept", make: func() {
			ffmpeg(t, "-f", "lavfi", "-i", src, "-c:v", "libx264", "-color_primaries", "bt2020", "-color_trc", "smpte2084",
				"-colorspace", "bt2020nc", "-color_range", "pc", in("hdr.mkv"))
		}, input: in("hdr.mkv"), output: in("hdr_out.mp4"), pixFmt: "yuvj420p", colour: "color_range=pc\ncolor_space=bt2020nc\ncolor_transfer=smpte2084\ncolor_primaries=bt2020"},
		{name: "mp4 h264 + aac", make: func() {
			ffmpeg(t, "-f", "lavfi", "-i", src, "-f", "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-c:a", "aac", "-shortest", in("b.mp4"))
		}, input: in("b.mp4"), output: in("b_out.mp4"), pixFmt: "yuv420p", audio: true},
		{name: "mkv with subtitles to h265", make: func() {
			srt := "1\n00:00:00,000 --> 00:00:00,500\nhello\n\n2\n00:00:00,500 --> 00:00:01,000\nworld\n"
			if err := os.WriteFile(in("s.srt"), []byte(srt), 0o644); err != nil {
				t.Fatal(err)
			}
			ffmpeg(t, "-f", "lavfi", "-i", src, "-i", in("s.srt"), "-c:v", "libx264", "-c:s", "subrip", in("s.mkv"))
		}, input: in("s.mkv"), output: in("s_out.mkv"), outArgs: []string{"-c:v", "libx265"}, pixFmt: "yuv420p", subtitles: true},
		{name: "png gray8 sequence", make: func() {
			ffmpeg(t, "-f", "lavfi", "-i", src, "-pix_fmt", "gray", in("g8_%03d.png"))
		}, input: in("g8_%03d.png"), output: in("g8o_%03d.png"), lossless: true, pixFmt: "gray"},
		{name: "png rgb24 sequence", make: func() {
			ffmpeg(t, "-f", "lavfi", "-i", src, "-pix_fmt", "rgb24", in("c8_%03d.png"))
		}, input: in("c8_%03d.png"), output: in("c8o_%03d.png"), lossless: true, pixFmt: "rgb24"},
		{name: "png gray16 sequence", make: func() {
			ffmpeg(t, "-f", "lavfi", "-i", src, "-pix_fmt", "gray16be", in("g16_%03d.png"))
		}, input: in("g16_%03d.png"), output: in("g16o_%03d.png"), lossless: true, pixFmt: "gray16be"},
		{name: "tiff rgb48 sequence", make: func() {
			ffmpeg(t, "-f", "lavfi", "-i", src, "-pix_fmt", "rgb48le", in("c16_%03d.tif"))
		}, input: in("c16_%03d.tif"), output: in("c16o_%03d.tif"), lossless: true, pixFmt: "rgb48le"},
		{name: "tiff gray16 sequence to ffv1", make: func() {
			ffmpeg(t, "-f", "lavfi", "-i", src, "-pix_fmt", "gray16le", in("t16_%03d.tif"))
		}, input: in("t16_%03d.tif"), output: in("t16.mkv"), lossless: true, pixFmt: "gray16le"},
		{name: "single png", make: func() {
			ffmpeg(t, "-f", "lavfi", "-i", src, "-frames:v", "1", "-pix_fmt", "rgb24", in("one.png"))
		}, input: in("one.png"), output: in("one_out.png"), lossless: true, pixFmt: "rgb24"},
		{name: "raw yuv420p to ffv1", make: func() {
			ffmpeg(t, "-f", "lavfi", "-i", src, "-pix_fmt", "yuv420p", "-f", "rawvideo", in("raw.yuv"))
		}, input: in("raw.yuv"), inArgs: []string{"-f", "rawvideo", "-s", "96x64", "-pix_fmt", "yuv420p", "-r", "25"},
			args: []string{"-f", "rawvideo", "-s", "96x64", "-pix_fmt", "yuv420p", "-r", "25"}, output: in("raw.mkv"), outArgs: []string{"-c:v", "ffv1"},
			lossless: true, pixFmt: "yuv420p"},
		{name: "10-bit 4:2:2 ffv1 to mkv", make: func() {
			ffmpeg(t, "-f", "lavfi", "-i", src, "-pix_fmt", "yuv422p10le", "-c:v", "ffv1", in("p10.mkv"))
		}, input: in("p10.mkv"), output: in("p10_out.mkv"), outArgs: []string{"-c:v", "ffv1"}, lossless: true, pixFmt: "yuv422p10le"},
		{name: "10-bit 4:2:0 y4m to y4m", make: func() {
			ffmpeg(t, "-f", "lavfi", "-i", src, "-pix_fmt", "yuv420p10le", "-strict", "-1", in("p10.y4m"))
		}, input: in("p10.y4m"), output: in("p10_out.y4m"), lossless: true, pixFmt: "yuv420p10le"},
		{name: "16-bit mkv keeps depth by default", make: func() {
			ffmpeg(t, "-f", "lavfi", "-i", src, "-pix_fmt", "gray16le", "-c:v", "ffv1", in("d16.mkv"))
		}, input: in("d16.mkv"), output: in("d16_out.mkv"), lossless: true, pixFmt: "gray16le"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.make()
			args := append(append([]string{}, c.args...), "-i", c.input, "-o", c.output, "--mode", "copy")
			args = append(args, c.outArgs...)
			r := runDenoise(t, nil, args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			want := frameHashes(t, c.input, c.inArgs...)
			got := frameHashes(t, c.output)
			if c.lossless {
				equalLists(t, "frames (pts,md5)", got, want)
			} else {
				if len(got) != len(want) {
					t.Fatalf("%d frames out, %d in", len(got), len(want))
				}
				for i := range got { // timestamps kept, in order
					gp, wp := strings.Split(got[i], ",")[0], strings.Split(want[i], ",")[0]
					if gp != wp {
						t.Fatalf("frame %d: pts %s, want %s", i, gp, wp)
					}
				}
			}
			first := c.output
			if strings.Contains(first, "%") {
				first = fmt.Sprintf(first, 1)
			}
			if got, want := probe(t, first, "v", "width,height,pix_fmt"), fmt.Sprintf("width=96\nheight=64\npix_fmt=%s", c.pixFmt); got != want {
				t.Errorf("video stream:\n%s\nwant\n%s", got, want)
			}
			if c.colour != "" {
				if got := probe(t, c.output, "v", "color_range,color_space,color_transfer,color_primaries"); got != c.colour {
					t.Errorf("colour metadata:\n%s\nwant\n%s", got, c.colour)
				}
			}
			if c.subtitles {
				equalLists(t, "subtitle packets (md5)", packetHashes(t, c.output, "s:0"), packetHashes(t, c.input, "s:0"))
				if codec := probe(t, c.output, "v", "codec_name"); !strings.Contains(codec, "hevc") {
					t.Errorf("video codec %s, want hevc", codec)
				}
			}
			if c.audio {
				equalLists(t, "audio packets (md5)", packetHashes(t, c.output), packetHashes(t, c.input))
			}
		})
	}
}

// TestY4MPipe reads Y4M on standard input and writes Y4M to standard output.
func TestY4MPipe(t *testing.T) {
	need(t, "ffmpeg")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.y4m")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=80x48:rate=30:duration=0.5", "-pix_fmt", "yuv420p", in)
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := runDenoise(t, f, "-i", "-", "-o", "-", "--mode", "copy")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "out.y4m")
	if err := os.WriteFile(out, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	want := frameHashes(t, in)
	if len(want) != 15 {
		t.Fatalf("test input has %d frames, want 15", len(want))
	}
	equalLists(t, "frames (pts,md5)", frameHashes(t, out), want)
}

// TestBadInput: one clear line, a non-zero exit, no panic, nothing overwritten; a truncated
// input is reported as damage.
func TestBadInput(t *testing.T) {
	need(t, "ffmpeg")
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=4", "-c:v", "libx264", p("good.mkv"))
	good, _ := os.ReadFile(p("good.mkv"))
	if err := os.WriteFile(p("trunc.mkv"), good[:len(good)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	noise := make([]byte, 4096)
	for i := range noise {
		noise[i] = byte(i*7919 + i/13)
	}
	if err := os.WriteFile(p("corrupt.mp4"), noise, 0o644); err != nil {
		t.Fatal(err)
	}
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25", "-frames:v", "0", p("empty.mkv"))
	if err := os.WriteFile(p("exists.mkv"), []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string // in the error line
	}{
		{"missing file", []string{"-i", p("nope.mp4"), "-o", p("o1.mkv")}, "no such file"},
		{"corrupt", []string{"-i", p("corrupt.mp4"), "-o", p("o2.mkv")}, "corrupt"},
		{"zero frames", []string{"-i", p("empty.mkv"), "-o", p("o4.mkv")}, "no frames"},
		{"missing output folder", []string{"-i", p("good.mkv"), "-o", p("nodir/o.mkv")}, "does not exist"},
		{"existing output", []string{"-i", p("good.mkv"), "-o", p("exists.mkv")}, "-y"},
		{"unsupported pixel format", []string{"-i", p("good.mkv"), "-o", p("o5.png"), "--pix-fmt", "nv12"}, "pixel format nv12"},
		{"unknown pixel format", []string{"-i", p("good.mkv"), "-o", p("o6.mkv"), "--pix-fmt", "bogus"}, "bogus"},
		{"unknown mode", []string{"-i", p("good.mkv"), "-o", p("o7.mkv"), "--mode", "blur"}, "mode"},
		{"bad config value", []string{"-i", p("good.mkv"), "-o", p("o8.mkv"), "--nlm-patch", "4"}, "nlm.patch"},
		{"no input", []string{"-o", p("o9.mkv")}, "no input"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runDenoise(t, nil, c.args...)
			// The error is one line; the log before it (the job, the noise level) is not
			// part of it.
			var lines []string
			for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
				if !strings.HasPrefix(l, "time=") || strings.Contains(l, "level=ERROR") || strings.Contains(l, "level=WARN") {
					lines = append(lines, l)
				}
			}
			if r.code == 0 {
				t.Fatalf("exit 0, want an error; stderr: %s", r.stderr)
			}
			if len(lines) != 1 || strings.Contains(r.stderr, "panic") || !strings.Contains(lines[0], c.want) {
				t.Fatalf("stderr is not one line mentioning %q:\n%s", c.want, r.stderr)
			}
		})
	}
	if b, _ := os.ReadFile(p("exists.mkv")); string(b) != "keep me" {
		t.Fatal("an existing output was overwritten without -y")
	}
	if r := runDenoise(t, nil, "-i", p("good.mkv"), "-o", p("exists.mkv"), "-y"); r.code != 0 {
		t.Fatalf("-y: exit %d: %s", r.code, r.stderr)
	}
	// A truncated input is not an error but damage: what it holds is written, the truncation
	// is a warning, and the run ends with the damage summary and exit 3.
	t.Run("truncated", func(t *testing.T) {
		r := runDenoise(t, nil, "-i", p("trunc.mkv"), "-o", p("o3.mkv"))
		if r.code != exitDamaged || !strings.Contains(strings.Join(damageWarnings(r.stderr), "\n"), "truncated") ||
			!strings.HasPrefix(dmgLastLine(r.stderr), "denoise: finished, but the input was damaged") || strings.Contains(r.stderr, "panic") {
			t.Fatalf("exit %d, want %d, a warning saying truncated and the damage summary last:\n%s", r.code, exitDamaged, r.stderr)
		}
	})
}

// TestInterrupt sends SIGINT to a running file job (while scraping its metrics): the job
// drains, writes the trailer, exits non-zero, and every frame it reports is in a valid file.
func TestInterrupt(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	in := filepath.Join(dir, "long.mkv")
	out := filepath.Join(dir, "part.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=60", "-c:v", "libx264", "-preset", "ultrafast", in)
	cmd := exec.Command(denoiseBin(t), "-i", in, "-o", out, "--mode", "average", "--frames", "3",
		"--encoder-option", "preset=veryslow", "--metrics-addr", "127.0.0.1:0", "--log-level", "info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var addr string
	var lines []string
	for sc.Scan() {
		l := sc.Text()
		lines = append(lines, l)
		if i := strings.Index(l, "addr="); i >= 0 && strings.Contains(l, "metrics") {
			addr = strings.Fields(l[i+5:])[0]
			break
		}
	}
	if addr == "" {
		_ = cmd.Process.Kill()
		t.Fatalf("no metrics address logged: %v", lines)
	}
	go func() {
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
	}()
	body := scrape(t, "http://"+addr+"/metrics", "denoise_stage_frames_out_total")
	for _, m := range []string{"denoise_stage_latency_seconds", "denoise_dropped_frames_total", "denoise_output_frames_per_second"} {
		if !strings.Contains(body, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	if h := scrape(t, "http://"+addr+"/healthz", "ok"); strings.TrimSpace(h) != "ok" {
		t.Errorf("/healthz = %q", h)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() == 0 {
		t.Fatalf("exit %v after SIGINT, want non-zero", err)
	}
	msg := strings.Join(lines, "\n")
	i := strings.Index(msg, "interrupted by interrupt: ")
	if i < 0 {
		t.Fatalf("no interruption report in:\n%s", msg)
	}
	reported, err := strconv.Atoi(strings.Fields(msg[i+len("interrupted by interrupt: "):])[0])
	if err != nil || reported == 0 {
		t.Fatalf("cannot read the frame count from %q", msg[i:])
	}
	check, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", out).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe on the partial output: %v %s", err, check)
	}
	if got := strings.TrimSpace(string(check)); got != strconv.Itoa(reported) {
		t.Fatalf("partial output has %q frames (or errors), the job reported %d", got, reported)
	}
	if reported >= 1500 {
		t.Fatalf("the job finished (%d frames) before the signal", reported)
	}
}

func scrape(t *testing.T, url, want string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), want) {
				return string(b)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never served %q", url, want)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestLiveNetwork streams MPEG-TS over loopback TCP into denoise, which treats a network
// input as live: every frame the sender produced is written or counted as dropped.
func TestLiveNetwork(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	out := filepath.Join(dir, "live.mkv")
	port := freePort(t)
	url := fmt.Sprintf("tcp://127.0.0.1:%d", port)
	cmd := exec.Command(denoiseBin(t), "-f", "mpegts", "-i", url+"?listen=1", "-o", out, "--mode", "average", "--frames", "3", "--log-level", "info")
	var se bytes.Buffer
	cmd.Stderr = &se
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sendWhenListening(t, cmd, "-re", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=2",
		"-c:v", "mpeg2video", "-f", "mpegts", url)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("denoise: %v\n%s", err, se.String())
	}
	log := se.String()
	m := regexp.MustCompile(`msg=done frames=(\d+) .* dropped=(\d+) `).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no live summary in:\n%s", log)
	}
	written, _ := strconv.Atoi(m[1])
	dropped, _ := strconv.Atoi(m[2])
	if written+dropped != 50 {
		t.Fatalf("written %d + dropped %d != 50 frames sent", written, dropped)
	}
	got := probe(t, out, "v", "nb_read_packets")
	if got != fmt.Sprintf("nb_read_packets=%d", written) {
		t.Fatalf("output holds %s, the job reported %d written", got, written)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// sendWhenListening runs ffmpeg with args (ending with the URL of cmd's input, a denoise
// started to listen there) until the connection is taken: denoise listens once it has
// started, and until then the sender's connection is refused. It gives up after 20 s,
// killing cmd.
func sendWhenListening(t *testing.T, cmd *exec.Cmd, args ...string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := exec.Command("ffmpeg", append([]string{"-v", "error"}, args...)...).CombinedOutput()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("sending to %s: %v\n%s", args[len(args)-1], err, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
