package temporal

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// texture is a sum of random plane waves: a band-limited pattern that can be sampled at any
// real position, so shifted, zoomed and moved versions are exact and not interpolated.
type texture struct {
	fx, fy, phase, amp []float64
	mean               float64
}

// newTexture draws n waves with periods of about 4.5 to 30 pixels: detailed enough to pin
// vectors down, smooth enough that linear interpolation between pixels is close to exact.
func newTexture(seed uint64, n int, mean, std float64) *texture {
	return newTextureBand(seed, n, mean, std, 0.033, 0.223)
}

// newTextureBand draws n waves of frequencies in [fmin, fmax) cycles per pixel.
func newTextureBand(seed uint64, n int, mean, std, fmin, fmax float64) *texture {
	rng := rand.New(rand.NewPCG(seed, 7))
	t := &texture{mean: mean}
	for range n {
		f := fmin + rng.Float64()*(fmax-fmin)
		a := rng.Float64() * 2 * math.Pi
		t.fx = append(t.fx, 2*math.Pi*f*math.Cos(a))
		t.fy = append(t.fy, 2*math.Pi*f*math.Sin(a))
		t.phase = append(t.phase, rng.Float64()*2*math.Pi)
		t.amp = append(t.amp, std*math.Sqrt(2/float64(n)))
	}
	return t
}

func (t *texture) at(x, y float64) float32 {
	v := t.mean
	for i := range t.fx {
		v += t.amp[i] * math.Cos(t.fx[i]*x+t.fy[i]*y+t.phase[i])
	}
	return float32(v)
}

// colourTexture is a scene of three planes. Its chroma is smoother than its luma, as in
// pictures, so that a subsampled chroma plane is not pure aliasing.
type colourTexture [3]*texture

func newColourTexture(seed uint64) colourTexture {
	return colourTexture{
		newTexture(seed, 24, 0.5, 0.15),
		newTextureBand(seed+100, 16, 0.45, 0.08, 0.015, 0.11),
		newTextureBand(seed+200, 16, 0.55, 0.08, 0.015, 0.11),
	}
}

func (c colourTexture) at(p int, x, y float64) float32 { return c[p%3].at(x, y) }

// scene is a picture as a function of plane and luma coordinates.
type scene func(p int, x, y float64) float32

// render fills p with fn sampled at the pixel centres of a plane subsampled by (sw, sh).
func render(p *frame.Plane, sw, sh int, fn func(x, y float64) float32) {
	kx, ky := float64(int(1)<<sw), float64(int(1)<<sh)
	for y := 0; y < p.H; y++ {
		row := p.Row(y)
		ly := (float64(y)+0.5)*ky - 0.5
		for x := range row {
			row[x] = fn((float64(x)+0.5)*kx-0.5, ly)
		}
	}
}

// renderFrame fills every plane of f from the scene; an RGB frame gets the scene's three
// planes as luma and two chroma (BT.601), so that its channels move together as a real
// picture's do.
func renderFrame(f *frame.Frame, fn scene) {
	if f.Format.Layout == frame.RGB && len(f.Planes) >= 3 {
		rgb := [3]func(y, u, v float64) float64{
			func(y, u, v float64) float64 { return y + 1.402*(v-0.5) },
			func(y, u, v float64) float64 { return y - 0.344136*(u-0.5) - 0.714136*(v-0.5) },
			func(y, u, v float64) float64 { return y + 1.772*(u-0.5) },
		}
		for i := range 3 {
			render(&f.Planes[i], 0, 0, func(x, y float64) float32 {
				c := rgb[i](float64(fn(0, x, y)), float64(fn(1, x, y)), float64(fn(2, x, y)))
				return float32(min(max(c, 0), 1))
			})
		}
		for i := 3; i < len(f.Planes); i++ {
			render(&f.Planes[i], 0, 0, func(x, y float64) float32 { return fn(i, x, y) })
		}
		return
	}
	for i := range f.Planes {
		sw, sh := 0, 0
		if f.Format.Layout == frame.YUV && i > 0 {
			sw, sh = f.Format.ChromaShiftW, f.Format.ChromaShiftH
		}
		render(&f.Planes[i], sw, sh, func(x, y float64) float32 { return fn(i, x, y) })
	}
}

// shifted is the scene tex moved so that shifted(p) = tex(p + d).
func shifted(tex colourTexture, dx, dy float64) scene {
	return func(p int, x, y float64) float32 { return tex.at(p, x+dx, y+dy) }
}

func addNoise(f *frame.Frame, sigma float64, rng *rand.Rand) {
	for i := range f.Planes {
		p := &f.Planes[i]
		for y := 0; y < p.H; y++ {
			row := p.Row(y)
			for x := range row {
				row[x] += float32(rng.NormFloat64() * sigma)
			}
		}
	}
}

