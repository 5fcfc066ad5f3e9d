package denoise_test

import (
	"image"
	"image/color"
	"math"

	"github.com/denoise-go/denoise/frame"
)

// noise is a small deterministic Gaussian generator (xorshift64* and Box–Muller), so that
// the noisy pictures, and the PSNR printed from them, are the same on every Go release.
type noise struct{ s uint64 }

func (n *noise) uniform() float64 {
	n.s ^= n.s >> 12
	n.s ^= n.s << 25
	n.s ^= n.s >> 27
	return (float64((n.s*2685821657736338717)>>11) + 0.5) / (1 << 53)
}

func (n *noise) gauss() float64 {
	return math.Sqrt(-2*math.Log(n.uniform())) * math.Cos(2*math.Pi*n.uniform())
}

// scene is a clean test picture: a smooth background with a disc and bars, values in 0..1,
// shifted right by dx pixels (a moving scene for sequences).
func scene(x, y, w, h, dx int) float64 {
	x -= dx
	fx, fy := float64(x)/float64(w), float64(y)/float64(h)
	v := 0.25 + 0.35*fx + 0.15*fy
	if cx, cy := float64(x-w/2), float64(y-h/2); cx*cx+cy*cy < float64(w*h)/12 {
		v += 0.25
	}
	if (x/6)%2 == 0 && y > h*3/4 {
		v -= 0.2
	}
	return v
}

// clip8 rounds v (0..1) to an 8-bit code.
func clip8(v float64) uint8 { return uint8(math.Round(min(max(v, 0), 1) * 255)) }

// noisyGray returns a clean w×h gray picture and a copy with Gaussian noise of σ (0–255 scale).
func noisyGray(w, h int, sigma float64, seed uint64) (clean, noisy *image.Gray) {
	clean, noisy = image.NewGray(image.Rect(0, 0, w, h)), image.NewGray(image.Rect(0, 0, w, h))
	n := &noise{seed}
	for y := range h {
		for x := range w {
			v := scene(x, y, w, h, 0)
			clean.SetGray(x, y, color.Gray{clip8(v)})
			noisy.SetGray(x, y, color.Gray{clip8(v + sigma/255*n.gauss())})
		}
	}
	return clean, noisy
}

// noisyRGBA is noisyGray in colour: each channel a tinted copy of the scene, noise on each.
func noisyRGBA(w, h int, sigma float64, seed uint64) (clean, noisy *image.RGBA) {
	clean, noisy = image.NewRGBA(image.Rect(0, 0, w, h)), image.NewRGBA(image.Rect(0, 0, w, h))
	n := &noise{seed}
	tint := [3]float64{1, 0.8, 0.6}
	for y := range h {
		for x := range w {
			v := scene(x, y, w, h, 0)
			var c, d [4]uint8
			for k, t := range tint {
				c[k] = clip8(v * t)
				d[k] = clip8(v*t + sigma/255*n.gauss())
			}
			clean.SetRGBA(x, y, color.RGBA{c[0], c[1], c[2], 255})
			noisy.SetRGBA(x, y, color.RGBA{d[0], d[1], d[2], 255})
		}
	}
	return clean, noisy
}

// psnr compares two images of the same bounds over their colour channels, on the 8-bit scale.
func psnr(a, b image.Image) float64 {
	var se float64
	var n int
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ar, ag, ab, _ := a.At(x, y).RGBA()
			br, bg, bb, _ := b.At(x, y).RGBA()
			for _, d := range []float64{float64(ar) - float64(br), float64(ag) - float64(bg), float64(ab) - float64(bb)} {
				d /= 257
				se += d * d
				n++
			}
		}
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

// grayFrame is a gray 8-bit frame of the scene shifted by dx with noise σ, and its clean one.
func grayFrame(w, h, dx int, sigma float64, n *noise) (clean, noisy *frame.Frame) {
	f := frame.Format{Layout: frame.Gray, BitDepth: 8}
	clean, noisy = frame.New(f, w, h), frame.New(f, w, h)
	for y := range h {
		c, d := clean.Planes[0].Row(y), noisy.Planes[0].Row(y)
		for x := range w {
			v := scene(x, y, w, h, dx)
			c[x] = float32(clip8(v)) / 255
			d[x] = float32(clip8(v+sigma/255*n.gauss())) / 255
		}
	}
	return clean, noisy
}

// framePSNR compares the first planes of two frames on the 8-bit scale.
func framePSNR(a, b *frame.Frame) float64 {
	var se float64
	pa, pb := &a.Planes[0], &b.Planes[0]
	for y := range pa.H {
		ra, rb := pa.Row(y), pb.Row(y)
		for x := range ra {
			d := 255 * float64(ra[x]-rb[x])
			se += d * d
		}
	}
	return 10 * math.Log10(255*255/(se/float64(pa.W*pa.H)))
}
