package evaluate

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/internal/testenv"
)

// makeClip writes a short clean clip with FFmpeg's test source: a moving, detailed picture.
func makeClip(t testing.TB, name, pixFmt string, frames int, extra ...string) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg CLI")
	}
	path := filepath.Join(t.TempDir(), name)
	args := append([]string{"-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25",
		"-frames:v", strconv.Itoa(frames), "-pix_fmt", pixFmt}, extra...)
	args = append(args, path)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return path
}

func TestSequenceModesAndCompetitors(t *testing.T) {
	clip := makeClip(t, "clip.y4m", "yuv420p", 8)
	hq, err := ParseCompetitor("ffmpeg-hqdn3d")
	if err != nil {
		t.Fatal(err)
	}
	hq.Grid[0].Values = []string{"8", "32"}
	ata, err := ParseCompetitor("ffmpeg-atadenoise")
	if err != nil {
		t.Fatal(err)
	}
	ata.Grid = []Axis{{"a", []string{"0.1"}}, {"b", []string{"1"}}, {"s", []string{"5"}}}
	rep := run(t, Options{Clip: clip, Noises: []string{"awgn:20"}, Modes: []string{"copy", "stnlm", "average"},
		Competitors: []Competitor{hq, ata}, Seed: 3})
	if len(rep.Images) != 1 || rep.Images[0].PixFmt != "yuv420p" || rep.Setup.Clean != clip {
		t.Fatalf("images %+v, setup %q", rep.Images, rep.Setup.Clean)
	}
	noisy, cp, st := find(t, rep, "awgn:20", NoisyMethod), find(t, rep, "awgn:20", "copy"), find(t, rep, "awgn:20", "stnlm")
	if noisy.Images != 8 || st.Images != 8 {
		t.Errorf("%d and %d frames scored, want 8", noisy.Images, st.Images)
	}
	if noisy.PSNR != cp.PSNR {
		t.Errorf("copy %.3f dB, noisy %.3f dB: the same frames should score the same", cp.PSNR, noisy.PSNR)
	}
	if st.PSNR < noisy.PSNR+4 || !(st.Seconds > 0) {
		t.Errorf("stnlm %.2f dB (noisy %.2f), %v s/frame", st.PSNR, noisy.PSNR, st.Seconds)
	}
	for _, name := range []string{"ffmpeg-hqdn3d", "ffmpeg-atadenoise"} {
		c := find(t, rep, "awgn:20", name)
		if c.Images != 8 || c.PSNR < noisy.PSNR || c.Kind != KindCompetitor || c.Params == "" {
			t.Errorf("%s: %+v", name, c)
		}
	}
	// The frames' noise is seeded by clip, frame and noise: the same in every run.
	again := run(t, Options{Clip: clip, Noises: []string{"awgn:20"}, Modes: []string{"copy"}, Seed: 3, Frames: 5})
	if r := find(t, again, "awgn:20", NoisyMethod); r.Images != 5 || r.PSNR == noisy.PSNR {
		t.Errorf("first 5 frames: %d frames, %.4f dB (all 8: %.4f)", r.Images, r.PSNR, noisy.PSNR)
	}
	for i := 0; i < 5; i++ {
		if again.PerImage[i].PSNR != rep.PerImage[i].PSNR || again.PerImage[i].Image != rep.PerImage[i].Image {
			t.Errorf("frame %d: %+v, then %+v", i, rep.PerImage[i], again.PerImage[i])
		}
	}

	var tb bytes.Buffer
	if err := WriteSequenceTable(&tb, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fps", "stnlm", "ffmpeg-atadenoise", "a=0.1 b=1 s=5"} {
		if !strings.Contains(tb.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tb.String())
		}
	}
	var cb bytes.Buffer
	if err := WriteCSV(&cb, rep, false); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&cb).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + 6*(8+1); len(recs) != want { // header + methods × (frames + mean)
		t.Errorf("%d CSV records, want %d", len(recs), want)
	}
	t.Logf("\n%s", tb.String())
}

// TestSequenceGray16 runs a 16-bit gray stack (as fluorescence time-lapses and MR series
// are read) through the temporal modes. (Not impulse+stnlm: on the test source's text and
// hard edges without impulses, the impulse stage's random-valued detector replaces detail.)
func TestSequenceGray16(t *testing.T) {
	clip := makeClip(t, "stack.mkv", "gray16le", 6, "-c:v", "ffv1")
	rep := run(t, Options{Clip: clip, Noises: []string{"awgn:15"}, Modes: []string{"stnlm", "average"}, Seed: 1})
	if d := rep.Images[0].BitDepth; d != 16 {
		t.Errorf("bit depth %d, want 16", d)
	}
	noisy := find(t, rep, "awgn:15", NoisyMethod)
	for _, m := range []string{"stnlm"} {
		if r := find(t, rep, "awgn:15", m); r.PSNR < noisy.PSNR+4 {
			t.Errorf("%s: %.2f dB, noisy %.2f dB", m, r.PSNR, noisy.PSNR)
		}
	}
}

