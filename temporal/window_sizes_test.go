package temporal

import (
	"fmt"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// Odd and tiny sizes, every sub-pixel precision and overlaps: nothing may index out of a
// plane, and a still sequence must come out still.
func TestWindowOddSizes(t *testing.T) {
	tex := newColourTexture(40)
	for _, sz := range [][2]int{{1, 1}, {7, 5}, {9, 17}, {33, 17}, {61, 47}} {
		for _, mc := range []MotionConfig{{}, {SubPel: 1}, {SubPel: 2, Overlap: 3, BlockSize: 6}, {BlockSize: 16, Levels: 1}} {
			name := fmt.Sprintf("%dx%d %+v", sz[0], sz[1], mc)
			g := frame.Geometry{Format: frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 0, BitDepth: 10}, W: sz[0], H: sz[1]}
			var src []*frame.Frame
			for i := range 4 {
				f := newFrame(g)
				renderFrame(f, shifted(tex, 0.7*float64(i), 0))
				f.Index = int64(i)
				src = append(src, f)
			}
			st, err := NewAlignedAverage(WindowConfig{Radius: 1, Motion: mc})
			if err != nil {
				t.Fatal(err)
			}
			out := runTemporal(t, st, src)
			for i, f := range out {
				for p := range f.Planes {
					pl := &f.Planes[p]
					for y := 0; y < pl.H; y++ {
						for x, v := range pl.Row(y) {
							if !(v > -0.5 && v < 1.5) {
								t.Fatalf("%s: frame %d plane %d (%d,%d) = %g", name, i, p, x, y, v)
							}
						}
					}
				}
			}
		}
	}
}
