package evaluate

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	goimage "image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/quality"
)

// rgbPlanes reads a PNG as three float64 planes of 8-bit codes.
func rgbPlanes(t *testing.T, path string) [3][]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	var p [3][]float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			p[0] = append(p[0], float64(c.R))
			p[1] = append(p[1], float64(c.G))
			p[2] = append(p[2], float64(c.B))
		}
	}
	return p
}

// psnrOf is 10·log10(255²/MSE) over all the samples of all the planes.
func psnrOf(a, b [][]float64) float64 {
	s, n := 0.0, 0
	for i := range a {
		for j := range a[i] {
			d := a[i][j] - b[i][j]
			s += d * d
			n++
		}
	}
	return 10 * math.Log10(255*255/(s/float64(n)))
}

// The colour columns of RGB pictures are PSNR over the three channels' squared errors and the
// mean SSIM of the channels, in the report, the table, the CSV and the JSON.
func TestColourColumnsRGB(t *testing.T) {
	dir := t.TempDir()
	const w, h = 24, 20
	img := goimage.NewNRGBA(goimage.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(40 + 6*x), uint8(200 - 5*y), uint8(100 + 3*(x+y)%90), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rgb.png"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	keep := t.TempDir()
	rep := run(t, Options{Clean: dir, Noises: []string{"awgn:20"}, Modes: []string{"copy"}, Seed: 5, Keep: keep})
	clean := rgbPlanes(t, filepath.Join(dir, "rgb.png"))
	noisy := rgbPlanes(t, filepath.Join(keep, slug("awgn:20"), "rgb.noisy.png"))
	want := psnrOf(clean[:], noisy[:])
	var ssim float64
	for c := range 3 {
		ssim += ssimOf(clean[c], noisy[c], w, h) / 3
	}
	r := find(t, rep, "awgn:20", NoisyMethod)
	if r.PSNRColour == nil || r.SSIMColour == nil {
		t.Fatalf("no colour figures in %+v", r)
	}
	if d := float64(*r.PSNRColour) - want; math.Abs(d) > 1e-6 {
		t.Errorf("PSNR colour %.6f, computed %.6f", float64(*r.PSNRColour), want)
	}
	if d := float64(*r.SSIMColour) - ssim; math.Abs(d) > 1e-6 {
		t.Errorf("SSIM colour %.6f, computed %.6f", float64(*r.SSIMColour), ssim)
	}

	var tb, cb, jb bytes.Buffer
	if err := WriteTable(&tb, rep, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tb.String(), "PSNR colour dB") || !strings.Contains(tb.String(), strconv.FormatFloat(want, 'f', 2, 64)) {
		t.Errorf("table without the colour PSNR %.2f:\n%s", want, tb.String())
	}
	if err := WriteCSV(&cb, rep, false); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&cb).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != strings.Join(append(csvHeader, csvColour...), ",") {
		t.Errorf("CSV header %s", got)
	}
	if p, _ := strconv.ParseFloat(recs[1][8], 64); math.Abs(p-want) > 1e-4 {
		t.Errorf("CSV colour PSNR %s, computed %.4f", recs[1][8], want)
	}
	if err := WriteJSON(&jb, rep); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(jb.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if p := back.Results[0].PSNRColour; p == nil || math.Abs(float64(*p)-want) > 1e-6 {
		t.Errorf("JSON colour PSNR %v, computed %.6f", p, want)
	}
}

// Gray pictures keep their one PSNR and SSIM: no colour figures anywhere.
func TestColourColumnsGray(t *testing.T) {
	rep := run(t, Options{Clean: makeSet(t), Noises: []string{"awgn:25"}, Modes: []string{"copy"}, Seed: 1})
	var tb, cb, jb bytes.Buffer
	_ = WriteTable(&tb, rep, false)
	_ = WriteCSV(&cb, rep, false)
	_ = WriteJSON(&jb, rep)
	if strings.Contains(tb.String(), "colour") || strings.Contains(cb.String(), "colour") || strings.Contains(jb.String(), `"psnr_colour":`) {
		t.Errorf("colour figures for gray pictures:\n%s\n%s", tb.String(), cb.String())
	}
}

// ssimOf is SSIM with scikit-image 0.19's defaults (7×7 uniform windows, sample covariance,
// reflected borders, the mean over the interior) on 8-bit codes, written out plainly.
func ssimOf(a, b []float64, w, h int) float64 {
	const r, n = 3, 49
	c1, c2 := math.Pow(0.01*255, 2), math.Pow(0.03*255, 2)
	refl := func(i, m int) int {
		for i < 0 || i >= m {
			if i < 0 {
				i = -i - 1
			}
			if i >= m {
				i = 2*m - i - 1
			}
		}
		return i
	}
	sum, cnt := 0.0, 0
	for y := r; y < h-r; y++ {
		for x := r; x < w-r; x++ {
			var ma, mb, aa, bb, ab float64
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					i := refl(y+dy, h)*w + refl(x+dx, w)
					ma += a[i]
					mb += b[i]
					aa += a[i] * a[i]
					bb += b[i] * b[i]
					ab += a[i] * b[i]
				}
			}
			ma, mb = ma/n, mb/n
			cov := float64(n) / (n - 1)
			va, vb, vab := (aa/n-ma*ma)*cov, (bb/n-mb*mb)*cov, (ab/n-ma*mb)*cov
			sum += (2*ma*mb + c1) * (2*vab + c2) / ((ma*ma + mb*mb + c1) * (va + vb + c2))
			cnt++
		}
	}
	return sum / float64(cnt)
}

