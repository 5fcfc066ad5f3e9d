package evaluate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/internal/testenv"
	"github.com/denoise-go/denoise/sci/sample"
	"github.com/denoise-go/denoise/sci/tiffstack"
)

// phantomStack writes an 8-bit multi-page TIFF: an ellipse of smooth "tissue" in a background
// of zeros, shifting a little from page to page.
func phantomStack(t testing.TB, pages int) string {
	t.Helper()
	const w, h = 72, 64
	path := filepath.Join(t.TempDir(), "phantom.tif")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw, err := tiffstack.NewWriter(f, tiffstack.WriterConfig{Width: w, Height: h, Samples: 1, DType: sample.Uint8, Pages: pages})
	if err != nil {
		t.Fatal(err)
	}
	for p := range pages {
		data := make([]byte, w*h)
		for y := range h {
			for x := range w {
				u, v := (float64(x)-w/2)/(0.36*w), (float64(y)-h/2)/(0.4*h)
				if u*u+v*v > 1 {
					continue
				}
				s := 130 + 60*math.Sin(4*u+0.2*float64(p))*math.Cos(3*v)
				data[y*w+x] = uint8(math.Round(s))
			}
		}
		if err := tw.WritePage(p, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func rowOf(t *testing.T, rep *StackReport, method string) StackRow {
	t.Helper()
	for _, r := range rep.Rows {
		if r.Method == method {
			return r
		}
	}
	t.Fatalf("no row %q", method)
	return StackRow{}
}

func TestRunStackRician(t *testing.T) {
	path := phantomStack(t, 6)
	var progress bytes.Buffer
	rep, err := RunStack(context.Background(), StackOptions{Stack: path, First: 1, Count: 4, Noises: []string{"rician:12.75"},
		Modes: []string{"nlm", "copy@rician"}, NoiseModels: []string{"gaussian", "rician"}, Seed: 1, Config: defaults(t),
		Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	var methods []string
	for _, r := range rep.Rows {
		methods = append(methods, r.Method)
	}
	if got := strings.Join(methods, ","); got != "noisy,nlm,nlm@rician,copy@rician" {
		t.Fatalf("rows %s", got)
	}
	if rep.Stack.Count != 4 || rep.Stack.Max != 190 || len(rep.Images) != 4 || rep.Images[0].Name != "phantom.tif:c0:1" {
		t.Errorf("stack %+v, images %v", rep.Stack, rep.Images)
	}
	noisy, g, r := rowOf(t, rep, "noisy"), rowOf(t, rep, "nlm"), rowOf(t, rep, "nlm@rician")
	t.Logf("noisy %.2f dB bg %.2f %%; nlm %.2f dB bg %.2f %%; nlm@rician %.2f dB bg %.2f %% (%.2f %% with edges) [%s]",
		float64(noisy.PSNR), float64(noisy.Background), float64(g.PSNR), float64(g.Background),
		float64(r.PSNR), float64(r.Background), float64(r.BackgroundAll), r.Estimated)
	// Rayleigh bias: σ·√(π/2) = 16 codes of a maximum of 190.
	if b := float64(noisy.Background); math.Abs(b-100*12.75*math.Sqrt(math.Pi/2)/190) > 0.5 {
		t.Errorf("noisy background error %.2f %%", b)
	}
	if float64(r.PSNR) < float64(g.PSNR)+0.5 || float64(r.Background) > 2 || !strings.Contains(r.Estimated, "sigma") {
		t.Errorf("nlm@rician: %+v against nlm %+v", r, g)
	}
	if c := rowOf(t, rep, "copy@rician"); c.PSNR != noisy.PSNR {
		t.Errorf("copy changed the images: %.3f against %.3f dB", float64(c.PSNR), float64(noisy.PSNR))
	}
	var tab bytes.Buffer
	if err := WriteStackTable(&tab, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tab.String(), "bg err %") || strings.Count(tab.String(), "\n") != 5 {
		t.Errorf("table:\n%s", tab.String())
	}
	b, err := json.Marshal(rep)
	if err != nil || !bytes.Contains(b, []byte(`"background_all"`)) {
		t.Errorf("json: %v", err)
	}
	if !strings.Contains(progress.String(), "nlm@rician") {
		t.Errorf("progress: %s", progress.String())
	}
}

func TestRunStackErrors(t *testing.T) {
	path := phantomStack(t, 2)
	for _, o := range []StackOptions{
		{Stack: path, Noises: []string{"awgn:5"}, Modes: []string{"nlm@lognormal"}},
		{Stack: path, Noises: []string{"awgn:5"}, Modes: []string{"median@rician"}},
		{Stack: path, Noises: []string{"awgn:5"}, Modes: []string{"nlm"}, First: 2},
		{Stack: path, Noises: []string{"awgn:5"}, Modes: []string{"nlm"}, Channels: []int{1}},
		{Stack: path + ".missing", Noises: []string{"awgn:5"}, Modes: []string{"nlm"}},
		{Stack: path, Modes: []string{"nlm"}},
	} {
		o.Config = defaults(t)
		if _, err := RunStack(context.Background(), o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

// The quality bars on the shared data (skipped when it is absent).

// TestStackFluorescenceBar: membrane_2d_timelapse with Poisson-Gaussian noise of peak SNR 5
// (peak signal over the noise standard deviation at the peak, √(α·peak + σ²)); the Anscombe
// path must beat the Gaussian path by 1 dB.
func TestStackFluorescenceBar(t *testing.T) {
	path := filepath.Join(testenv.SharedDir(), "datasets", "fluorescence", "membrane_2d_timelapse", "membrane_2d_timelapse.tif")
	if _, err := os.Stat(path); err != nil {
		t.Skip("no shared dataset: ", path)
	}
	const peak, sigma = 4095.0, 40.0
	gain := (peak*peak/25 - sigma*sigma) / peak // peak/√(gain·peak + σ²) = 5
	noise := fmt.Sprintf("pg:%.1f:%g,native", gain, sigma)
	if snr := peak / math.Sqrt(math.Round(gain*10)/10*peak+sigma*sigma); math.Abs(snr-5) > 0.01 {
		t.Fatalf("peak SNR %.3f", snr)
	}
	rep, err := RunStack(context.Background(), StackOptions{Stack: path, Noises: []string{noise}, Modes: []string{"nlm", "stnlm"},
		NoiseModels: []string{configs.NoiseGaussian, configs.NoisePoissonGaussian}, Seed: 1, Config: defaults(t)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stack.Max != int(peak) {
		t.Errorf("peak %d, want %g", rep.Stack.Max, peak)
	}
	var tab bytes.Buffer
	_ = WriteStackTable(&tab, rep)
	t.Logf("%s\n%s", noise, tab.String())
	for _, m := range []string{"nlm", "stnlm"} {
		g, a := rowOf(t, rep, m), rowOf(t, rep, m+"@poisson-gaussian")
		if float64(a.PSNR) < float64(g.PSNR)+1.0 {
			t.Errorf("%s: Anscombe path %.2f dB, Gaussian path %.2f dB: want +1.0 dB", m, float64(a.PSNR), float64(g.PSNR))
		}
	}
}

// TestStackMRIBar: the middle 20 slices of MR_Gd with Rician noise of σ = 5 % of the maximum;
// the bias-corrected path must beat the uncorrected one by 0.5 dB and leave a mean background
// error under 1 % of the maximum (the mri preset: also with the edges counted).
func TestStackMRIBar(t *testing.T) {
	path := filepath.Join(testenv.SharedDir(), "datasets", "mri", "niivue_mr_gd", "MR_Gd.nii.gz")
	if _, err := os.Stat(path); err != nil {
		t.Skip("no shared dataset: ", path)
	}
	for _, preset := range []string{"", "mri"} {
		cfg, err := configs.Load(configs.Sources{Preset: preset})
		if err != nil {
			t.Fatal(err)
		}
		mode := cfg.Mode
		if preset == "" {
			mode = "nlm"
		}
		// 144 slices; the middle 20. MR_Gd is 8-bit with a maximum of 255: σ = 12.75.
		rep, err := RunStack(context.Background(), StackOptions{Stack: path, First: 62, Count: 20,
			Noises: []string{"rician:12.75"}, Modes: []string{mode + "@gaussian", mode + "@rician"}, Seed: 1, Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Stack.Max != 255 || rep.Stack.BitDepth != 8 {
			t.Fatalf("max %d of %d bits: σ = 12.75 is no longer 5 %%", rep.Stack.Max, rep.Stack.BitDepth)
		}
		var tab bytes.Buffer
		_ = WriteStackTable(&tab, rep)
		t.Logf("preset %q\n%s", preset, tab.String())
		u, c := rowOf(t, rep, mode), rowOf(t, rep, mode+"@rician")
		if float64(c.PSNR) < float64(u.PSNR)+0.5 {
			t.Errorf("%s: corrected %.2f dB, uncorrected %.2f dB", mode, float64(c.PSNR), float64(u.PSNR))
		}
		if b := float64(c.Background); !(b < 1) {
			t.Errorf("%s: background error %.2f %% of the maximum", mode, b)
		}
		if b := float64(c.BackgroundAll); preset == "mri" && !(b < 1) {
			t.Errorf("%s: background error with the edges %.2f %% of the maximum", mode, b)
		}
	}
}
