package temporal

import (
	"fmt"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

func BenchmarkCompensate(b *testing.B) {
	for _, sz := range [][2]int{{640, 480}, {1280, 720}} {
		g := yuvGeom(sz[0], sz[1])
		cur, ref := panPair(g, newColourTexture(6), 3.3, -2.1, 10.0/255, 9)
		e, _ := NewMotionEstimator(MotionConfig{})
		var fwd, bwd MotionField
		e.Estimate(&fwd, &cur.Planes[0], &ref.Planes[0])
		e.Estimate(&bwd, &ref.Planes[0], &cur.Planes[0])
		warped := newFrame(g)
		rel := frame.New(frame.Format{Layout: frame.Gray, BitDepth: 32}, g.W, g.H)
		c, _ := NewCompensator(CompensateConfig{})
		b.Run(fmt.Sprintf("%dx%d/warp-yuv420", sz[0], sz[1]), func(b *testing.B) {
			cpuLoop(b, func() { c.Warp(warped, ref, &fwd) })
		})
		b.Run(fmt.Sprintf("%dx%d/reliability", sz[0], sz[1]), func(b *testing.B) {
			c.Warp(warped, ref, &fwd)
			cpuLoop(b, func() { c.Reliability(&rel.Planes[0], &cur.Planes[0], &warped.Planes[0], &fwd, &bwd, 0) })
		})
	}
}