// A clip's rows carry PSNR-Y (the PSNR column) and PSNR-YUV: the squared errors of Y, U
// and V over their sample counts together, checked on tiny 4:2:0 frames against loops.
func TestColourColumnsClip(t *testing.T) {
	const w, h = 14, 10
	f := frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8}
	n, err := quality.ParseNoise("awgn:20")
	if err != nil {
		t.Fatal(err)
	}
	e := &evaluation{noises: []quality.Noise{n}, scores: []map[string][]ImageResult{{}}}
	seq := &sequence{name: "tiny"}
	var out []*frame.Frame
	var wantY, wantYUV []float64
	for k := range 2 {
		c, o := frame.New(f, w, h), frame.New(f, w, h)
		c.Key = "tiny#" + strconv.Itoa(k)
		var ce, oe [3][]float64
		for i := range 3 {
			pc, po := &c.Planes[i], &o.Planes[i]
			for y := range pc.H {
				for x := range pc.W {
					cv := float64(10 + (37*x+11*y+50*i+7*k)%200)
					ov := cv + float64((x*3+y*5+i+k)%9) - 4 // a few codes off, never clipped
					pc.Row(y)[x], po.Row(y)[x] = float32(cv/255), float32(ov/255)
					ce[i], oe[i] = append(ce[i], cv), append(oe[i], ov)
				}
			}
		}
		seq.clean, out = append(seq.clean, c), append(out, o)
		wantY = append(wantY, psnrOf(ce[:1], oe[:1]))
		wantYUV = append(wantYUV, psnrOf(ce[:], oe[:]))
	}
	e.scoreFrames(0, "copy", KindMode, "", seq, out, 0.01)
	rs := e.scores[0]["copy"]
	for k, r := range rs {
		if math.Abs(float64(r.PSNR)-wantY[k]) > 1e-6 || r.PSNRColour == nil || math.Abs(float64(*r.PSNRColour)-wantYUV[k]) > 1e-6 {
			t.Errorf("frame %d: PSNR %v colour %v, computed Y %.6f YUV %.6f", k, r.PSNR, r.PSNRColour, wantY[k], wantYUV[k])
		}
	}
	m := mean("awgn:20", "copy", KindMode, "", rs)
	if mc := (wantYUV[0] + wantYUV[1]) / 2; m.PSNRColour == nil || math.Abs(float64(*m.PSNRColour)-mc) > 1e-6 {
		t.Errorf("mean colour PSNR %v, computed %.6f", m.PSNRColour, mc)
	}
	rep := &Report{Results: []Result{m}, PerImage: rs}
	var tb bytes.Buffer
	if err := WriteSequenceTable(&tb, rep); err != nil {
		t.Fatal(err)
	}
	if s := tb.String(); !strings.Contains(s, "PSNR colour dB") || !strings.Contains(s, strconv.FormatFloat(float64(*m.PSNRColour), 'f', 2, 64)) {
		t.Errorf("table:\n%s", s)
	}
}
