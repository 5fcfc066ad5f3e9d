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
				e, err := NewMotionEstimator(MotionConfig{Overlap: ov})
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
