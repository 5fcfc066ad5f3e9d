package temporal

import (
	"fmt"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// benchPair is a textured pan with noise σ=10/255, the common case the estimator is for.
func benchPair(b *testing.B, w, h int) (cur, ref *frame.Frame) {
	b.Helper()
	tex := newColourTexture(5)
	return panPair(grayGeom(w, h), tex, 3.3, -2.1, 10.0/255, 9)
}

func BenchmarkMotionEstimate(b *testing.B) {
	for _, sz := range [][2]int{{640, 480}, {1280, 720}} {
		for _, ov := range []int{0, 2} {
			b.Run(fmt.Sprintf("%dx%d/overlap%d", sz[0], sz[1], ov), func(b *testing.B) {
				cur, ref := benchPair(b, sz[0], sz[1])
				e, err := NewMotionEstimator(MotionConfig{Overlap: ov, Threads: 1}) // cpuLoop counts one thread
				if err != nil {
					b.Fatal(err)
				}
				var f MotionField
				e.Estimate(&f, &cur.Planes[0], &ref.Planes[0])
				cpuLoop(b, func() { e.Estimate(&f, &cur.Planes[0], &ref.Planes[0]) })
			})
		}
	}
}

// BenchmarkMotionThreads is the 720p estimate on 1 and 2 goroutines: process CPU time
// (helpers included) and wall time.
func BenchmarkMotionThreads(b *testing.B) {
	cur, ref := benchPair(b, 1280, 720)
	for _, th := range []int{1, 2} {
		b.Run(fmt.Sprintf("1280x720/threads%d", th), func(b *testing.B) {
			e, err := NewMotionEstimator(MotionConfig{Threads: th})
			if err != nil {
				b.Fatal(err)
			}
			var f MotionField
			e.Estimate(&f, &cur.Planes[0], &ref.Planes[0])
			procLoop(b, func() { e.Estimate(&f, &cur.Planes[0], &ref.Planes[0]) })
		})
	}
}
