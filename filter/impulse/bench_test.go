package impulse

import (
	"fmt"
	"testing"

	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/testenv"
)

// BenchmarkFilters runs the modes over a 1280×720 gray frame with σ=10 and impulses.
func BenchmarkFilters(b *testing.B) {
	for _, c := range []struct {
		name   string
		sp, rv float64
	}{{"sp20", 0.2, 0}, {"rv10", 0, 0.1}} {
		p, _, _ := synthetic(1280, 720, 8, 10, c.sp, c.rv, 1)
		for _, threads := range []int{1, 2} {
			for _, withNLM := range []bool{false, true} {
				f, _ := New(Options{Threads: threads})
				if withNLM {
					f, _ = NewWithNLM(Options{Threads: threads}, nlm.Options{})
				}
				fr := frame.New(frame.Format{Layout: frame.Gray, BitDepth: 8}, 1280, 720)
				b.Run(fmt.Sprintf("%s/%s/threads%d", label(f), c.name, threads), func(b *testing.B) {
					for b.Loop() {
						fr.Planes[0].CopyFrom(p)
						if _, err := f.Process(fr); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
				})
			}
		}
	}
}

// BenchmarkLive runs the impulse stage as the live preset does (salt and pepper only, σ
// estimated, one thread per frame) over a 1280×720 gray frame with σ=20 Gaussian noise, without
// impulses (what a camera gives) and with 1 % and 20 % salt and pepper.
func BenchmarkLive(b *testing.B) {
	for _, sp := range []float64{0, 0.01, 0.2} {
		p, _, _ := synthetic(1280, 720, 8, 20, sp, 0, 1)
		f, _ := New(Options{Kind: SaltPepper, Threads: 1})
		fr := frame.New(frame.Format{Layout: frame.Gray, BitDepth: 8}, 1280, 720)
		b.Run(fmt.Sprintf("sp%g", 100*sp), func(b *testing.B) {
			cpu := testenv.ProcessCPU()
			for b.Loop() {
				fr.Planes[0].CopyFrom(p)
				if _, err := f.Process(fr); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(testenv.ProcessCPU()-cpu)/1e6/float64(b.N), "cpu-ms/frame")
		})
	}
}
