package gst

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
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

// The tests below build libgstdenoise.so, a small C program that drives the element with
// GStreamer's own test harness (testdata/harness.c) and the denoise command, and run them
// with the real GStreamer, as a user's pipeline would.

var built struct {
	once                   sync.Once
	dir, harness, cli, err string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// tools returns the folder of the built plugin, the harness and the command; it skips
// where GStreamer is not installed, except in CI.
func tools(t *testing.T) (plugin, harness, cli string) {
	t.Helper()
	for _, tool := range []string{"gst-launch-1.0", "gst-inspect-1.0", "pkg-config", "gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not found: scripts/setup.sh installs GStreamer", tool)
			}
			t.Skipf("%s not found: bash scripts/setup.sh installs GStreamer", tool)
		}
	}
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "denoise-gst-")
		if err != nil {
			built.err = err.Error()
			return
		}
		built.dir = dir
		steps := [][]string{
			{"go", "build", "-buildmode=c-shared", "-o", filepath.Join(dir, "libgstdenoise.so"), "./plugin"},
			{"go", "build", "-o", filepath.Join(dir, "denoise"), "../cmd/denoise"},
		}
		for _, s := range steps {
			if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
				built.err = fmt.Sprintf("%s: %v\n%s", strings.Join(s, " "), err, out)
				return
			}
		}
		flags, err := exec.Command("pkg-config", "--cflags", "--libs", "gstreamer-check-1.0", "gstreamer-video-1.0").Output()
		if err != nil {
			built.err = "pkg-config gstreamer-check-1.0: " + err.Error()
			return
		}
		args := append([]string{"-O1", "-o", filepath.Join(dir, "harness"), "testdata/harness.c"}, strings.Fields(string(flags))...)
		if out, err := exec.Command("gcc", append(args, "-ldl")...).CombinedOutput(); err != nil {
			built.err = fmt.Sprintf("gcc harness.c: %v\n%s", err, out)
		}
		built.harness, built.cli = filepath.Join(dir, "harness"), filepath.Join(dir, "denoise")
	})
	if built.err != "" {
		t.Fatal(built.err)
	}
	return built.dir, built.harness, built.cli
}

// gst runs a GStreamer program with the plugin on its path and a registry of its own.
func gst(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	plugin, _, _ := tools(t)
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "GST_PLUGIN_PATH="+plugin, "GST_REGISTRY="+filepath.Join(plugin, "registry.bin"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestInspect(t *testing.T) {
	tools(t)
	out, err := gst(t, "gst-inspect-1.0", "denoise")
	if err != nil {
		t.Fatalf("gst-inspect-1.0 denoise: %v\n%s", err, out)
	}
	for _, want := range []string{"mode", "preset", "sigma", "strength", "radius", "causal", "model", "threads",
		"impulse-kind", "live", "frames", "dropped", "estimated-sigma", "latency", "I420_10LE", "GRAY16_LE", "BGRA"} {
		if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(want) + `\s*:|\(string\)` + regexp.QuoteMeta(want) + `\b`).MatchString(out) {
			t.Errorf("gst-inspect-1.0 denoise does not show %s:\n%s", want, out)
		}
	}
}

func TestRefusesBadSettings(t *testing.T) {
	tools(t)
	for _, c := range []struct{ prop, want string }{
		{"mode=bogus", "property mode: unknown mode"},
		{"preset=/nonexistent.yaml", "property preset"},
		{"impulse-kind=xyz", "property impulse-kind"},
		{"live=sometimes", "property live"},
	} {
		out, err := gst(t, "gst-launch-1.0", "videotestsrc", "num-buffers=3", "!", "denoise", c.prop, "!", "fakesink")
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("%s: err %v, want a failure saying %q:\n%s", c.prop, err, c.want, out)
		}
	}
}

// format is a caps family: GStreamer's name, FFmpeg's, and its planes as FFmpeg packs them.
type format struct {
	gst, ff string
	planes  []plane
	max     int // the largest code
}

// plane is one plane's row length in samples (per pixel and of the subsampled width), its
// rows, and its bytes per sample.
type plane struct {
	perPixel, shiftW, shiftH, bytes int
}

