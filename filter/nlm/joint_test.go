package nlm

import (
	"math"
	"slices"
	"testing"

	"github.com/denoise-go/denoise/filter/noise"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// referenceJointNLM is referenceNLM with one weight per candidate from all three planes
// (referenceJointST without cross planes).
func referenceJointNLM(src [3]*frame.Plane, sig [3]float64, p Params, space JointSpace) [3][]float64 {
	return referenceJointST(src, nil, sig, p, CrossParams{}, space)
}

// jointCross is a cross plane of referenceJointST: three planes and the reliability of rel.
type jointCross struct {
	planes [3]*frame.Plane
	rel    CrossPlane
}

// referenceJointST is referenceST with one weight per candidate from all three planes: each
// plane is whitened (times σ/σ_c, σ² the mean of the σ_c²), RGB is taken to its opponent
// channels, and the patch distance is the sum over 3·(2f+1)² samples of the squared luma
// differences times 2.25 and the chroma ones times 0.375, in cur and in every cross plane
// alike; every plane is averaged with it, the pixel itself at weight 1.
func referenceJointST(src [3]*frame.Plane, cross []jointCross, sig [3]float64, p Params, cp CrossParams, space JointSpace) [3][]float64 {
	w, h := src[0].W, src[0].H
	ms := (sig[0]*sig[0] + sig[1]*sig[1] + sig[2]*sig[2]) / 3
	sigma := math.Sqrt(ms)
	var k [3]float64
	for c := range k {
		k[c] = sigma / max(sig[c], sigma/10)
	}
	at := func(pl [3]*frame.Plane, c, x, y int) float64 {
		return float64(pl[c].Pix[dsp.Mirror(y, h)*pl[c].Stride+dsp.Mirror(x, w)])
	}
	// guide is channel i of the decorrelated, weighted guide of pl at (x, y).
	guide := func(pl [3]*frame.Plane, i, x, y int) float64 {
		r, g, b := k[0]*at(pl, 0, x, y), k[1]*at(pl, 1, x, y), k[2]*at(pl, 2, x, y)
		switch space {
		case JointYUV:
			return [3]float64{1.5 * r, math.Sqrt(0.375) * g, math.Sqrt(0.375) * b}[i]
		case JointSubsampled:
			a := jointSubLuma
			c := math.Sqrt((3 - a*a) / 2)
			return [3]float64{a * r, c * g, c * b}[i]
		}
		switch i {
		case 0:
			return 1.5 * (r + g + b) / math.Sqrt(3)
		case 1:
			return math.Sqrt(0.375) * (r - b) / math.Sqrt(2)
		}
		return math.Sqrt(0.375) * (r - 2*g + b) / math.Sqrt(6)
	}
	s := sigma / 255
	weight := func(other [3]*frame.Plane, x, y, dx, dy, f int, hh float64) float64 {
		n := float64(3 * (2*f + 1) * (2*f + 1))
		var ssd float64
		for c := range 3 {
			for j := -f; j <= f; j++ {
				for i := -f; i <= f; i++ {
					d := guide(src, c, x+i, y+j) - guide(other, c, x+dx+i, y+dy+j)
					ssd += d * d
				}
			}
		}
		t := max(ssd/n-2*s*s, 0) / (hh * hh)
		if t >= dsp.NLMTail {
			return 0
		}
		return math.Exp(-t)
	}
	ht, ft := cp.H, cp.PatchRadius
	if ft == 0 {
		ft = p.PatchRadius
	}
	if ht == 0 {
		ht = p.H
	}
	a := 1.0 // the spatial candidates' scale
	if cp.SpatialWeight > 0 && len(cross) > 0 {
		a = cp.SpatialWeight
	}
	r := p.SearchRadius
	var out [3][]float64
	for c := range out {
		out[c] = make([]float64, w*h)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sw := 1.0
			var sv [3]float64
			for c := range 3 {
				sv[c] = at(src, c, x, y)
			}
			add := func(pl [3]*frame.Plane, wt float64, x, y int) {
				sw += wt
				for c := range 3 {
					sv[c] += wt * at(pl, c, x, y)
				}
			}
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					if dx != 0 || dy != 0 {
						add(src, a*weight(src, x, y, dx, dy, p.PatchRadius, p.H/255), x+dx, y+dy)
					}
				}
			}
			for _, cr := range cross {
				rt := cp.SearchRadius
				for dy := -rt; dy <= rt; dy++ {
					for dx := -rt; dx <= rt; dx++ {
						wt := weight(cr.planes, x, y, dx, dy, ft, ht/255) * relMean(cr.rel, w, h, x+dx, y+dy)
						add(cr.planes, wt, x+dx, y+dy)
					}
				}
			}
			for c := range 3 {
				out[c][y*w+x] = sv[c] / sw
			}
		}
	}
	return out
}

