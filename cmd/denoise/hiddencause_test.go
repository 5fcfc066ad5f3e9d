package main

// Errors that used to hide their cause: odd-sized 4:2:0 pictures into H.264, folders and
// globs of images, raw video without a size. The real binary, inputs made by the ffmpeg CLI.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/configs"
)

// rgbHashes returns the md5 of every video frame of input as FFmpeg decodes it, converted
// to rgb24 so that files of different pixel formats compare.
func rgbHashes(t *testing.T, input string, inArgs ...string) []string {
	t.Helper()
	args := append([]string{"-v", "error"}, inArgs...)
	args = append(args, "-i", input, "-map", "0:v:0", "-pix_fmt", "rgb24", "-f", "framemd5", "-")
	out, err := exec.Command("ffmpeg", args...).Output()
	if err != nil {
		t.Fatalf("framemd5 %s: %v", input, err)
	}
	var sums []string
	for _, l := range strings.Split(string(out), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, ",")
		sums = append(sums, strings.TrimSpace(f[len(f)-1]))
	}
	return sums
}

// oneLine fails unless r failed with a single line of standard error holding every want.
func oneLine(t *testing.T, r result, want ...string) {
	t.Helper()
	line := strings.TrimSpace(r.stderr)
	if r.code != exitError || strings.Contains(line, "\n") || strings.Contains(line, "panic") {
		t.Fatalf("exit %d, want %d with one line; stderr:\n%s", r.code, exitError, r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(line, w) {
			t.Fatalf("the error does not say %q:\n%s", w, line)
		}
	}
}

// TestOddSizeH264: x264 cannot take 4:2:0 at an odd size. Without --pix-fmt the output is
// 4:4:4 at the same size, said in the log, and FFmpeg decodes it back; with a 4:2:0
// --pix-fmt the run fails before writing anything, saying what is odd and what to give.
func TestOddSizeH264(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc=size=321x241:rate=25:duration=0.2", "-pix_fmt", "yuv420p", p("odd.y4m"))
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc=size=320x241:rate=25", "-frames:v", "1", p("oddh.png"))
	for _, out := range []string{"out.mp4", "out.mkv"} {
		r := runDenoise(t, nil, "-i", p("odd.y4m"), "-o", p(out), "--mode", "copy")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", out, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "odd picture size") || !strings.Contains(r.stderr, "pix_fmt=yuv444p") {
			t.Errorf("%s: the log does not say which pixel format was chosen:\n%s", out, r.stderr)
		}
		if got := probe(t, p(out), "v", "codec_name,width,height,pix_fmt"); got != "codec_name=h264\nwidth=321\nheight=241\npix_fmt=yuv444p" {
			t.Errorf("%s: %q", out, got)
		}
		if n := len(rgbHashes(t, p(out))); n != 5 {
			t.Errorf("%s decodes to %d frames, want 5", out, n)
		}
	}
	for _, c := range []struct {
		in, pixFmt, want string
	}{
		{"odd.y4m", "yuv420p", "--pix-fmt yuv444p"},
		{"odd.y4m", "yuv420p10le", "--pix-fmt yuv444p10le"},
		{"oddh.png", "yuv420p", "--pix-fmt yuv422p"}, // only the height is odd: 4:2:2 keeps it
	} {
		out := p("bad_" + c.pixFmt + ".mp4")
		r := runDenoise(t, nil, "-i", p(c.in), "-o", out, "--mode", "copy", "--pix-fmt", c.pixFmt)
		oneLine(t, r, "odd", c.want, "crop or scale")
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s written by a run that failed", out)
		}
	}
	// 4:2:2 halves the width only: an odd height is fine.
	if r := runDenoise(t, nil, "-i", p("oddh.png"), "-o", p("h422.mp4"), "--mode", "copy", "--pix-fmt", "yuv422p"); r.code != 0 {
		t.Fatalf("320x241 yuv422p: exit %d: %s", r.code, r.stderr)
	}
}