// psnr of a against b over the interior that leaves out m pixels on every side.
func psnr(a, b *frame.Plane, m int) float64 {
	var s float64
	n := 0
	for y := m; y < a.H-m; y++ {
		ra, rb := a.Row(y), b.Row(y)
		for x := m; x < a.W-m; x++ {
			d := float64(ra[x] - rb[x])
			s += d * d
			n++
		}
	}
	return 10 * math.Log10(float64(n)/s)
}

var grayGeom = func(w, h int) frame.Geometry {
	return frame.Geometry{Format: frame.Format{Layout: frame.Gray, BitDepth: 8}, W: w, H: h}
}

var yuvGeom = func(w, h int) frame.Geometry {
	return frame.Geometry{Format: frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8}, W: w, H: h}
}

func newFrame(g frame.Geometry) *frame.Frame { return frame.New(g.Format, g.W, g.H) }

// panPair renders ref = tex and cur = tex moved so that cur(p) = ref(p + d).
func panPair(g frame.Geometry, tex colourTexture, dx, dy, sigma float64, seed uint64) (cur, ref *frame.Frame) {
	cur, ref = newFrame(g), newFrame(g)
	renderFrame(ref, tex.at)
	renderFrame(cur, shifted(tex, dx, dy))
	if sigma > 0 {
		rng := rand.New(rand.NewPCG(seed, 1))
		addNoise(cur, sigma, rng)
		addNoise(ref, sigma, rng)
	}
	return cur, ref
}

// vectorErrors returns, over blocks whose match lies wholly inside the frame, the fraction
// within tol of d on both axes and the RMS error.
func vectorErrors(f *MotionField, dx, dy, tol float64) (within, rms float64) {
	m := int(math.Ceil(math.Max(math.Abs(dx), math.Abs(dy)))) + 1
	n, ok := 0, 0
	var s float64
	for by := 0; by < f.BH; by++ {
		for bx := 0; bx < f.BW; bx++ {
			x0, y0 := bx*f.BlockSize, by*f.BlockSize
			if x0 < m || y0 < m || x0+f.BlockSize > f.W-m || y0+f.BlockSize > f.H-m {
				continue
			}
			v := f.At(bx, by)
			ex, ey := float64(v.X)-dx, float64(v.Y)-dy
			s += ex*ex + ey*ey
			n++
			if math.Abs(ex) <= tol && math.Abs(ey) <= tol {
				ok++
			}
		}
	}
	return float64(ok) / float64(n), math.Sqrt(s / float64(n))
}

func TestMotionPanSubPixel(t *testing.T) {
	tex := newColourTexture(1)
	g := grayGeom(256, 192)
	for _, tc := range []struct {
		dx, dy, sigma255 float64
		overlap          int
		minWithin        float64 // share of blocks within 0.25 px
	}{
		{2.3, -1.6, 0, 0, 0.98},
		{-5.6, 3.2, 0, 0, 0.98},
		{0, 0, 0, 0, 1},
		{19.75, -12.4, 0, 0, 0.98},
		{2.3, -1.6, 10, 0, 0.95},
		// At σ=20/255 the cost of a lone 8×8 block barely tells quarter pixels apart;
		// widening the windows buys the precision back.
		{2.3, -1.6, 20, 0, 0.85},
		{-7.4, 0.6, 20, 0, 0.85},
		{2.3, -1.6, 20, 2, 0.95},
		{-7.4, 0.6, 20, 2, 0.95},
	} {
		cur, ref := panPair(g, tex, tc.dx, tc.dy, tc.sigma255/255, 3)
		e, err := NewMotionEstimator(MotionConfig{Overlap: tc.overlap})
		if err != nil {
			t.Fatal(err)
		}
		var f MotionField
		for range 2 { // the second estimate starts from the noise level read off the first
			e.Estimate(&f, &cur.Planes[0], &ref.Planes[0])
		}
		within, rms := vectorErrors(&f, tc.dx, tc.dy, 0.25)
		t.Logf("pan (%.2f, %.2f) σ=%g/255 overlap %d: %.1f%% of blocks within 0.25 px, RMS error %.3f px, σ read %.2f/255",
			tc.dx, tc.dy, tc.sigma255, tc.overlap, 100*within, rms, f.Sigma*255)
		if within < tc.minWithin {
			t.Errorf("pan (%g, %g) σ=%g: %.1f%% of blocks within 0.25 px, want ≥ %.0f%%",
				tc.dx, tc.dy, tc.sigma255, 100*within, 100*tc.minWithin)
		}
		if tc.sigma255 > 0 && math.Abs(float64(f.Sigma)*255-tc.sigma255) > 0.2*tc.sigma255 {
			t.Errorf("σ read as %.2f/255, want about %g/255", f.Sigma*255, tc.sigma255)
		}
	}
}
