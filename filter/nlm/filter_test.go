package nlm

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/denoise-go/denoise/frame"
)

func fillFrame(fr *frame.Frame, seed uint64) {
	for i := range fr.Planes {
		p := randomPlane(fr.Planes[i].W, fr.Planes[i].H, fr.Planes[i].Stride, seed+uint64(i))
		fr.Planes[i].CopyFrom(p)
	}
}

func TestFilterSteadyStateDoesNotAllocate(t *testing.T) {
	for _, format := range []frame.Format{
		{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8},
		{Layout: frame.RGB, BitDepth: 8}, // joint weights
		{Layout: frame.YUV, BitDepth: 8},
	} {
		fr := frame.New(format, 161, 121)
		fillFrame(fr, 1)
		for _, threads := range []int{1, 2} {
			f, err := New(Options{Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			f.Process(fr)
			if a := testing.AllocsPerRun(3, func() { f.Process(fr) }); a != 0 {
				t.Errorf("%v, threads %d: Process allocates %v times per frame", format, threads, a)
			}
		}
	}
}

// TestYUV420AndDepths runs the filter with per-plane weights over a 4:2:0 frame with odd size
// at several bit depths and checks each plane against the reference with the same
// parameters (the default's joint chroma: TestJointSubsampledFrame).
func TestYUV420AndDepths(t *testing.T) {
	for _, depth := range []int{8, 10, 16} {
		fr := frame.New(frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: depth}, 45, 31)
		fillFrame(fr, uint64(depth))
		// quantise to the bit depth as a decoder would give it
		mc := float64(fr.Format.MaxCode())
		for i := range fr.Planes {
			for j, v := range fr.Planes[i].Pix {
				fr.Planes[i].Pix[j] = float32(math.Round(float64(v)*mc) / mc)
			}
		}
		var want [][]float64
		opt := Options{Sigma: 20, Threads: 2, PerPlane: true}
		for i := range fr.Planes {
			want = append(want, referenceNLM(&fr.Planes[i], opt.Params(20)))
		}
		if fr.Planes[1].W != 23 || fr.Planes[1].H != 16 {
			t.Fatalf("chroma plane %dx%d, want 23x16", fr.Planes[1].W, fr.Planes[1].H)
		}
		f, _ := New(opt)
		out, err := f.Process(fr)
		if err != nil {
			t.Fatal(err)
		}
		for i := range out.Planes {
			p := &out.Planes[i]
			for y := 0; y < p.H; y++ {
				for x, v := range p.Row(y) {
					if d := math.Abs(float64(v) - want[i][y*p.W+x]); d > 1e-4 {
						t.Fatalf("%d-bit plane %d (%d,%d): %v, reference %v", depth, i, x, y, v, want[i][y*p.W+x])
					}
				}
			}
		}
	}
}

func TestAlphaPassesThrough(t *testing.T) {
	fr := frame.New(frame.Format{Layout: frame.RGB, Alpha: true, BitDepth: 8}, 20, 20)
	fillFrame(fr, 3)
	alpha := append([]float32(nil), fr.Planes[3].Pix...)
	red := append([]float32(nil), fr.Planes[0].Pix...)
	f, _ := New(Options{Sigma: 10})
	f.Process(fr)
	for i, v := range fr.Planes[3].Pix {
		if v != alpha[i] {
			t.Fatal("alpha plane changed")
		}
	}
	same := true
	for i, v := range fr.Planes[0].Pix {
		same = same && v == red[i]
	}
	if same {
		t.Fatal("red plane not filtered")
	}
}

func TestOnSigmaReportsEstimate(t *testing.T) {
	fr := frame.New(frame.Format{Layout: frame.Gray, BitDepth: 8}, 200, 150)
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range fr.Planes[0].Pix {
		fr.Planes[0].Pix[i] = float32(0.5 + 0.1*rng.NormFloat64()) // σ = 25.5 on the 0–255 scale
	}
	fr.Index = 42
	var got float64
	var idx int64
	f, _ := New(Options{OnSigma: func(i int64, s float64) { idx, got = i, s }})
	f.Process(fr)
	if idx != 42 || math.Abs(got-25.5) > 3 {
		t.Errorf("OnSigma(%d, %.2f), want (42, ≈25.5)", idx, got)
	}
}

func TestWorkersGrowAndStop(t *testing.T) {
	src := randomPlane(64, 300, 64, 1)
	dst := &frame.Plane{W: 64, H: 300, Stride: 64, Pix: make([]float32, 64*300)}
	p := Params{PatchRadius: 1, SearchRadius: 2, H: 10, Sigma: 10}
	d := &PlaneDenoiser{}
	for _, th := range []int{2, 4, 3, 1, 5} {
		d.Threads = th
		if err := d.Denoise(dst, src, p); err != nil {
			t.Fatal(err)
		}
	}
	before := runtime.NumGoroutine()
	d = nil
	for range 20 {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		if runtime.NumGoroutine() <= before-4 {
			return
		}
	}
	t.Errorf("helper goroutines still running: %d before, %d after", before, runtime.NumGoroutine())
}
