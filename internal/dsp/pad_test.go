package dsp

import "testing"

func TestMirror(t *testing.T) {
	cases := []struct{ i, n, want int }{
		{0, 1, 0}, {-5, 1, 0}, {7, 1, 0},
		{-1, 5, 1}, {-2, 5, 2}, {5, 5, 3}, {6, 5, 2}, {4, 5, 4},
		{-9, 5, 1}, {-8, 5, 0}, {13, 5, 3}, // more than one reflection
		{-1, 2, 1}, {2, 2, 0}, {3, 2, 1},
	}
	for _, c := range cases {
		if got := Mirror(c.i, c.n); got != c.want {
			t.Errorf("Mirror(%d, %d) = %d, want %d", c.i, c.n, got, c.want)
		}
	}
}

func TestPadPlane(t *testing.T) {
	for _, w := range parityWidths {
		for _, h := range []int{1, 2, 5} {
			for _, pad := range []int{0, 1, 3, 9} {
				src := make([]float32, (w+3)*h) // a stride wider than the row
				for i := range src {
					src[i] = float32(i)
				}
				stride := w + 2*pad + 5
				g := newGuardedF32(stride*(h+2*pad), 3)
				PadPlane(g.Data, stride, pad, src, w+3, w, h)
				g.check(t, "PadPlane")
				for y := -pad; y < h+pad; y++ {
					for x := -pad; x < w+pad; x++ {
						want := src[Mirror(y, h)*(w+3)+Mirror(x, w)]
						if got := g.Data[(y+pad)*stride+pad+x]; got != want {
							t.Fatalf("w=%d h=%d pad=%d: (%d,%d) = %g, want %g", w, h, pad, x, y, got, want)
						}
					}
				}
			}
		}
	}
}