// makeSequence writes n distinct PNG frames as dir/img1.png … dir/imgN.png (unpadded, so
// that byte order and name order differ past 9) and returns their rgb24 hashes in order.
func makeSequence(t *testing.T, dir string, n int) []string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "f_%03d.png")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25", "-frames:v", strconv.Itoa(n), "-start_number", "1", src)
	want := rgbHashes(t, src, "-start_number", "1")
	if len(want) != n {
		t.Fatalf("made %d frames, want %d", len(want), n)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		b, err := os.ReadFile(fmt.Sprintf(src, i))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "img"+strconv.Itoa(i)+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return want
}

// TestImageFolder: a folder of PNGs is an image sequence read in name order (img2 before
// img10), not a DICOM series; a folder of mixed files is refused with the glob to give.
func TestImageFolder(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	want := makeSequence(t, p("seq16"), 12)
	if isSciInput(&configs.Config{Input: p("seq16")}) || !isSciInput(&configs.Config{Input: sciData + "dicom/series"}) {
		t.Fatal("a folder of PNGs is taken for a DICOM series, or a DICOM series is not")
	}
	for i, in := range []string{p("seq16"), p("seq16") + "/"} {
		out := p("out" + strconv.Itoa(i) + ".mkv")
		r := runDenoise(t, nil, "-i", in, "-o", out, "--mode", "copy", "-c:v", "ffv1")
		if r.code != 0 {
			t.Fatalf("-i %s: exit %d: %s", in, r.code, r.stderr)
		}
		equalLists(t, "frames of "+out, rgbHashes(t, out), want)
	}
	if err := os.WriteFile(p("seq16/notes.txt"), []byte("taken on Monday"), 0o644); err != nil {
		t.Fatal(err)
	}
	oneLine(t, runDenoise(t, nil, "-i", p("seq16"), "-o", p("mixed.mkv")), "notes.txt", "-i '"+p("seq16/*.png")+"'")
	if err := os.Mkdir(p("empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	oneLine(t, runDenoise(t, nil, "-i", p("empty"), "-o", p("empty.mkv")), "empty")
}

// TestGlobInput: -i 'seq/*.png' reads the matching files in name order; a glob that
// matches nothing says so.
func TestGlobInput(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	want := makeSequence(t, p("seq"), 11)
	if err := os.WriteFile(p("seq/readme.txt"), []byte("not a frame"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runDenoise(t, nil, "-i", p("seq/img*.png"), "-o", p("out.mkv"), "--mode", "copy", "-c:v", "ffv1")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	equalLists(t, "frames", rgbHashes(t, p("out.mkv")), want)
	oneLine(t, runDenoise(t, nil, "-i", p("seq/*.jpg"), "-o", p("none.mkv")), "no file matches")
	// Unquoted, the shell expands it: the names after the first are left over.
	r = runDenoise(t, nil, "-i", p("seq/img1.png"), p("seq/img2.png"), p("seq/img3.png"), "-o", p("out2.mkv"))
	if line := strings.TrimSpace(r.stderr); r.code != exitUsage || strings.Contains(line, "\n") || !strings.Contains(line, "quote it") ||
		!strings.Contains(line, "-i '"+p("seq/*.png")+"'") {
		t.Errorf("shell-expanded glob: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	oneLine(t, runDenoise(t, nil, "-i", p("seq/*"), "-o", p("two.mkv")), "more than one kind")
}

// TestRawVideoNeedsSize: raw video without -s says what it needs instead of FFmpeg's
// "Invalid argument"; with -s and -pix_fmt it is read.
func TestRawVideoNeedsSize(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25", "-frames:v", "6", "-f", "rawvideo", "-pix_fmt", "gray", p("raw.bin"))
	oneLine(t, runDenoise(t, nil, "-f", "rawvideo", "-i", p("raw.bin"), "-o", p("out.mkv")), "-s WxH", "-pix_fmt", "-r", "25")
	oneLine(t, runDenoise(t, nil, "-f", "rawvideo", "-s", "64by48", "-pix_fmt", "gray", "-i", p("raw.bin"), "-o", p("out.mkv")), "-s takes WxH")
	r := runDenoise(t, nil, "-f", "rawvideo", "-s", "64x48", "-pix_fmt", "gray", "-i", p("raw.bin"), "-o", p("out.mkv"), "--mode", "copy")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if n := len(rgbHashes(t, p("out.mkv"))); n != 6 {
		t.Errorf("%d frames, want 6", n)
	}
}
