package main

import (
	"encoding/binary"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// ffmpegDecodes is how many video frames `ffmpeg -i in -f null -` decodes from in.
func ffmpegDecodeCount(t *testing.T, in string) int {
	t.Helper()
	out, _ := exec.Command("ffmpeg", "-v", "error", "-i", in, "-map", "0:v:0", "-f", "null", "-", "-progress", "pipe:1").Output()
	m := regexp.MustCompile(`(?m)^frame=(\d+)`).FindAllStringSubmatch(string(out), -1)
	if len(m) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(m[len(m)-1][1])
	return n
}

// framesIn is the number of video frames ffprobe decodes from a file we wrote; the file
// must be playable.
func dmgFrames(t *testing.T, file string) int {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file).Output()
	if err != nil {
		t.Fatalf("ffprobe %s (unreadable output): %v", file, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("ffprobe %s: %q", file, out)
	}
	return n
}

func damageWarnings(stderr string) []string {
	var w []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "level=WARN") && strings.Contains(l, `msg="input damaged"`) {
			w = append(w, l)
		}
	}
	return w
}

func dmgLastLine(s string) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	return ls[len(ls)-1]
}

func dmgWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// y4mParts splits a Y4M file into its header line and its frames (each with its FRAME line).
func dmgY4M(t *testing.T, path string, w, h int) (header []byte, frames [][]byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.IndexByte(string(b), '\n') + 1
	size := 6 + w*h*3/2
	for off := i; off+size <= len(b); off += size {
		frames = append(frames, b[off:off+size])
	}
	return b[:i], frames
}

