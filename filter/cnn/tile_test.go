package cnn

import (
	"testing"

	"github.com/denoise-go/denoise/internal/dsp"
)

func TestMirror(t *testing.T) {
	cases := []struct{ i, n, want int }{
		{0, 5, 0}, {4, 5, 4}, {-1, 5, 1}, {-2, 5, 2}, {5, 5, 3}, {6, 5, 2},
		{-4, 5, 4}, {-5, 5, 3}, {8, 5, 0}, {9, 5, 1}, // beyond one reflection
		{-3, 1, 0}, {7, 1, 0}, {-1, 2, 1}, {2, 2, 0}, {3, 2, 1},
	}
	for _, c := range cases {
		if got := dsp.Mirror(c.i, c.n); got != c.want {
			t.Errorf("Mirror(%d, %d) = %d, want %d", c.i, c.n, got, c.want)
		}
	}
}

func TestFillRow(t *testing.T) {
	src := []float32{0, 1, 2, 3, 4}
	for x0 := -12; x0 <= 12; x0++ {
		for n := 1; n <= 14; n++ {
			dst := make([]float32, n)
			dsp.MirrorRow(dst, src, x0)
			for j, v := range dst {
				if want := src[dsp.Mirror(x0+j, len(src))]; v != want {
					t.Fatalf("x0=%d n=%d: dst[%d] = %v, want %v", x0, n, j, v, want)
				}
			}
		}
	}
}

func TestLayoutCovers(t *testing.T) {
	for _, c := range []struct{ w, h, core, m int }{
		{640, 480, 512, 17}, {1920, 1080, 512, 17}, {301, 217, 64, 5}, {1, 1, 512, 17}, {513, 7, 512, 3},
	} {
		l, err := newLayout(c.w, c.h, c.core, c.m, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if l.cw > c.core || l.ch > c.core || l.tileW() != l.cw+2*c.m {
			t.Errorf("%+v: layout %+v", c, l)
		}
		seen := make([]int, c.w*c.h)
		for ty := range l.ny {
			for tx := range l.nx {
				x0, y0, x1, y1 := l.core(tx, ty)
				for y := y0; y < y1; y++ {
					for x := x0; x < x1; x++ {
						seen[y*c.w+x]++
					}
				}
			}
		}
		for i, n := range seen {
			if n != 1 {
				t.Fatalf("%+v: pixel %d covered %d times", c, i, n)
			}
		}
	}
	if _, err := newLayout(10, 10, 512, 17, 30, 30); err == nil {
		t.Error("a fixed 30x30 input with a margin of 17 was accepted")
	}
	l, _ := newLayout(100, 50, 512, 5, 42, 42)
	if l.cw != 32 || l.nx != 4 || l.ny != 2 {
		t.Errorf("fixed 42x42, margin 5: %+v", l)
	}
}