func TestJointMatchesReference(t *testing.T) {
	cases := []struct {
		w, h    int
		sig     [3]float64
		p       Params
		threads int
		space   JointSpace
	}{
		{7, 5, [3]float64{10, 10, 10}, Params{PatchRadius: 1, SearchRadius: 3, H: 10}, 1, JointRGB},
		{33, 17, [3]float64{25, 20, 30}, Params{PatchRadius: 1, SearchRadius: 5, H: 15}, 1, JointRGB},
		{31, 70, [3]float64{20, 5, 0}, Params{PatchRadius: 2, SearchRadius: 3, H: 8}, 2, JointRGB},
		{40, 110, [3]float64{12, 12, 14}, Params{PatchRadius: 1, SearchRadius: 6, H: 9}, 2, JointYUV},
		{35, 60, [3]float64{20, 15, 15}, Params{PatchRadius: 2, SearchRadius: 1, H: 10}, 2, JointYUV},
		{23, 64, [3]float64{8, 30, 12}, Params{PatchRadius: 1, SearchRadius: 2, H: 12}, 2, JointRGB},
		{29, 50, [3]float64{6, 20, 18}, Params{PatchRadius: 1, SearchRadius: 3, H: 14}, 2, JointSubsampled},
	}
	for _, c := range cases {
		var src, dst [3]*frame.Plane
		for i := range src {
			src[i] = randomPlane(c.w, c.h, c.w+i, uint64(c.w*c.h+i))
			dst[i] = &frame.Plane{W: c.w, H: c.h, Stride: c.w, Pix: make([]float32, c.w*c.h)}
		}
		want := referenceJointNLM(src, c.sig, c.p, c.space)
		d := PlaneDenoiser{Threads: c.threads}
		if err := d.DenoiseJoint(dst, src, c.sig, c.p, c.space); err != nil {
			t.Fatal(err)
		}
		var worst float64
		for i := range 3 {
			for y := 0; y < c.h; y++ {
				for x, v := range dst[i].Row(y) {
					worst = max(worst, math.Abs(float64(v)-want[i][y*c.w+x]))
				}
			}
		}
		if worst > 1e-4 {
			t.Errorf("%dx%d σ %v %v space %d: max |joint − reference| = %.2e", c.w, c.h, c.sig, c.p, c.space, worst)
		}
	}
}

// TestJointFormats checks which frames Process weighs jointly: RGB and YUV, 4:4:4 (the three
// planes then have equal weights) or subsampled (TestJointSubsampledFrame), not gray.
func TestJointFormats(t *testing.T) {
	for _, c := range []struct {
		f     frame.Format
		joint bool
	}{
		{frame.Format{Layout: frame.RGB, BitDepth: 8}, true},
		{frame.Format{Layout: frame.YUV, BitDepth: 8}, true},
		{frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8}, true},
		{frame.Format{Layout: frame.Gray, BitDepth: 8}, false},
	} {
		if got := JointFormat(c.f); got != c.joint {
			t.Errorf("%v: joint %v, want %v", c.f, got, c.joint)
		}
	}
	// With the same plane three times and one σ, the YUV guide is the plane with weights
	// 2.25 + 2·0.375 = 3, so joint weights are the plane's own at 3·(2f+1)² samples; the RGB
	// guide is its luma alone, √3·1.5 times the plane, so they are the plane's own with σ and h
	// divided by 1.5. Either way the mean is the same as per plane, up to rounding.
	src := randomPlane(40, 60, 40, 7)
	for _, c := range []struct {
		space JointSpace
		div   float64
	}{{JointYUV, 1}, {JointRGB, 1.5}} {
		want := &frame.Plane{W: 40, H: 60, Stride: 40, Pix: make([]float32, 40*60)}
		var d PlaneDenoiser
		if err := d.Denoise(want, src, Params{PatchRadius: 1, SearchRadius: 4, H: 10 / c.div, Sigma: 10 / c.div}); err != nil {
			t.Fatal(err)
		}
		var dst [3]*frame.Plane
		for i := range dst {
			dst[i] = &frame.Plane{W: 40, H: 60, Stride: 40, Pix: make([]float32, 40*60)}
		}
		p := Params{PatchRadius: 1, SearchRadius: 4, H: 10, Sigma: 10}
		if err := d.DenoiseJoint(dst, [3]*frame.Plane{src, src, src}, [3]float64{10, 10, 10}, p, c.space); err != nil {
			t.Fatal(err)
		}
		for i := range dst {
			for j, v := range dst[i].Pix {
				if math.Abs(float64(v-want.Pix[j])) > 1e-5 {
					t.Fatalf("space %d plane %d sample %d: joint %v, per plane %v", c.space, i, j, v, want.Pix[j])
				}
			}
		}
	}
}