func dmgJoin(header []byte, parts ...[]byte) []byte {
	out := append([]byte{}, header...)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// tiffPage is a classic little-endian TIFF of one w×h page of bits-bit grey samples, whose
// next-IFD offset is next (0: the last page).
func dmgTIFF(w, h uint32, bits uint16, next uint32) []byte {
	type tag struct {
		code, typ uint16
		val       uint32
	}
	data := make([]byte, 64)
	tags := []tag{{256, 4, w}, {257, 4, h}, {258, 3, uint32(bits)}, {259, 3, 1}, {262, 3, 1},
		{273, 4, 0}, {277, 3, 1}, {278, 4, h}, {279, 4, uint32(len(data))}}
	dataOff := uint32(8 + 2 + 12*len(tags) + 4)
	le := binary.LittleEndian
	b := []byte("II*\x00")
	b = le.AppendUint32(b, 8)
	b = le.AppendUint16(b, uint16(len(tags)))
	for _, tg := range tags {
		if tg.code == 273 {
			tg.val = dataOff
		}
		b = le.AppendUint16(b, tg.code)
		b = le.AppendUint16(b, tg.typ)
		b = le.AppendUint32(b, 1)
		if tg.typ == 3 {
			b = le.AppendUint16(b, uint16(tg.val))
			b = le.AppendUint16(b, 0)
		} else {
			b = le.AppendUint32(b, tg.val)
		}
	}
	b = le.AppendUint32(b, next)
	return append(b, data...)
}

// TestDamagedInput: damage is decoded past the way FFmpeg does, every frame FFmpeg decodes is
// written to a playable output, each damaged region is one warning, and the run exits 3 with
// a summary line; --strict stops at the first damage; a refused input says what is wrong with
// it and leaves no output file.
func TestDamagedInput(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	outDir := t.TempDir()
	rng := rand.New(rand.NewSource(7))

	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=12", "-c:v", "libx264", "-g", "25", "-movflags", "+faststart", p("fs.mp4"))
	b, _ := os.ReadFile(p("fs.mp4"))
	dmgWrite(t, p("cut.mp4"), b[:len(b)/10])

	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=30:duration=10", "-c:v", "libx264", "-g", "30", p("whole.mkv"))
	b, _ = os.ReadFile(p("whole.mkv"))
	junk := make([]byte, 4000)
	rng.Read(junk)
	copy(b[len(b)/2:], junk)
	dmgWrite(t, p("junk.mkv"), b)

	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=30:duration=10", "-c:v", "mpeg2video", "-g", "15", p("whole.ts"))
	b, _ = os.ReadFile(p("whole.ts"))
	dmgWrite(t, p("trunc.ts"), b[:len(b)*2/3+77])
	for off := len(b) / 2; off < len(b)/2+188*20; off += 188 {
		rng.Read(b[off+4 : off+188]) // payloads garbled, TS headers kept
	}
	dmgWrite(t, p("corrupt.ts"), b)

	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=4", "-pix_fmt", "yuv420p", p("whole.y4m"))
	hdr, fr := dmgY4M(t, p("whole.y4m"), 64, 48)
	bad := append([]byte("FRAMX\n"), fr[0][6:]...)
	dmgWrite(t, p("bad40.y4m"), dmgJoin(hdr, append(append(append([][]byte{}, fr[:40]...), bad), fr[41:]...)...))
	dmgWrite(t, p("two.y4m"), dmgJoin(hdr, fr[0], fr[1], bad, fr[3], fr[4]))
	dmgWrite(t, p("short.y4m"), dmgJoin(hdr, append(append([][]byte{}, fr[:10]...), fr[10][:1000])...))
	for name, h := range map[string]string{"w0": strings.Replace(string(hdr), "W64", "W0", 1),
		"h0": strings.Replace(string(hdr), "H48", "H0", 1), "w60000": strings.Replace(string(hdr), "W64", "W60000", 1)} {
		dmgWrite(t, p(name+".y4m"), dmgJoin([]byte(h), fr[:3]...))
	}

	if err := os.Mkdir(p("seq"), 0o755); err != nil {
		t.Fatal(err)
	}
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25", "-frames:v", "9", p("seq/img_%04d.png"))
	if err := os.Remove(p("seq/img_0005.png")); err != nil {
		t.Fatal(err)
	}

	dmgWrite(t, p("huge.tif"), dmgTIFF(100000, 100000, 16, 0))
	dmgWrite(t, p("loop.tif"), dmgTIFF(8, 8, 8, 8))

	damaged := []struct {
		name, in, out string
		warn          string // in a warning
		want          int    // frames to write at least (0: as many as FFmpeg decodes)
	}{
		{"faststart mp4 cut at 10%", p("cut.mp4"), "cut.mkv", "corrupt", 0},
		{"faststart mp4 cut at 10% to mp4", p("cut.mp4"), "cut.mp4", "corrupt", 0},
		{"mkv with random bytes in the middle", p("junk.mkv"), "junk.mkv", "timestamps jump", 0},
		{"TS with a corrupt region", p("corrupt.ts"), "corrupt.mkv", "corrupt video packet", 0},
		{"truncated TS", p("trunc.ts"), "trunc.mkv", "lost=", 0},
		{"Y4M with a bad marker after 40 frames", p("bad40.y4m"), "bad40.mkv", "reading stopped early", 0},
		{"Y4M with a bad marker after 40 frames to y4m", p("bad40.y4m"), "bad40.y4m", "reading stopped early", 0},
		{"Y4M with a bad marker after 40 frames to mp4", p("bad40.y4m"), "bad40.mp4", "reading stopped early", 0},
		{"two good Y4M frames then a bad marker", p("two.y4m"), "two.mkv", "reading stopped early", 0},
		{"Y4M with a short last frame", p("short.y4m"), "short.mkv", "the last frame is short", 0},
		{"image sequence with a missing file", p("seq/img_%04d.png"), "seq.mkv", "img_0005.png is missing", 0},
		{"image folder with a missing file", p("seq"), "folder.mkv", "img_0005.png is missing", 8}, // FFmpeg reads no folder
	}
	for _, c := range damaged {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(outDir, c.out)
			r := runDenoise(t, nil, "-i", c.in, "-o", out, "--mode", "copy", "--progress", "off")
			want := c.want
			if want == 0 {
				want = ffmpegDecodeCount(t, c.in)
			}
			got := dmgFrames(t, out)
			t.Logf("exit %d, %d frames written, ffmpeg decodes %d", r.code, got, want)
			if r.code != exitDamaged {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, exitDamaged, r.stderr)
			}
			if got < want || got == 0 {
				t.Errorf("%d frames written, ffmpeg decodes %d", got, want)
			}
			w := damageWarnings(r.stderr)
			if len(w) == 0 || !strings.Contains(strings.Join(w, "\n"), c.warn) {
				t.Errorf("no damage warning mentioning %q:\n%s", c.warn, r.stderr)
			}
			if l := dmgLastLine(r.stderr); !strings.HasPrefix(l, "denoise: finished, but the input was damaged") || !strings.Contains(l, strconv.Itoa(got)+" frames written") {
				t.Errorf("last line is not the damage summary: %s", l)
			}
		})
	}

	t.Run("--strict", func(t *testing.T) {
		out := filepath.Join(outDir, "strict.mkv")
		r := runDenoise(t, nil, "-i", p("junk.mkv"), "-o", out, "--mode", "copy", "--progress", "off", "--strict")
		if r.code != exitError || !strings.Contains(dmgLastLine(r.stderr), "--strict") || len(damageWarnings(r.stderr)) != 0 {
			t.Fatalf("exit %d, want %d and one line naming --strict:\n%s", r.code, exitError, r.stderr)
		}
		if got, all := dmgFrames(t, out), ffmpegDecodeCount(t, p("junk.mkv")); got == 0 || got >= all {
			t.Errorf("%d frames written, want those before the damage (of %d)", got, all)
		}
	})

	refused := []struct{ name, in, want string }{
		{"Y4M W0", p("w0.y4m"), "bad Y4M header: W0"},
		{"Y4M H0", p("h0.y4m"), "bad Y4M header: H0"},
		{"Y4M W60000", p("w60000.y4m"), "bad Y4M header: W60000"},
		{"TIFF page over the size limit", p("huge.tif"), "page of 100000x100000x1 uint16 exceeds"},
		{"TIFF whose IFD chain loops", p("loop.tif"), "IFD chain loops"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			for _, ext := range []string{"mkv", "mp4", "y4m", "png"} {
				out := filepath.Join(outDir, "refused."+ext)
				r := runDenoise(t, nil, "-i", c.in, "-o", out, "--mode", "copy", "--progress", "off")
				if l := dmgLastLine(r.stderr); r.code != exitError || !strings.Contains(l, c.want) {
					t.Fatalf("-o %s: exit %d, want %d and a line saying %q:\n%s", ext, r.code, exitError, c.want, r.stderr)
				}
				if _, err := os.Stat(out); err == nil {
					t.Errorf("no 0-byte output: -o %s left a file behind", ext)
				}
			}
		})
	}
}

// TestLateStartNotDamage: a Matroska file whose video starts late declares where it ends,
// not how long it lasts; read to its end, it is whole, not truncated.
func TestLateStartNotDamage(t *testing.T) {
	need(t, "ffmpeg")
	dir := t.TempDir()
	in := filepath.Join(dir, "late.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25", "-t", "2.4", "-c:v", "ffv1", "-output_ts_offset", "0.74", in)
	r := runDenoise(t, nil, "-i", in, "-o", filepath.Join(dir, "out.mkv"), "--mode", "copy", "--strict", "--progress", "off")
	if r.code != 0 || len(damageWarnings(r.stderr)) > 0 {
		t.Fatalf("exit %d, a whole file read as damaged:\n%s", r.code, r.stderr)
	}
	if got := dmgFrames(t, filepath.Join(dir, "out.mkv")); got != 60 {
		t.Errorf("%d frames written, want 60", got)
	}
}