var formats = []format{
	{"GRAY8", "gray", []plane{{1, 0, 0, 1}}, 255},
	{"GRAY16_LE", "gray16le", []plane{{1, 0, 0, 2}}, 65535},
	{"I420", "yuv420p", []plane{{1, 0, 0, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}}, 255},
	{"NV12", "nv12", []plane{{1, 0, 0, 1}, {2, 1, 1, 1}}, 255},
	{"Y42B", "yuv422p", []plane{{1, 0, 0, 1}, {1, 1, 0, 1}, {1, 1, 0, 1}}, 255},
	{"Y444", "yuv444p", []plane{{1, 0, 0, 1}, {1, 0, 0, 1}, {1, 0, 0, 1}}, 255},
	{"I420_10LE", "yuv420p10le", []plane{{1, 0, 0, 2}, {1, 1, 1, 2}, {1, 1, 1, 2}}, 1023},
	{"RGB", "rgb24", []plane{{3, 0, 0, 1}}, 255},
	{"BGR", "bgr24", []plane{{3, 0, 0, 1}}, 255},
	{"RGBA", "rgba", []plane{{4, 0, 0, 1}}, 255},
	{"BGRA", "bgra", []plane{{4, 0, 0, 1}}, 255},
}

// noisyFrames writes n frames of f at w×h, tightly packed as FFmpeg's rawvideo: a smooth
// moving pattern with Gaussian noise of 8 % of the range.
func noisyFrames(t *testing.T, path string, f format, w, h, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	for k := range n {
		for _, p := range f.planes {
			pw, ph := (w+(1<<p.shiftW)-1)>>p.shiftW, (h+(1<<p.shiftH)-1)>>p.shiftH
			for y := range ph {
				for x := range pw * p.perPixel {
					v := 0.5 + 0.3*math.Sin(0.21*float64(x)+0.3*float64(k))*math.Cos(0.17*float64(y)) + 0.08*rng.NormFloat64()
					c := int(math.Round(math.Min(1, math.Max(0, v)) * float64(f.max)))
					if p.bytes == 2 {
						buf.WriteByte(byte(c))
						buf.WriteByte(byte(c >> 8))
					} else {
						buf.WriteByte(byte(c))
					}
				}
			}
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The element gives, for every caps family and an odd size, exactly the frames the denoise
// command gives on the same input, with each buffer's timestamps, duration, offsets and
// flags kept, and answers the latency query with its lookahead.
func TestMatchesCommand(t *testing.T) {
	_, harness, cli := tools(t)
	const w, h, n, fps = 161, 121, 120, 25
	for _, f := range formats {
		t.Run(f.gst, func(t *testing.T) {
			dir := t.TempDir()
			in, out, exp, times := filepath.Join(dir, "in.raw"), filepath.Join(dir, "out.raw"), filepath.Join(dir, "exp.raw"), filepath.Join(dir, "times.txt")
			noisyFrames(t, in, f, w, h, n)
			res, err := gst(t, harness, "run", f.gst, strconv.Itoa(w), strconv.Itoa(h), strconv.Itoa(fps), strconv.Itoa(n),
				in, out, times, "mode=stnlm", "radius=2", "live=false")
			if err != nil {
				t.Fatalf("harness: %v\n%s", err, res)
			}
			if want := fmt.Sprintf("latency %d\n", 2*1000000000/fps); !strings.Contains(res, want) {
				t.Errorf("latency query: %q, want %q", res, want)
			}
			cmd := exec.Command(cli, "-f", "rawvideo", "-s", fmt.Sprintf("%dx%d", w, h), "-pix_fmt", f.ff,
				"--input-option", fmt.Sprintf("framerate=%d", fps), "-i", in, "--mode", "stnlm", "--radius", "2",
				"--output-format", "rawvideo", "-c", "rawvideo", "-o", exp, "--progress", "off", "--log-level", "warn")
			if o, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("denoise: %v\n%s", err, o)
			}
			got, _ := os.ReadFile(out)
			want, _ := os.ReadFile(exp)
			if len(got) != len(want) || len(want) == 0 {
				t.Fatalf("element wrote %d bytes, the command %d", len(got), len(want))
			}
			if diff := countDiff(got, want); diff > 0 {
				t.Errorf("%d of %d bytes differ from the command's output", diff, len(want))
			}
			inb, _ := os.ReadFile(in)
			if bytes.Equal(inb, got) {
				t.Error("the output is the input: nothing was denoised")
			}
			checkTimes(t, times, n, fps)
		})
	}
}

func countDiff(a, b []byte) int {
	n := 0
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

// checkTimes reads the harness's "pts dts duration offset offset_end flags" lines: one per
// frame in order, as the harness stamped the inputs.
func checkTimes(t *testing.T, path string, n, fps int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != n {
		t.Fatalf("%d buffers out, want %d", len(lines), n)
	}
	dur := int64(1000000000 / fps)
	for i, l := range lines {
		flags := 0
		if i == 0 {
			flags |= 64 // DISCONT
		}
		if i%5 != 0 {
			flags |= 8192 // DELTA_UNIT
		}
		if i%7 == 3 {
			flags |= 512 // MARKER
		}
		want := fmt.Sprintf("%d -1 %d %d %d %d", 1000000000+int64(i)*dur, dur, i, i+1, flags)
		if l != want {
			t.Errorf("buffer %d: %q, want %q", i, l, want)
		}
	}
}

// With causal=true the element adds no latency.
func TestCausalNoLatency(t *testing.T) {
	_, harness, _ := tools(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.raw")
	noisyFrames(t, in, formats[2], 64, 48, 6)
	res, err := gst(t, harness, "run", "I420", "64", "48", "25", "6", in, filepath.Join(dir, "out.raw"),
		filepath.Join(dir, "t.txt"), "mode=stnlm", "radius=2", "causal=true", "live=false")
	if err != nil || !strings.Contains(res, "latency 0\n") {
		t.Fatalf("harness: %v, want latency 0:\n%s", err, res)
	}
	checkTimes(t, filepath.Join(dir, "t.txt"), 6, 25)
}

// A flushing seek discards the window: nothing from before it comes out after it, and the
// frames after it all do.
func TestFlushDiscardsWindow(t *testing.T) {
	_, harness, _ := tools(t)
	res, err := gst(t, harness, "flush", "I420", "96", "64", "25", "10", "mode=stnlm", "radius=2", "live=false")
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, res)
	}
	if want := fmt.Sprintf("out 10 first %d ", 1000000000+100*40000000); !strings.Contains(res, want) {
		t.Errorf("after the flush: %q, want %q", res, want)
	}
}

// New caps mid-stream (a resolution change) drain the old frames under the old caps and
// start the window again at the new size.
func TestCapsChange(t *testing.T) {
	_, harness, _ := tools(t)
	res, err := gst(t, harness, "caps", "64", "48", "96", "64", "8", "mode=stnlm", "radius=2", "live=false")
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, res)
	}
	lines := strings.Split(strings.TrimSpace(res), "\n")
	if len(lines) != 16 {
		t.Fatalf("%d buffers out, want 16:\n%s", len(lines), res)
	}
	for i, l := range lines {
		size := 64 * 48 * 3 / 2
		if i >= 8 {
			size = 96 * 64 * 3 / 2
		}
		if want := fmt.Sprintf("size %d pts %d", size, 1000000000+int64(i)*40000000); l != want {
			t.Errorf("buffer %d: %q, want %q", i, l, want)
		}
	}
}

