package nlm

import (
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/testenv"
	"github.com/denoise-go/denoise/quality"
)

// TestJointEval measures RGB PSNR (all channels) of per-plane and joint NLM on the first
// DENOISE_JOINT_LIMIT (20) JPEG or PNG pictures of DENOISE_JOINT_EVAL (a folder of colour
// pictures), in name order after the first DENOISE_JOINT_SKIP, under AWGN σ=25 (or
// DENOISE_JOINT_SIGMA) added to the 8-bit codes (rounded, clipped). With DENOISE_JOINT_YUV set
// the pictures are taken to full-range YCbCr 4:4:4 (BT.601, as JPEG) before the noise is
// added, and the PSNR is over Y, Cb and Cr.
func TestJointEval(t *testing.T) {
	hs, _ := strconv.ParseFloat(os.Getenv("DENOISE_JOINT_HSCALE"), 64)
	sigma, _ := strconv.ParseFloat(os.Getenv("DENOISE_JOINT_SIGMA"), 64)
	if sigma == 0 {
		sigma = 25
	}
	pr, _ := strconv.Atoi(os.Getenv("DENOISE_JOINT_F"))
	sr, _ := strconv.Atoi(os.Getenv("DENOISE_JOINT_R"))
	yuv := os.Getenv("DENOISE_JOINT_YUV") != ""
	pics := testenv.JointEvalPictures(t)
	var sp, sj, sn float64
	for k, pic := range pics {
		w, h := pic.W, pic.H
		layout := frame.RGB
		if yuv {
			layout = frame.YUV
		}
		clean := frame.New(frame.Format{Layout: layout, BitDepth: 8}, w, h)
		noisy := frame.New(clean.Format, w, h)
		rng := rand.New(rand.NewPCG(1, uint64(k)))
		for y := range h {
			for x := range w {
				var px [3]uint32
				for c := range px {
					px[c] = uint32(math.Round(float64(pic.Planes[c].Row(y)[x]) * 255))
				}
				if yuv {
					yy, cb, cr := color.RGBToYCbCr(uint8(px[0]), uint8(px[1]), uint8(px[2]))
					px = [3]uint32{uint32(yy), uint32(cb), uint32(cr)}
				}
				for c, v := range px {
					clean.Planes[c].Row(y)[x] = float32(v) / 255
					n := math.Round(float64(v) + sigma*rng.NormFloat64())
					noisy.Planes[c].Row(y)[x] = float32(min(max(n, 0), 255)) / 255
				}
			}
		}
		sn += quality.FramePSNR(clean, noisy)
		for _, perPlane := range []bool{true, false} {
			f, err := New(Options{PerPlane: perPlane, HScale: hs, PatchRadius: pr, SearchRadius: sr})
			if err != nil {
				t.Fatal(err)
			}
			out := frame.New(clean.Format, w, h)
			out.CopyFrom(noisy)
			if _, err := f.Process(out); err != nil {
				t.Fatal(err)
			}
			p := quality.FramePSNR(clean, out)
			if perPlane {
				sp += p
			} else {
				sj += p
			}
		}
	}
	n := float64(len(pics))
	t.Logf("%d images: noisy %.2f dB, per-plane %.2f dB, joint %.2f dB (%+.2f)", len(pics), sn/n, sp/n, sj/n, (sj-sp)/n)
}
