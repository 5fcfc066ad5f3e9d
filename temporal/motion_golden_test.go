package temporal

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// TestMotionGolden hashes the fields of the estimator over the shared clips and synthetic
// pairs in several configurations. With MOTION_GOLDEN=path it writes the hash to path when
// the file is missing and compares with it otherwise: a check that an optimisation leaves
// every vector and cost bit-identical.
func TestMotionGolden(t *testing.T) {
	path := os.Getenv("MOTION_GOLDEN")
	if path == "" {
		t.Skip("MOTION_GOLDEN not set")
	}
	h := fnv.New64a()
	put := func(f *MotionField) {
		var b [4]byte
		w := func(v float32) {
			u := math.Float32bits(v)
			b[0], b[1], b[2], b[3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
			h.Write(b[:])
		}
		for i := range f.Vectors {
			w(f.Vectors[i].X)
			w(f.Vectors[i].Y)
			w(f.Cost[i])
		}
		w(f.Sigma)
	}
	cfgs := []MotionConfig{{}, {Overlap: 2}, {SubPel: 2}, {BlockSize: 16}, {BlockSize: 16, Overlap: 4}, {Levels: 2, Sigma: 10.0 / 255}, {BlockSize: 7, Overlap: 1}, {Penalty: -1}}
	for _, clip := range []struct {
		rel  string
		w, h int
	}{{"carphone_qcif/carphone_pristine.mp4", 176, 144}, {"park_joy_90p/park_joy_90p_8_420.y4m", 160, 90}} {
		fr := loadClip(t, clip.rel, clip.w, clip.h)
		rng := rand.New(rand.NewPCG(3, 7))
		for _, f := range fr {
			addNoise(f, 15.0/255, rng)
		}
		for _, c := range cfgs {
			c.Threads = 1
			e, err := NewMotionEstimator(c)
			if err != nil {
				t.Fatal(err)
			}
			var m MotionField
			for i := 1; i < min(len(fr), 40); i++ {
				e.Estimate(&m, &fr[i].Planes[0], &fr[i-1].Planes[0])
				put(&m)
				e.Estimate(&m, &fr[i-1].Planes[0], &fr[i].Planes[0])
				put(&m)
			}
		}
	}
	for _, sz := range [][2]int{{640, 480}, {203, 157}} {
		tex := newColourTexture(5)
		cur, ref := panPair(grayGeom(sz[0], sz[1]), tex, 3.3, -2.1, 10.0/255, 9)
		for _, c := range cfgs {
			c.Threads = 1
			e, _ := NewMotionEstimator(c)
			var m MotionField
			for range 2 {
				e.Estimate(&m, &cur.Planes[0], &ref.Planes[0])
				put(&m)
			}
		}
	}
	got := fmt.Sprintf("%016x\n", h.Sum64())
	want, err := os.ReadFile(path)
	if err != nil {
		os.WriteFile(path, []byte(got), 0o644)
		t.Logf("wrote %s: %s", path, got)
		return
	}
	if string(want) != got {
		t.Fatalf("hash %s, golden %s", got, want)
	}
	t.Logf("hash %s matches", got)
}