// A gst-launch pipeline runs 120 buffers through the element.
func TestLaunch(t *testing.T) {
	tools(t)
	out, err := gst(t, "gst-launch-1.0", "-v", "videotestsrc", "num-buffers=120", "pattern=ball", "!",
		"video/x-raw,format=I420,width=160,height=120,framerate=25/1", "!", "denoise", "mode=stnlm", "radius=2", "!",
		"fakesink", "silent=false")
	if err != nil {
		t.Fatalf("gst-launch-1.0: %v\n%s", err, out)
	}
	if n := strings.Count(out, "chain   ******* (fakesink0:sink)"); n != 120 {
		t.Errorf("%d buffers reached the sink, want 120", n)
	}
}

// A live source faster than the filter: the element drops the newest frames, as the
// command's live mode does, posts a QoS message for each, and the pipeline runs to its end.
func TestLiveDrops(t *testing.T) {
	tools(t)
	const n = 200
	out, err := gst(t, "gst-launch-1.0", "-m", "-v", "videotestsrc", "is-live=true", fmt.Sprintf("num-buffers=%d", n), "pattern=snow", "!",
		"video/x-raw,format=I420,width=1280,height=720,framerate=240/1", "!", "denoise", "preset=live", "!",
		"fakesink", "silent=false", "sync=false")
	if err != nil {
		t.Fatalf("gst-launch-1.0: %v\n%s", err, out)
	}
	qos := strings.Count(out, `from element "denoise0" (qos)`)
	outs := strings.Count(out, "chain   ******* (fakesink0:sink)")
	t.Logf("%d frames in, %d out, %d QoS messages", n, outs, qos)
	if qos == 0 {
		t.Error("no frame was dropped at 240 frames/s of 1280x720")
	}
	if outs+qos != n {
		t.Errorf("%d out + %d dropped, want %d", outs, qos, n)
	}
	if outs == 0 {
		t.Error("nothing came out")
	}
}

