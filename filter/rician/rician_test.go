package rician

import (
	"math"
	"testing"

	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/quality"
)

// phantom is an 8-bit head-like slice: an ellipse of tissue (codes 60–220, smooth with a
// few structures) in a background of exact zeros; z shifts it a little, as neighbouring
// slices do.
func phantom(w, h int, z float64, full bool) *frame.Frame {
	f := frame.New(frame.Format{Layout: frame.Gray, BitDepth: 8}, w, h)
	for y := 0; y < h; y++ {
		row := f.Planes[0].Row(y)
		for x := range row {
			u, v := (float64(x)-float64(w)/2)/(0.36*float64(w)), (float64(y)-float64(h)/2)/(0.42*float64(h))
			r := u*u + v*v
			if r > 1+0.02*z && !full {
				continue
			}
			s := 120 + 60*math.Sin(5*u+0.3*z)*math.Cos(4*v) + 40*u
			if math.Abs(u-0.2) < 0.08 {
				s = 215
			}
			row[x] = float32(math.Round(min(max(s, 60), 220)) / 255)
		}
	}
	return f
}

func noisy(f *frame.Frame, sigma float64, seed int64) *frame.Frame {
	g := frame.New(f.Format, f.W, f.H)
	g.CopyFrom(f)
	quality.Noise{Parts: []quality.Component{{Kind: quality.Rician, Sigma: sigma}}}.Apply(g, seed)
	return g
}

func TestEstimateSigma(t *testing.T) {
	for _, sigma := range []float64{3, 12.75, 25} {
		b := EstimateSigma(&noisy(phantom(160, 160, 0, false), sigma, 1).Planes[0])
		t.Logf("σ=%g: %v", sigma, b)
		if b.How != HowBackground || math.Abs(b.Sigma-sigma) > 0.03*sigma {
			t.Errorf("σ=%g: %v", sigma, b)
		}
	}
	// No background: the fallback, still near σ where the signal is well above it.
	b := EstimateSigma(&noisy(phantom(160, 160, 0, true), 6, 1).Planes[0])
	t.Logf("no background: %v", b)
	if b.How != HowFallback || math.Abs(b.Sigma-6) > 0.2*6 {
		t.Errorf("no background: %v", b)
	}
}

type frames struct{ fs []*frame.Frame }

type keep struct{ fs []*frame.Frame }

func (k *keep) Write(f *frame.Frame) error { k.fs = append(k.fs, f); return nil }

// stream pushes every frame of src into f in order, then flushes it, emitting into sink.
func stream(f *Filter, src *frames, sink *keep) error {
	for _, in := range src.fs {
		if err := f.Push(in, sink.Write); err != nil {
			return err
		}
	}
	return f.Flush(sink.Write)
}

// run denoises a small phantom volume and returns the mean background error and the PSNR
// against the clean slices.
func run(t *testing.T, opt Options) (bg, psnr float64) {
	t.Helper()
	const n, sigma = 5, 12.75
	var clean []*frame.Frame
	src := &frames{}
	pool := frame.NewPool(16)
	for z := range n {
		c := phantom(96, 96, float64(z), false)
		clean = append(clean, c)
		nz := noisy(c, sigma, int64(z))
		in := pool.Like(nz)
		in.CopyFrom(nz)
		in.Index = int64(z)
		src.fs = append(src.fs, in)
	}
	st, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	sink := &keep{}
	if err := stream(st, src, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.fs) != n {
		t.Fatalf("%d frames out of %d", len(sink.fs), n)
	}
	var sum float64
	cnt := 0
	for i, f := range sink.fs {
		if f.Index != int64(i) {
			t.Fatalf("frame %d has index %d", i, f.Index)
		}
		for j, v := range f.Planes[0].Pix {
			if clean[i].Planes[0].Pix[j] == 0 {
				sum += float64(v) * 255
				cnt++
			}
		}
		psnr += quality.FramePSNR(clean[i], f) / n
		f.Release()
	}
	return sum / float64(cnt) / 255 * 100, psnr
}

func TestBiasCorrection(t *testing.T) {
	bg0, p0 := run(t, Options{NoCorrection: true, Threads: 2})
	bg1, p1 := run(t, Options{Threads: 2})
	bg3, p3 := run(t, Options{SliceRadius: 1, Threads: 2})
	t.Logf("uncorrected: background %.2f %% of max, PSNR %.2f; corrected 2-D: %.2f %%, %.2f; 3-D: %.2f %%, %.2f", bg0, p0, bg1, p1, bg3, p3)
	if bg0 < 5 {
		t.Errorf("uncorrected background error %.2f %%: the Rayleigh bias (6.3 %%) is missing", bg0)
	}
	if bg1 > 1.2 || bg3 > 1 {
		t.Errorf("corrected background error %.2f %% (2-D), %.2f %% (3-D)", bg1, bg3)
	}
	if p1 < p0+0.5 || p3 < p1 {
		t.Errorf("PSNR uncorrected %.2f, corrected 2-D %.2f, 3-D %.2f", p0, p1, p3)
	}
}

// With one slice the 3-D kernel computes what filter/nlm's does.
func TestKernel3MatchesNLM(t *testing.T) {
	src := noisy(phantom(80, 70, 0, false), 10, 3)
	pl := &src.Planes[0]
	p := nlm.DefaultParams(10)
	p.Sigma = 10
	var d nlm.PlaneDenoiser
	sq := frame.Plane{W: pl.W, H: pl.H, Stride: pl.W, Pix: make([]float32, len(pl.Pix))}
	for i, v := range pl.Pix {
		sq.Pix[i] = v * v
	}
	want := frame.Plane{W: pl.W, H: pl.H, Stride: pl.W, Pix: make([]float32, len(pl.Pix))}
	if err := d.DenoiseGuided(&want, pl, &sq, p); err != nil {
		t.Fatal(err)
	}
	var g, v padded
	pad := p.SearchRadius + p.PatchRadius
	g.fill(pl, pad, false)
	v.fill(pl, pad, true)
	got := frame.Plane{W: pl.W, H: pl.H, Stride: pl.W, Pix: make([]float32, len(pl.Pix))}
	var k kernel3
	k.pool.SetThreads(2)
	k.run(&got, &g, []*padded{&g}, []*padded{&v}, p)
	var worst float64
	for i := range got.Pix {
		worst = max(worst, math.Abs(float64(got.Pix[i]-want.Pix[i])))
	}
	if worst > 2e-4 {
		t.Errorf("3-D kernel on one slice differs from nlm by up to %g", worst)
	}
}

// TestFramesWithoutPool: frames made by frame.New (a direct caller, no pipeline) come out
// denoised and in order, like pooled ones.
func TestFramesWithoutPool(t *testing.T) {
	src := &frames{}
	for z := range 3 {
		in := noisy(phantom(64, 64, float64(z), false), 12.75, int64(z))
		in.Index = int64(z)
		src.fs = append(src.fs, in)
	}
	st, err := New(Options{SliceRadius: 1})
	if err != nil {
		t.Fatal(err)
	}
	sink := &keep{}
	if err := stream(st, src, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.fs) != 3 {
		t.Fatalf("%d frames out of 3", len(sink.fs))
	}
	for i, f := range sink.fs {
		if f.Index != int64(i) || f.W != 64 || f.H != 64 {
			t.Errorf("frame %d: index %d, %dx%d", i, f.Index, f.W, f.H)
		}
	}
}
