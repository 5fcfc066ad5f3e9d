package temporal

import (
	"fmt"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// TestCentreMotionRelease: Motion then Aligned gives what Aligned alone gives; Release hands
// the aligned frames back at once (one pair of pool frames serves every neighbour), and an
// Aligned after it computes the same frame again.
func TestCentreMotionRelease(t *testing.T) {
	g := yuvGeom(128, 96)
	src, _ := windowShots(g)
	for _, r := range []int{1, 2} {
		t.Run(fmt.Sprintf("r=%d", r), func(t *testing.T) {
			plain, _ := NewWindow(WindowConfig{Radius: r})
			early, _ := NewWindow(WindowConfig{Radius: r})
			var want [][]float32
			collect := func(c *Centre) error {
				for k := range c.Neighbours {
					want = append(want, append([]float32(nil), c.Aligned(k).Frame.Planes[0].Pix...))
				}
				return nil
			}
			var got [][]float32
			check := func(c *Centre) error {
				for k := range c.Neighbours {
					c.Motion(k)
				}
				for k := range c.Neighbours {
					a := c.Aligned(k)
					got = append(got, append([]float32(nil), a.Frame.Planes[0].Pix...))
					c.Release(k)
					c.Release(k) // a second Release does nothing
				}
				if len(c.Neighbours) > 0 {
					again := c.Aligned(0).Frame.Planes[0].Pix
					for i, v := range got[len(got)-len(c.Neighbours)] {
						if again[i] != v {
							t.Fatalf("centre %d: Aligned after Release differs at %d", c.Frame.Index, i)
						}
					}
				}
				return nil
			}
			pool := frame.NewPool(64)
			for _, s := range src {
				for _, w := range []struct {
					w     *Window
					ready func(*Centre) error
				}{{plain, collect}, {early, check}} {
					f := pool.Get(g)
					f.CopyFrom(s)
					if err := w.w.Push(f, w.ready); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := plain.Flush(collect); err != nil {
				t.Fatal(err)
			}
			if err := early.Flush(check); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d aligned neighbours, want %d", len(got), len(want))
			}
			for i := range got {
				for j, v := range got[i] {
					if want[i][j] != v {
						t.Fatalf("aligned neighbour %d sample %d: %g after Motion, %g without", i, j, v, want[i][j])
					}
				}
			}
			if n := early.warpPool.Allocated(); n > 2 {
				t.Errorf("%d warped frames allocated, want at most 2 (one at a time, and the one taken again)", n)
			}
			assertAllReleased(t, "window", pool)
		})
	}
}
