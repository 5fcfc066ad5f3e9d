package evaluate

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	goimage "image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/quality"
)

// makeSet writes two small clean images: an 8-bit gray PNG and a 16-bit gray PNG (Go's
// encoder writes image.Gray16 as 16-bit gray). Smooth shapes, so that a denoiser helps.
func makeSet(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	const w, h = 40, 32
	val := func(x, y int) float64 {
		v := 0.2 + 0.5*float64(x)/w + 0.2*math.Sin(float64(y)/5)
		if (x-20)*(x-20)+(y-16)*(y-16) < 64 {
			v = 0.9
		}
		return v
	}
	g8 := goimage.NewGray(goimage.Rect(0, 0, w, h))
	g16 := goimage.NewGray16(goimage.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			g8.SetGray(x, y, color.Gray{uint8(math.Round(val(x, y) * 255))})
			g16.SetGray16(x, y, color.Gray16{uint16(math.Round(val(h-1-y, x) * 65535))})
		}
	}
	for name, img := range map[string]goimage.Image{"a_gray8.png": g8, "b_gray16.png": g16} {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func defaults(t testing.TB) *configs.Config {
	t.Helper()
	cfg, err := configs.Load(configs.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func run(t *testing.T, o Options) *Report {
	t.Helper()
	if o.Config == nil {
		o.Config = defaults(t)
	}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func find(t *testing.T, rep *Report, noise, method string) Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.Noise == noise && r.Method == method {
			return r
		}
	}
	t.Fatalf("no row %s / %s in %+v", noise, method, rep.Results)
	return Result{}
}

func TestCopyScoresAsNoisy(t *testing.T) {
	dir := makeSet(t)
	rep := run(t, Options{Clean: dir, Noises: []string{"awgn:25", "awgn:10+sp:0.2"}, Modes: []string{"copy"}, Seed: 1})
	if len(rep.Images) != 2 {
		t.Fatalf("images %+v, want the two PNGs", rep.Images)
	}
	if d := []int{rep.Images[0].BitDepth, rep.Images[1].BitDepth}; d[0] != 8 || d[1] != 16 {
		t.Errorf("bit depths %v, want [8 16] (decode must keep them)", d)
	}
	if len(rep.Results) != 4 || len(rep.PerImage) != 8 {
		t.Fatalf("%d rows, %d per-image rows; want 4 and 8", len(rep.Results), len(rep.PerImage))
	}
	for _, n := range []string{"awgn:25", "awgn:10+sp:0.2"} {
		noisy, cp := find(t, rep, n, NoisyMethod), find(t, rep, n, "copy")
		if noisy.PSNR != cp.PSNR || noisy.SSIM != cp.SSIM {
			t.Errorf("%s: copy %v/%v differs from noisy %v/%v", n, cp.PSNR, cp.SSIM, noisy.PSNR, noisy.SSIM)
		}
		if !math.IsNaN(float64(noisy.Seconds)) || !(cp.Seconds >= 0) {
			t.Errorf("%s: seconds noisy %v copy %v", n, noisy.Seconds, cp.Seconds)
		}
	}
	// σ 25 on 8-bit codes, rounded and clipped: about 20 dB on either bit depth.
	for _, r := range rep.PerImage {
		if r.Noise == "awgn:25" && (r.PSNR < 19 || r.PSNR > 22) {
			t.Errorf("%s %s: PSNR %.2f dB, want about 20", r.Image, r.Method, r.PSNR)
		}
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	dir := makeSet(t)
	o := Options{Clean: dir, Noises: []string{"awgn:15"}, Modes: []string{"copy"}, Seed: 7}
	a, b := run(t, o), run(t, o)
	o.Seed = 8
	c := run(t, o)
	for i := range a.PerImage {
		if a.PerImage[i].PSNR != b.PerImage[i].PSNR {
			t.Errorf("%s: same seed, PSNR %v then %v", a.PerImage[i].Image, a.PerImage[i].PSNR, b.PerImage[i].PSNR)
		}
		if a.PerImage[i].PSNR == c.PerImage[i].PSNR {
			t.Errorf("%s: seeds 7 and 8 give the same PSNR %v", a.PerImage[i].Image, a.PerImage[i].PSNR)
		}
	}
	// The noise of an image does not depend on what else is evaluated beside it.
	o.Seed, o.Limit, o.Noises = 7, 1, []string{"awgn:40", "awgn:15"}
	d := run(t, o)
	if r := find(t, d, "awgn:15", NoisyMethod); r.PSNR != a.PerImage[0].PSNR {
		t.Errorf("with --limit 1 and another noise first: %v, want %v", r.PSNR, a.PerImage[0].PSNR)
	}
}

func TestOutputsParse(t *testing.T) {
	dir := makeSet(t)
	rep := run(t, Options{Clean: dir, Noises: []string{"awgn:25", "none"}, Modes: []string{"copy", "average"}, Seed: 1})

	var tb bytes.Buffer
	if err := WriteTable(&tb, rep, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PSNR dB", "awgn:25", "average", "inf"} {
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
	if want := 1 + 2*3*(2+1); len(recs) != want { // header + noises × methods × (images + mean)
		t.Fatalf("%d CSV records, want %d:\n%v", len(recs), want, recs)
	}
	if strings.Join(recs[0], ",") != strings.Join(csvHeader, ",") || recs[3][4] != "mean" {
		t.Errorf("CSV header %v, 4th row %v", recs[0], recs[3])
	}

	var jb bytes.Buffer
	if err := WriteJSON(&jb, rep); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(jb.Bytes(), &back); err != nil {
		t.Fatalf("JSON does not parse: %v\n%s", err, jb.String())
	}
	if len(back.Results) != len(rep.Results) || back.Setup.Seed != 1 || back.Setup.Host.GOMAXPROCS < 1 ||
		len(back.Setup.Noises) != 2 || back.Results[0].PSNR != rep.Results[0].PSNR {
		t.Errorf("JSON round trip lost data: %+v", back.Setup)
	}
	// PSNR of the untouched image is +Inf: null in JSON, "inf" in CSV and the table.
	if r := find(t, &back, "none", "copy"); !math.IsNaN(float64(r.PSNR)) {
		t.Errorf("noise none, copy: PSNR %v from JSON, want null (NaN)", r.PSNR)
	}

	var pb bytes.Buffer
	if err := WriteChart(&pb, rep); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&pb)
	if err != nil || img.Bounds().Dx() < 200 {
		t.Fatalf("chart: %v, %v", err, img)
	}
}

func TestCompetitorGridChoosesBest(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg CLI")
	}
	dir := makeSet(t)
	keep := t.TempDir()
	c, err := ParseCompetitor("hq=ffmpeg -v error -i {in} -vf hqdn3d={s} {out}")
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseGrid("hq:s=0.5,64")
	if err != nil {
		t.Fatal(err)
	}
	comps := []Competitor{c}
	if err := ApplyGrids(comps, []GridSpec{g}); err != nil {
		t.Fatal(err)
	}
	rep := run(t, Options{Clean: dir, Noises: []string{"awgn:25"}, Competitors: comps, Seed: 1, Keep: keep})
	row := find(t, rep, "awgn:25", "hq")
	noisy := find(t, rep, "awgn:25", NoisyMethod)
	if row.Params != "s=64" || row.Kind != KindCompetitor {
		t.Errorf("chosen %q (%s), want s=64; grid %+v", row.Params, row.Kind, rep.Grid)
	}
	if len(rep.Grid) != 2 || !rep.Grid[1].Chosen || rep.Grid[0].Chosen || rep.Grid[1].PSNR != row.PSNR {
		t.Errorf("grid %+v", rep.Grid)
	}
	if !(row.PSNR > noisy.PSNR+0.5) || !(rep.Grid[0].PSNR < row.PSNR) {
		t.Errorf("hqdn3d s=64 %.2f dB, s=0.5 %.2f dB, noisy %.2f dB", row.PSNR, rep.Grid[0].PSNR, noisy.PSNR)
	}
	if !(row.Seconds > 0) {
		t.Errorf("seconds %v", row.Seconds)
	}
	var tb bytes.Buffer
	if err := WriteTable(&tb, rep, true); err != nil || !strings.Contains(tb.String(), "s=0.5") {
		t.Errorf("--all-grid table lacks the other point (%v):\n%s", err, tb.String())
	}
	kept, _ := filepath.Glob(filepath.Join(keep, "awgn_25", "*.png"))
	want := []string{"a_gray8.hq.s_64.png", "a_gray8.noisy.png", "b_gray16.hq.s_64.png", "b_gray16.noisy.png"}
	for i := range kept {
		kept[i] = filepath.Base(kept[i])
	}
	if strings.Join(kept, " ") != strings.Join(want, " ") {
		t.Errorf("kept %v, want %v", kept, want)
	}
}

func TestCompetitorFailureIsOneLine(t *testing.T) {
	dir := makeSet(t)
	c, err := ParseCompetitor("bad=echo first line >&2; echo no such filter {in} {out} >&2; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), Options{Clean: dir, Noises: []string{"awgn:5"}, Competitors: []Competitor{c},
		Config: defaults(t)})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"competitor bad", "a_gray8.png", "exit status 3", "no such filter"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans lines: %q", msg)
	}
}

