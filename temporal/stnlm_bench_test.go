package temporal

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/testenv"
)

// BenchmarkSTNLM is the whole per-frame cost of the stage on a noisy textured pan (σ=20,
// estimated): window, motion, warps, reliabilities, σ estimate and the NLM, with the
// frame's bands on GOMAXPROCS threads. "live" is the live preset's stage (causal, radius
// 1), "quality" the quality preset's (centred, radius 2). It reports frames per second of
// wall time and the process's CPU milliseconds per frame: on a shared machine the second
// says more about the code.
func BenchmarkSTNLM(b *testing.B) {
	for _, sz := range [][2]int{{640, 480}, {1280, 720}} {
		g := yuvGeom(sz[0], sz[1])
		var src []*frame.Frame // rendered on first use, shared by the cases
		for _, tc := range []struct {
			name string
			cfg  STNLMConfig
		}{
			{"live/r=1", STNLMConfig{Window: WindowConfig{Radius: 1, Causal: true}, SearchRadius: 1}},
			{"live/r=2", STNLMConfig{Window: WindowConfig{Radius: 2, Causal: true}, SearchRadius: 1}},
			{"quality/r=1", STNLMConfig{Window: WindowConfig{Radius: 1}}},
			{"quality/r=2", STNLMConfig{Window: WindowConfig{Radius: 2}}},
		} {
			b.Run(fmt.Sprintf("%dx%d/yuv420/%s", sz[0], sz[1], tc.name), func(b *testing.B) {
				if src == nil {
					clean, _ := renderShots(g, []shot{{tex: newColourTexture(90), vx: 3.3, vy: -2.1, n: 6}})
					src = noisy(clean, 20.0/255, 13)
				}
				cfg := tc.cfg
				cfg.Threads = runtime.GOMAXPROCS(0)
				st, err := NewSTNLM(cfg)
				if err != nil {
					b.Fatal(err)
				}
				pool := frame.NewPool(16)
				emit := func(f *frame.Frame) error { f.Release(); return nil }
				i := 0
				push := func() {
					f := pool.Get(g)
					f.CopyFrom(src[i%len(src)])
					f.Index = int64(i)
					i++
					if err := st.Push(f, emit); err != nil {
						b.Fatal(err)
					}
				}
				for range 2*cfg.Window.Radius + 8 { // past the first allocations
					push()
				}
				b.ReportAllocs()
				b.ResetTimer()
				c0 := testenv.ProcessCPU()
				for b.Loop() {
					push()
				}
				cpu := testenv.ProcessCPU() - c0
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
				b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/frame")
			})
		}
	}
}
