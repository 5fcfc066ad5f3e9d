package impulse

import (
	"os"
	"testing"

	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/testenv"
	"github.com/denoise-go/denoise/quality"
)

// TestJointImpulseEval measures the RGB PSNR (all channels) of impulse+nlm with the nlm stage
// per plane and with its joint weights, on the first DENOISE_JOINT_LIMIT (20) JPEG or PNG
// pictures of DENOISE_JOINT_EVAL after the first DENOISE_JOINT_SKIP, under the noise
// DENOISE_JOINT_NOISE (awgn:10+sp:0.2, each channel's samples hit on their own, as denoise
// eval adds it; seed = the picture's index). With DENOISE_JOINT_IMPULSE_ONLY set it compares
// the impulse stage alone instead: each plane cleaned as a gray one against the RGB path.
func TestJointImpulseEval(t *testing.T) {
	spec := os.Getenv("DENOISE_JOINT_NOISE")
	if spec == "" {
		spec = "awgn:10+sp:0.2"
	}
	noise, err := quality.ParseNoise(spec)
	if err != nil {
		t.Fatal(err)
	}
	impulseOnly := os.Getenv("DENOISE_JOINT_IMPULSE_ONLY") != ""
	pics := testenv.JointEvalPictures(t)
	var sp, sj, sn float64
	for k, clean := range pics {
		noisy := frame.New(clean.Format, clean.W, clean.H)
		noisy.CopyFrom(clean)
		noise.Apply(noisy, int64(k))
		sn += quality.FramePSNR(clean, noisy)
		for _, perPlane := range []bool{true, false} {
			f, err := NewWithNLM(Options{Threads: 2}, nlm.Options{PerPlane: perPlane, Threads: 2})
			if err != nil {
				t.Fatal(err)
			}
			out := frame.New(clean.Format, clean.W, clean.H)
			out.CopyFrom(noisy)
			if impulseOnly {
				// the impulse stage alone: each plane as a gray one, or the RGB path
				if perPlane {
					c, _ := NewCleaner(Options{Threads: 2})
					for i := range 3 {
						if _, err := c.Clean(&out.Planes[i]); err != nil {
							t.Fatal(err)
						}
					}
				} else if _, err := (&Filter{c: f.c, opt: f.opt}).Process(out); err != nil {
					t.Fatal(err)
				}
			} else if _, err := f.Process(out); err != nil {
				t.Fatal(err)
			}
			if p := quality.FramePSNR(clean, out); perPlane {
				sp += p
			} else {
				sj += p
			}
		}
	}
	n := float64(len(pics))
	what := "impulse+nlm, nlm per plane %.2f dB, joint %.2f dB"
	if impulseOnly {
		what = "impulse alone, per plane %.2f dB, RGB path %.2f dB"
	}
	t.Logf("%d images, %s: noisy %.2f dB, "+what+" (%+.2f)", len(pics), noise, sn/n, sp/n, sj/n, (sj-sp)/n)
}
