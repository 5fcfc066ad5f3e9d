package cnn

import (
	"path/filepath"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// TestTileThreads: with ortConfig.tileThreads, Threads one-thread sessions run the tiles side
// by side; the result is the sequential one's (within float tolerance), a plane of one tile
// is split so that every worker gets one, and the guide and σ-map channels reach every
// worker's tensors.
func TestTileThreads(t *testing.T) {
	for _, name := range []string{smokeModel, sigmaModel, guideModel} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			for _, c := range []struct{ w, h, tile, threads int }{{301, 217, 48, 2}, {301, 217, 48, 3}, {64, 40, 512, 2}, {640, 480, 512, 2}} {
				seq := load(t, Options{Model: name, Tile: c.tile, Sigma: 20})
				par := load(t, Options{Model: name, Tile: c.tile, Sigma: 20, Threads: c.threads})
				par.ort.tileThreads = true
				a := grayFrame(c.w, c.h, 8, 3)
				b := frame.New(a.Format, a.W, a.H)
				b.CopyFrom(a)
				fs, fp := newFilter(t, seq), newFilter(t, par)
				if len(fp.s.workers) != c.threads {
					t.Fatalf("%d workers for %d threads", len(fp.s.workers), c.threads)
				}
				for range 2 { // twice: tensors reused
					if _, err := fs.Process(a); err != nil {
						t.Fatal(err)
					}
					if _, err := fp.Process(b); err != nil {
						t.Fatal(err)
					}
					if d := maxDiff(t, &a.Planes[0], &b.Planes[0]); d > 1e-5 {
						t.Errorf("%dx%d, tile %d, %d threads: max |difference| %.2e", c.w, c.h, c.tile, c.threads, d)
					}
				}
				if n := fp.s.lay.nx * fp.s.lay.ny; n < c.threads {
					t.Errorf("%dx%d: %d tiles for %d workers", c.w, c.h, n, c.threads)
				}
			}
		})
	}
}