// Frames pushed back to back into the live policy: the newest are dropped, every frame
// either comes out or is counted, and a frame's time in the element stays bounded (the
// policy holds no backlog).
func TestLiveLatencyBounded(t *testing.T) {
	_, harness, _ := tools(t)
	const n = 60
	res, err := gst(t, harness, "live", "I420", "1280", "720", strconv.Itoa(n), "preset=live", "live=true")
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, res)
	}
	var out, frames, dropped, latency int64
	if _, err := fmt.Sscanf(strings.TrimSpace(res), "out %d frames %d dropped %d latency %d", &out, &frames, &dropped, &latency); err != nil {
		t.Fatalf("harness said %q: %v", res, err)
	}
	t.Logf("%d in, %d out, %d dropped, last frame %.0f ms in the element", n, out, dropped, float64(latency)/1e6)
	if dropped == 0 || out != frames || out+dropped != n {
		t.Errorf("%d out (frames %d) and %d dropped of %d pushed back to back", out, frames, dropped, n)
	}
	if latency <= 0 || latency > int64(2*time.Second) {
		t.Errorf("the last frame spent %v in the element", time.Duration(latency))
	}
}

// Creating, running and destroying the element many times in one process leaves no
// goroutines behind and keeps the memory flat.
func TestLifecycle(t *testing.T) {
	_, harness, _ := tools(t)
	count := 1000
	if testing.Short() {
		count = 100
	}
	res, err := gst(t, harness, "lifecycle", strconv.Itoa(count), "mode=impulse+stnlm", "radius=2", "live=false")
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, res)
	}
	re := regexp.MustCompile(`run (\d+) rss (\d+) heap (\d+) goroutines (\d+)`)
	var rss, heap, gor []int
	for _, m := range re.FindAllStringSubmatch(res, -1) {
		r, _ := strconv.Atoi(m[2])
		hp, _ := strconv.Atoi(m[3])
		g, _ := strconv.Atoi(m[4])
		rss, heap, gor = append(rss, r), append(heap, hp), append(gor, g)
	}
	if len(rss) != 10 {
		t.Fatalf("harness printed %d samples, want 10:\n%s", len(rss), res)
	}
	t.Logf("RSS %d → %d KB, Go heap %d → %d bytes, goroutines %v", rss[1], rss[9], heap[1], heap[9], gor)
	if rss[9]-rss[1] > 8<<10 {
		t.Errorf("RSS grew from %d to %d KB over %d runs", rss[1], rss[9], count*8/10)
	}
	if heap[9]-heap[1] > 2<<20 {
		t.Errorf("Go heap grew from %d to %d bytes", heap[1], heap[9])
	}
	for _, g := range gor {
		if g > 4 {
			t.Errorf("%d goroutines between runs (%v): the element leaves goroutines behind", g, gor)
			break
		}
	}
}

// The Go runtime inside gst-launch leaves the host its signals: Ctrl-C (SIGINT) reaches
// gst-launch's own handler, which with -e ends the stream with EOS and exits cleanly.
func TestHostKeepsSignals(t *testing.T) {
	plugin, _, _ := tools(t)
	cmd := exec.Command("gst-launch-1.0", "-e", "videotestsrc", "is-live=true", "!",
		"video/x-raw,format=I420,width=320,height=240,framerate=25/1", "!", "denoise", "preset=live", "!", "fakesink")
	cmd.Env = append(os.Environ(), "GST_PLUGIN_PATH="+plugin, "GST_REGISTRY="+filepath.Join(plugin, "registry.bin"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		out.WriteString(lines.Text() + "\n")
		if strings.Contains(lines.Text(), "Setting pipeline to PLAYING") {
			break
		}
	}
	time.Sleep(500 * time.Millisecond) // frames flowing through the element
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for lines.Scan() {
			out.WriteString(lines.Text() + "\n")
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil || !strings.Contains(out.String(), "handling interrupt") || !strings.Contains(out.String(), "Got EOS") {
			t.Errorf("after SIGINT: %v, want gst-launch's own interrupt handling and EOS:\n%s", err, out.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("gst-launch-1.0 did not stop within 10 s of SIGINT:\n%s", out.String())
	}
}
