// Package evalset loads the shared evaluation images, adds seeded synthetic noise with the
// project's protocol (noise added to 8-bit samples, then rounded and clipped to 0–255) and
// measures PSNR. It is imported by tests and tuning harnesses only, never by a filter.
package evalset

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"

	"github.com/denoise-go/denoise/frame"
)

// SharedDir returns the shared data folder: $DENOISE_SHARED, else the first of the given
// candidates (paths relative to the test's working directory) that exists.
func SharedDir(candidates ...string) string {
	if d := os.Getenv("DENOISE_SHARED"); d != "" {
		return d
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c
		}
	}
	return ""
}

// Image is a clean 8-bit gray image.
type Image struct {
	Name string
	W, H int
	Pix  []uint8
}

// LoadGrayDir loads every PNG of dir as 8-bit gray, sorted by name.
func LoadGrayDir(dir string) ([]Image, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.png"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []Image
	for _, n := range names {
		im, err := loadGray(n)
		if err != nil {
			return nil, err
		}
		out = append(out, im)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("evalset: no PNG in %s", dir)
	}
	return out, nil
}

func loadGray(path string) (Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return Image{}, err
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		return Image{}, fmt.Errorf("%s: %w", path, err)
	}
	b := m.Bounds()
	im := Image{Name: filepath.Base(path), W: b.Dx(), H: b.Dy(), Pix: make([]uint8, b.Dx()*b.Dy())}
	if g, ok := m.(*image.Gray); ok {
		for y := 0; y < im.H; y++ {
			copy(im.Pix[y*im.W:(y+1)*im.W], g.Pix[y*g.Stride:y*g.Stride+im.W])
		}
		return im, nil
	}
	for y := 0; y < im.H; y++ {
		for x := 0; x < im.W; x++ {
			r, g, bb, _ := m.At(b.Min.X+x, b.Min.Y+y).RGBA()
			l := (299*r + 587*g + 114*bb + 500) / 1000
			im.Pix[y*im.W+x] = uint8(l >> 8)
		}
	}
	return im, nil
}

// Noise describes synthetic degradation in 8-bit units: AWGN of Sigma, then a fraction SP of
// salt-and-pepper (half 0, half 255) or a fraction RV of random-valued impulses (uniform
// 0..255), then rounding and clipping.
type Noise struct {
	Sigma  float64
	SP, RV float64
}

func (n Noise) String() string {
	s := fmt.Sprintf("sigma=%g", n.Sigma)
	if n.SP > 0 {
		s += fmt.Sprintf("+sp=%g", n.SP)
	}
	if n.RV > 0 {
		s += fmt.Sprintf("+rv=%g", n.RV)
	}
	return s
}

// Apply returns a noisy copy of im (8-bit codes) and, when impulses are added, which pixels
// got one. The RNG is seeded from seed, so the result is reproducible.
func (n Noise) Apply(im Image, seed uint64) (noisy []uint8, impulse []bool) {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	noisy = make([]uint8, len(im.Pix))
	if n.SP > 0 || n.RV > 0 {
		impulse = make([]bool, len(im.Pix))
	}
	for i, c := range im.Pix {
		v := float64(c)
		if n.Sigma > 0 {
			v += n.Sigma * rng.NormFloat64()
		}
		switch {
		case n.SP > 0 && rng.Float64() < n.SP:
			impulse[i] = true
			v = 0
			if rng.IntN(2) == 1 {
				v = 255
			}
		case n.RV > 0 && rng.Float64() < n.RV:
			impulse[i] = true
			v = float64(rng.IntN(256))
		}
		noisy[i] = clip8(v)
	}
	return noisy, impulse
}

func clip8(v float64) uint8 {
	v = math.Round(v)
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// Gray8 returns a one-plane 8-bit gray frame holding codes.
func Gray8(w, h int, codes []uint8) *frame.Frame {
	fr := frame.New(frame.Format{Layout: frame.Gray, BitDepth: 8, PixFmt: "gray"}, w, h)
	p := &fr.Planes[0]
	for y := 0; y < h; y++ {
		row := p.Row(y)
		for x := range row {
			row[x] = float32(codes[y*w+x]) / 255
		}
	}
	return fr
}

// PSNR8 is the PSNR in dB of plane p, quantised to 8 bits as an encoder would, against the
// clean codes.
func PSNR8(p *frame.Plane, clean []uint8) float64 {
	var se float64
	for y := 0; y < p.H; y++ {
		row := p.Row(y)
		for x, v := range row {
			d := float64(clip8(float64(v)*255)) - float64(clean[y*p.W+x])
			se += d * d
		}
	}
	mse := se / float64(p.W*p.H)
	if mse == 0 {
		return 99
	}
	return 10 * math.Log10(255*255/mse)
}

// Seed derives a per-image seed from a noise setting and the image index.
func Seed(n Noise, i int) uint64 {
	return uint64(i+1)*1000003 + uint64(n.Sigma*1000)*7919 + uint64(n.SP*1e4)*31 + uint64(n.RV*1e4)*131
}

// Clone returns an unpooled copy of fr.
func Clone(fr *frame.Frame) *frame.Frame {
	c := frame.New(fr.Format, fr.W, fr.H)
	c.CopyFrom(fr)
	return c
}
