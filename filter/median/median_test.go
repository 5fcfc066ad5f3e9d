package median

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

func TestMedian3MatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{2, 2}, {3, 7}, {17, 5}, {64, 33}} {
		w, h := sz[0], sz[1]
		src := &frame.Plane{W: w, H: h, Stride: w + 2, Pix: make([]float32, (w+2)*h)}
		for i := range src.Pix {
			src.Pix[i] = float32(rng.IntN(20)) / 19
		}
		dst := &frame.Plane{W: w, H: h, Stride: w, Pix: make([]float32, w*h)}
		if err := Median3(dst, src); err != nil {
			t.Fatal(err)
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var v []float32
				for j := -1; j <= 1; j++ {
					for i := -1; i <= 1; i++ {
						v = append(v, src.Pix[dsp.Mirror(y+j, h)*src.Stride+dsp.Mirror(x+i, w)])
					}
				}
				slices.Sort(v)
				if got := dst.Pix[y*w+x]; got != v[4] {
					t.Fatalf("%dx%d (%d,%d): %v, want %v", w, h, x, y, got, v[4])
				}
			}
		}
	}
}

func TestFilterRemovesIsolatedImpulse(t *testing.T) {
	fr := frame.New(frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8}, 9, 9)
	for i := range fr.Planes {
		for j := range fr.Planes[i].Pix {
			fr.Planes[i].Pix[j] = 0.5
		}
	}
	fr.Planes[0].Pix[4*9+4] = 1
	fr.Planes[1].Pix[2*5+2] = 0
	f := New()
	out, err := f.Process(fr)
	if err != nil {
		t.Fatal(err)
	}
	if out.Planes[0].Pix[4*9+4] != 0.5 || out.Planes[1].Pix[2*5+2] != 0.5 {
		t.Fatal("impulse survived")
	}
	if a := testing.AllocsPerRun(3, func() { f.Process(fr) }); a != 0 {
		t.Errorf("Process allocates %v times per frame", a)
	}
}
