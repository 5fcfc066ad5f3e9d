package cnn

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/denoise-go/denoise/filter/internal/evalset"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/models"
)

// TestSmokeDenoises: the smoke model (5×16, trained ~2 minutes at σ=25) must clearly denoise
// Set12 at σ=25 through the whole path (ORT, tiles, residual, clamp). The bar is loose: it
// checks the plumbing, not the model; model cards hold the real scores.
func TestSmokeDenoises(t *testing.T) {
	ims, err := evalset.LoadGrayDir(filepath.Join(evalset.SharedDir("../../../shared"), "datasets", "set12"))
	if err != nil {
		t.Skip("Set12 not available:", err)
	}
	m := load(t, Options{Model: smokeModel, Tile: 200})
	f := newFilter(t, m)
	nz := evalset.Noise{Sigma: 25}
	var in, out float64
	n := 0
	for i, im := range ims[:4] {
		codes, _ := nz.Apply(im, evalset.Seed(nz, i))
		fr := evalset.Gray8(im.W, im.H, codes)
		in += evalset.PSNR8(&fr.Planes[0], im.Pix)
		if _, err := f.Process(fr); err != nil {
			t.Fatal(err)
		}
		out += evalset.PSNR8(&fr.Planes[0], im.Pix)
		n++
	}
	in, out = in/float64(n), out/float64(n)
	t.Logf("Set12[:4] σ=25: noisy %.2f dB, smoke cnn %.2f dB", in, out)
	if out < in+5 {
		t.Errorf("smoke model: %.2f dB from %.2f dB; want a gain of 5 dB", out, in)
	}
}

// BenchmarkLuma640x480 measures ms per 640×480 luma plane (yuv420p frame) for the smoke
// model, every built-in model (a guided one given a fresh guide, and source, each frame), and the ONNX files listed in $DENOISE_CNN_BENCH_MODELS
// (comma-separated), with one ORT thread (as one pipeline worker) and with $DENOISE_CNN_THREADS.
//
//	go test -run - -bench Luma -benchtime 5x ./filter/cnn/
func BenchmarkLuma640x480(b *testing.B) {
	needLibrary(b)
	names := []string{smokeModel}
	names = append(names, models.Names()...)
	if e := os.Getenv("DENOISE_CNN_BENCH_MODELS"); e != "" {
		names = append(names, strings.Split(e, ",")...)
	}
	threads := []int{1}
	if e := os.Getenv("DENOISE_CNN_THREADS"); e != "" && e != "1" {
		n, err := strconv.Atoi(e)
		if err != nil || n < 1 {
			b.Fatalf("DENOISE_CNN_THREADS=%q", e)
		}
		threads = append(threads, n)
	}
	for _, name := range names {
		for _, th := range threads {
			b.Run(strings.TrimSuffix(filepath.Base(name), ".onnx")+"/threads="+strconv.Itoa(th), func(b *testing.B) {
				m := load(b, Options{Model: name, Threads: th})
				f := newFilter(b, m)
				fr := frame.New(frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8}, 640, 480)
				testImage(&fr.Planes[0], 1, 25.0/255)
				// a guided model gets a guide each frame, as after an nlm stage, and a source
				// model a source, as after the chain's first stage (the copies are timed too)
				pool := frame.NewPool(4)
				process := func() {
					if m.Guide {
						g := pool.Like(fr)
						g.CopyFrom(fr)
						fr.SetGuide(g)
					}
					if m.Source {
						g := pool.Like(fr)
						g.CopyFrom(fr)
						fr.SetSource(g)
					}
					if _, err := f.Process(fr); err != nil {
						b.Fatal(err)
					}
				}
				process() // warm up: tensors, ORT's arena
				start := time.Now()
				for b.Loop() {
					process()
				}
				b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/frame")
			})
		}
	}
}
