package temporal

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/testenv"
	"github.com/denoise-go/denoise/quality"
)

// loadClip decodes a shared 4:2:0 8-bit clip through the FFmpeg CLI.
func loadClip(t testing.TB, rel string, w, h int) []*frame.Frame {
	t.Helper()
	path := filepath.Join(testenv.SharedDir(), "datasets", "video", rel)
	if _, err := os.Stat(path); err != nil {
		t.Skip("clip not found: ", err)
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg CLI")
	}
	b, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	g := yuvGeom(w, h)
	var out []*frame.Frame
	for o := 0; o+w*h*3/2 <= len(b); {
		f := newFrame(g)
		for p := range f.Planes {
			for j := range f.Planes[p].Pix {
				f.Planes[p].Pix[j] = float32(b[o]) / 255
				o++
			}
		}
		f.Index = int64(len(out))
		out = append(out, f)
	}
	return out
}

func quantise8(f *frame.Frame) {
	for p := range f.Planes {
		for j, v := range f.Planes[p].Pix {
			f.Planes[p].Pix[j] = float32(math.Round(float64(min(max(v, 0), 1))*255) / 255)
		}
	}
}

func tuneList(name, def string) []float64 {
	s := os.Getenv(name)
	if s == "" {
		s = def
	}
	var out []float64
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			panic(fmt.Sprintf("%s: %v", name, err))
		}
		out = append(out, v)
	}
	return out
}

// TestTuneSTNLM is the grid the parameter table was tuned with: the mean luma PSNR of the
// stage on carphone (or CLIP=park_joy) with AWGN of SIGMA added to the 8-bit codes, rounded
// and clipped, the output rounded to 8 bits, σ estimated. Each variable is a comma-separated
// list of values: R (window radius), CAUSAL (0/1), HS and HTS (h scales of the centre
// frame's and the neighbours' candidates), SR (centre search radius), NS (neighbour search
// side), PR and SPR (neighbour and centre patch radii), SW (centre weight); 0 keeps the
// table's value. MLEV and MSUB (one value each) set the motion search's pyramid levels and
// sub-pixel steps, MSCALE the resolution of its fields (auto, full, half). It runs only
// with DENOISE_TUNE=1:
//
//	DENOISE_TUNE=1 R=1,2 HTS=0.8,1,1.25 go test -run TuneSTNLM -v ./temporal
func TestTuneSTNLM(t *testing.T) {
	if os.Getenv("DENOISE_TUNE") == "" {
		t.Skip("set DENOISE_TUNE=1")
	}
	clean := loadClip(t, "carphone_qcif/carphone_pristine.mp4", 176, 144)
	if strings.Contains(os.Getenv("CLIP"), "park") {
		clean = loadClip(t, "park_joy_90p/park_joy_90p_8_420.y4m", 160, 90)
	}
	sigma := tuneList("SIGMA", "20")[0]
	nz, err := quality.ParseNoise(fmt.Sprintf("awgn:%g", sigma))
	if err != nil {
		t.Fatal(err)
	}
	src := make([]*frame.Frame, len(clean))
	for i, c := range clean {
		src[i] = newFrame(c.Geometry())
		src[i].CopyFrom(c)
		nz.Apply(src[i], int64(1000+i))
	}
	mean := func(out []*frame.Frame) float64 {
		var s float64
		for i := range out {
			quantise8(out[i])
			s += quality.FramePSNR(clean[i], out[i])
		}
		return s / float64(len(out))
	}
	t.Logf("%d frames, σ=%g: noisy %.2f dB, spatial nlm %.2f dB", len(src), sigma, mean(reindex(src)), mean(spatialNLM(t, src)))
	for _, r := range tuneList("R", "2") {
		for _, causal := range tuneList("CAUSAL", "0") {
			for _, hs := range tuneList("HS", "0") {
				for _, hts := range tuneList("HTS", "0") {
					for _, sr := range tuneList("SR", "0") {
						for _, ns := range tuneList("NS", "0") {
							for _, pr := range tuneList("PR", "0") {
								for _, spr := range tuneList("SPR", "0") {
									for _, sw := range tuneList("SW", "0") {
										cfg := STNLMConfig{Window: WindowConfig{Radius: int(r), Causal: causal != 0},
											HScale: hs, NeighbourHScale: hts, SearchRadius: int(sr), NeighbourSearch: int(ns),
											NeighbourPatchRadius: int(pr), PatchRadius: int(spr), SpatialWeight: sw, Threads: 2}
										cfg.Window.Motion.Levels = int(tuneList("MLEV", "0")[0])
										cfg.Window.Motion.SubPel = int(tuneList("MSUB", "0")[0])
										if cfg.Window.Motion.Scale, err = ParseMotionScale(os.Getenv("MSCALE")); err != nil {
											t.Fatal(err)
										}
										st, err := NewSTNLM(cfg)
										if err != nil {
											t.Fatal(err)
										}
										t0 := time.Now()
										out := runTemporal(t, st, src)
										el := time.Since(t0)
										t.Logf("r=%v causal=%v hs=%v hts=%v sr=%v ns=%v pr=%v spr=%v sw=%v: %.3f dB  %.1f ms/frame",
											r, causal, hs, hts, sr, ns, pr, spr, sw, mean(out), el.Seconds()*1e3/float64(len(src)))
									}
								}
							}
						}
					}
				}
			}
		}
	}
}
