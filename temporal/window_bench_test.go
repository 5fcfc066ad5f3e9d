package temporal

import (
	"fmt"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// panFrames renders n frames of a noisy textured pan.
func panFrames(g frame.Geometry, n int) []*frame.Frame {
	clean, _ := renderShots(g, []shot{{tex: newColourTexture(50), vx: 3.3, vy: -2.1, n: n}})
	return noisy(clean, 10.0/255, 13)
}

// BenchmarkAlignedAverage is the whole per-frame cost of the aligned average: pyramid, scene
// cut, the motion fields (both ways), warps, reliabilities and the weighted mean.
func BenchmarkAlignedAverage(b *testing.B) {
	for _, sz := range [][2]int{{640, 480}, {1280, 720}} {
		for _, r := range []int{1, 2} {
			b.Run(fmt.Sprintf("%dx%d/yuv420/r=%d", sz[0], sz[1], r), func(b *testing.B) {
				g := yuvGeom(sz[0], sz[1])
				src := panFrames(g, 6)
				st, err := NewAlignedAverage(WindowConfig{Radius: r})
				if err != nil {
					b.Fatal(err)
				}
				pool := frame.NewPool(16)
				emit := func(f *frame.Frame) error { f.Release(); return nil }
				i := 0
				push := func() {
					f := pool.Get(g)
					f.CopyFrom(src[i%len(src)])
					i++
					if err := st.Push(f, emit); err != nil {
						b.Fatal(err)
					}
				}
				for range 2*r + 2 {
					push()
				}
				cpuLoop(b, push)
			})
		}
	}
}

func BenchmarkSceneCut(b *testing.B) {
	for _, sz := range [][2]int{{640, 480}, {1280, 720}} {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			src := panFrames(grayGeom(sz[0], sz[1]), 4)
			d, _ := NewSceneCutDetector(SceneCutConfig{})
			i := 0
			cpuLoop(b, func() {
				d.Push(&src[i%len(src)].Planes[0])
				i++
			})
		})
	}
}