func TestParseCompetitorAndGrid(t *testing.T) {
	c, err := ParseCompetitor("ffmpeg-nlmeans")
	if err != nil || c.Command == "" || len(c.Points()) != 13 {
		t.Fatalf("built-in: %+v, %v", c, err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("built-in does not validate: %v", err)
	}
	for _, b := range Builtins() {
		if err := b.Validate(); err != nil {
			t.Errorf("built-in %s: %v", b.Name, err)
		}
	}
	g, err := ParseGrid("ffmpeg-nlmeans:s=4,8:p=3,5;r=21")
	if err != nil {
		t.Fatal(err)
	}
	comps := []Competitor{c}
	if err := ApplyGrids(comps, []GridSpec{g}); err != nil {
		t.Fatal(err)
	}
	pts := comps[0].Points()
	if len(pts) != 4 || pts[0].String() != "s=4 p=3 r=21" || pts[3].String() != "s=8 p=5 r=21" {
		t.Errorf("points %v", pts)
	}
	line := comps[0].commandLine("/tmp/a b/in.png", "/tmp/out.png", "gray", pts[1])
	if want := "ffmpeg -nostdin -v error -y -i '/tmp/a b/in.png' -vf nlmeans=s=4:p=5:r=21 -pix_fmt gray /tmp/out.png"; line != want {
		t.Errorf("command line\n%s\nwant\n%s", line, want)
	}
	// A value may hold ':' when no KEY= follows it.
	g, err = ParseGrid("x:opts=4:3:6,8:6:12")
	if err != nil || len(g.Axes) != 1 || strings.Join(g.Axes[0].Values, " ") != "4:3:6 8:6:12" {
		t.Errorf("grid with colons: %+v, %v", g, err)
	}
	bad := []string{"nokey", "x:=1", "x:s=", "x:s=1:s=2", "x:in=1"}
	for _, s := range bad {
		if _, err := ParseGrid(s); err == nil {
			t.Errorf("ParseGrid(%q): no error", s)
		}
	}
	invalid := map[string]string{
		"a=cat {in}":              "no {out}",
		"a=cp {in} {out} {s}":     "placeholder {s} has no grid",
		"a=cp {in} {out}":         "",
		"unknown-builtin":         "want NAME=COMMAND",
		"a b=cp {in} {out}":       "want NAME=COMMAND",
		"ffmpeg-bm3d":             "",
		"FFMPEG-HQDN3D":           "",
		"ffmpeg-median3+nlmeans":  "",
		"m3=ffmpeg -i {in} {out}": "",
	}
	for spec, want := range invalid {
		c, err := ParseCompetitor(spec)
		if err == nil {
			err = c.Validate()
		}
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", spec, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: error %v, want one with %q", spec, err, want)
		}
	}
	if err := ApplyGrids([]Competitor{c}, []GridSpec{{Name: "other"}}); err == nil {
		t.Error("a grid for a missing competitor was accepted")
	}
}