// TestSequence10BitCompetitor runs a competitor on a 10-bit 4:2:0 clip: Y4M beyond 8 bits
// in, raw video out.
func TestSequence10BitCompetitor(t *testing.T) {
	clip := makeClip(t, "clip10.y4m", "yuv420p10le", 5, "-strict", "-1")
	hq, err := ParseCompetitor("ffmpeg-hqdn3d")
	if err != nil {
		t.Fatal(err)
	}
	hq.Grid[0].Values = []string{"16"}
	rep := run(t, Options{Clip: clip, Noises: []string{"awgn:20"}, Modes: []string{"stnlm"}, Competitors: []Competitor{hq}, Seed: 2})
	if d := rep.Images[0].BitDepth; d != 10 {
		t.Errorf("bit depth %d, want 10", d)
	}
	noisy := find(t, rep, "awgn:20", NoisyMethod)
	for _, m := range []string{"stnlm", "ffmpeg-hqdn3d"} {
		if r := find(t, rep, "awgn:20", m); r.Images != 5 || r.PSNR < noisy.PSNR+1 {
			t.Errorf("%s: %d frames, %.2f dB (noisy %.2f)", m, r.Images, r.PSNR, noisy.PSNR)
		}
	}
}

func TestSequenceErrors(t *testing.T) {
	clip := makeClip(t, "clip.y4m", "yuv420p", 3)
	for name, o := range map[string]Options{
		"missing clip": {Clip: filepath.Join(t.TempDir(), "nope.mkv"), Noises: []string{"awgn:5"}, Modes: []string{"copy"}},
		"keep":         {Clip: clip, Noises: []string{"awgn:5"}, Modes: []string{"copy"}, Keep: t.TempDir()},
	} {
		o.Config = defaults(t)
		if _, err := Run(context.Background(), o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestCarphoneQuality checks the quality bars on carphone (QCIF, 120 frames) at AWGN σ=20:
// stnlm with radius 2 at least 1 dB above spatial nlm, and at least 1 dB above the best of
// FFmpeg's hqdn3d, atadenoise and nlmeans, each at its best strength. The grids are cut to
// the neighbourhood of each filter's best point on this clip (from the full grids of
// `denoise eval --clip`, see the report in temporal/stnlm.go), to keep the test short.
func TestCarphoneQuality(t *testing.T) {
	clip := filepath.Join(testenv.SharedDir(), "datasets", "video", "carphone_qcif", "carphone_pristine.mp4")
	if _, err := os.Stat(clip); err != nil {
		t.Skip("carphone not found: ", err)
	}
	if testing.Short() {
		t.Skip("about a minute")
	}
	comps := []Competitor{}
	for _, c := range []struct{ name, grid string }{
		{"ffmpeg-hqdn3d", "ffmpeg-hqdn3d:s=32,48,64"},
		{"ffmpeg-atadenoise", "ffmpeg-atadenoise:a=0.2,0.3:b=0.6,1,2"},
		{"ffmpeg-nlmeans", "ffmpeg-nlmeans:s=8,10,12:p=5"},
	} {
		cc, err := ParseCompetitor(c.name)
		if err != nil {
			t.Fatal(err)
		}
		g, err := ParseGrid(c.grid)
		if err != nil {
			t.Fatal(err)
		}
		comps = append(comps, cc)
		if err := ApplyGrids(comps, []GridSpec{g}); err != nil {
			t.Fatal(err)
		}
	}
	rep := run(t, Options{Clip: clip, Noises: []string{"awgn:20"}, Modes: []string{"nlm", "stnlm"}, Competitors: comps, Seed: 1})
	var tb bytes.Buffer
	_ = WriteSequenceTable(&tb, rep)
	t.Logf("\n%s", tb.String())
	st, nl := find(t, rep, "awgn:20", "stnlm"), find(t, rep, "awgn:20", "nlm")
	if st.Images != 120 {
		t.Errorf("%d frames scored, want 120", st.Images)
	}
	if st.PSNR < nl.PSNR+1 {
		t.Errorf("stnlm %.2f dB, spatial nlm %.2f dB: want ≥ +1 dB", st.PSNR, nl.PSNR)
	}
	best, bestName := math.Inf(-1), ""
	for _, c := range comps {
		if r := find(t, rep, "awgn:20", c.Name); float64(r.PSNR) > best {
			best, bestName = float64(r.PSNR), c.Name
		}
	}
	if float64(st.PSNR) < best+1 {
		t.Errorf("stnlm %.2f dB, best FFmpeg filter %s %.2f dB: want ≥ +1 dB", st.PSNR, bestName, best)
	}
}