// TestJointSubsampledFrame checks DenoiseJointFrame on subsampled YUV (4:2:0 and 4:2:2, odd
// sizes): the luma is the per-plane NLM, U and V are the joint NLM of the luma averaged down
// to their size (its σ from the estimator given, or the white-noise σ without one) and
// themselves, and in place equals out of place (the luma is averaged before it is filtered).
func TestJointSubsampledFrame(t *testing.T) {
	for _, f := range []frame.Format{
		{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8},
		{Layout: frame.YUV, ChromaShiftW: 1, BitDepth: 10},
	} {
		src := frame.New(f, 45, 37)
		for i := range src.Planes {
			src.Planes[i].CopyFrom(randomPlane(src.Planes[i].W, src.Planes[i].H, src.Planes[i].Stride, uint64(40+i)))
		}
		sig := [3]float64{20, 15, 17}
		var o Options
		for _, est := range []*noise.Estimator{nil, {}} {
			// the expected planes, computed directly
			var lm frame.Plane
			BlockMean(&lm, &src.Planes[0], f.ChromaShiftW, f.ChromaShiftH)
			if lm.W != src.Planes[1].W || lm.H != src.Planes[1].H {
				t.Fatalf("%v: luma mean %dx%d, chroma %dx%d", f, lm.W, lm.H, src.Planes[1].W, src.Planes[1].H)
			}
			gs := 20 / math.Sqrt(float64(int(1)<<(f.ChromaShiftW+f.ChromaShiftH)))
			if est != nil {
				var e noise.Estimator
				gs = e.Estimate(&lm, nil)
			}
			cs := [3]float64{gs, 15, 17}
			want := referenceJointNLM([3]*frame.Plane{&lm, &src.Planes[1], &src.Planes[2]}, cs,
				o.SubsampledParams(RootMeanSquare(cs)), JointSubsampled)
			luma := &frame.Plane{W: 45, H: 37, Stride: 45, Pix: make([]float32, 45*37)}
			var d PlaneDenoiser
			if err := d.Denoise(luma, &src.Planes[0], o.Params(20)); err != nil {
				t.Fatal(err)
			}
			dst := frame.New(f, 45, 37)
			if err := d.DenoiseJointFrame(dst, src, sig, est, o); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(dst.Planes[0].Pix, luma.Pix) {
				t.Errorf("%v: the luma is not the per-plane NLM", f)
			}
			for c := 1; c < 3; c++ {
				pl := &dst.Planes[c]
				for y := 0; y < pl.H; y++ {
					for x, v := range pl.Row(y) {
						if d := math.Abs(float64(v) - want[c][y*pl.W+x]); d > 1e-4 {
							t.Fatalf("%v plane %d (%d,%d): %v, reference %v", f, c, x, y, v, want[c][y*pl.W+x])
						}
					}
				}
			}
			in := frame.New(f, 45, 37)
			in.CopyFrom(src)
			if err := d.DenoiseJointFrame(in, in, sig, est, o); err != nil {
				t.Fatal(err)
			}
			for c := range 3 {
				if !slices.Equal(in.Planes[c].Pix, dst.Planes[c].Pix) {
					t.Errorf("%v plane %d: in place differs", f, c)
				}
			}
		}
	}
}