func TestOptionErrors(t *testing.T) {
	dir := makeSet(t)
	cfg := defaults(t)
	cases := map[string]Options{
		"noise spec":        {Clean: dir, Noises: []string{"gauss:3"}, Modes: []string{"copy"}},
		"no noise":          {Clean: dir, Modes: []string{"copy"}},
		"nothing":           {Clean: dir, Noises: []string{"awgn:5"}},
		"unknown mode":      {Clean: dir, Noises: []string{"awgn:5"}, Modes: []string{"bogus"}},
		"both sigmas":       {Clean: dir, Noises: []string{"awgn:5"}, Modes: []string{"copy"}, Sigma: 3, SigmaKnown: true},
		"empty folder":      {Clean: t.TempDir(), Noises: []string{"awgn:5"}, Modes: []string{"copy"}},
		"name clash":        {Clean: dir, Noises: []string{"awgn:5"}, Modes: []string{"copy"}, Competitors: []Competitor{{Name: "copy", Command: "cp {in} {out}"}}},
		"missing folder":    {Clean: filepath.Join(dir, "nope"), Noises: []string{"awgn:5"}, Modes: []string{"copy"}},
		"noise given twice": {Clean: dir, Noises: []string{"awgn:5", "AWGN:5"}, Modes: []string{"copy"}},
	}
	for name, o := range cases {
		o.Config = cfg
		if _, err := Run(context.Background(), o); err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", name, err)
		}
	}
}

func TestKnownSigmaAndSeed(t *testing.T) {
	n, _ := quality.ParseNoise("awgn:3+awgn:4+sp:0.1")
	if s := KnownSigma(n, 16); math.Abs(s-5) > 1e-12 {
		t.Errorf("KnownSigma %v, want 5", s)
	}
	n, _ = quality.ParseNoise("awgn:257,native")
	if s := KnownSigma(n, 16); math.Abs(s-1) > 1e-12 {
		t.Errorf("native 16-bit KnownSigma %v, want 1", s)
	}
	a, _ := quality.ParseNoise("awgn:25")
	b, _ := quality.ParseNoise("awgn:25.0")
	if NoiseSeed(1, "x.png", a) == NoiseSeed(1, "y.png", a) || NoiseSeed(1, "x.png", a) != NoiseSeed(1, "x.png", b) {
		t.Error("NoiseSeed is not a function of the image name and the noise")
	}
}
