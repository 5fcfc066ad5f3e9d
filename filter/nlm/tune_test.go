package nlm

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/filter/internal/evalset"
	"github.com/denoise-go/denoise/frame"
)

type noisyImage struct {
	clean []uint8
	noisy *frame.Frame
}

func loadSet12(t testing.TB, nz evalset.Noise) []noisyImage {
	t.Helper()
	ims, err := evalset.LoadGrayDir(evalset.SharedDir("../../../shared") + "/datasets/set12")
	if err != nil {
		t.Skip("Set12 not available:", err)
	}
	var out []noisyImage
	for i, im := range ims {
		codes, _ := nz.Apply(im, evalset.Seed(nz, i))
		out = append(out, noisyImage{clean: im.Pix, noisy: evalset.Gray8(im.W, im.H, codes)})
	}
	return out
}

func meanPSNR(t testing.TB, set []noisyImage, run func(dst, src *frame.Plane)) float64 {
	var sum float64
	for _, im := range set {
		src := &im.noisy.Planes[0]
		dst := &frame.Plane{W: src.W, H: src.H, Stride: src.W, Pix: make([]float32, src.W*src.H)}
		run(dst, src)
		sum += evalset.PSNR8(dst, im.clean)
	}
	return sum / float64(len(set))
}

func envList(name, def string) []float64 {
	s := os.Getenv(name)
	if s == "" {
		s = def
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			panic(fmt.Sprintf("%s: %v", name, err))
		}
		out = append(out, v)
	}
	return out
}

// TestTuneGrid searches patch radius × search radius × h/σ on Set12. It runs only when
// DENOISE_TUNE is set; TUNE_SIGMA, TUNE_F, TUNE_R, TUNE_HK override the grid.
func TestTuneGrid(t *testing.T) {
	if os.Getenv("DENOISE_TUNE") == "" {
		t.Skip("set DENOISE_TUNE=1 to run the parameter search")
	}
	for _, sigma := range envList("TUNE_SIGMA", "25") {
		set := loadSet12(t, evalset.Noise{Sigma: sigma})
		d := PlaneDenoiser{Threads: 2}
		for _, f := range envList("TUNE_F", "1,2,3") {
			for _, r := range envList("TUNE_R", "7,10") {
				for _, hk := range envList("TUNE_HK", "0.35,0.4,0.45,0.5") {
					for _, sk := range envList("TUNE_SK", "1") {
						p := Params{PatchRadius: int(f), SearchRadius: int(r), H: hk * sigma, Sigma: sk * sigma}
						psnr := meanPSNR(t, set, func(dst, src *frame.Plane) { d.Denoise(dst, src, p) })
						t.Logf("σ=%g f=%d r=%d h=%.2fσ s=%.2fσ: %.3f dB", sigma, int(f), int(r), hk, sk, psnr)
					}
				}
			}
		}
	}
}
