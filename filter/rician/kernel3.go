package rician

import (
	"math"

	"github.com/denoise-go/denoise/filter/internal/par"
	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/frame"
)

// padded is a plane copied with a mirrored border of pad samples on each side (optionally
// squared), so that every patch of every candidate is in bounds.
type padded struct {
	w, h, pad, stride int
	pix               []float32
}

func (p *padded) at(y, x int) int { return (y+p.pad)*p.stride + p.pad + x }

// fill copies s (squared when sq) into p with a mirrored border of pad samples.
func (p *padded) fill(s *frame.Plane, pad int, sq bool) {
	p.w, p.h, p.pad, p.stride = s.W, s.H, pad, s.W+2*pad
	n := p.stride * (s.H + 2*pad)
	if cap(p.pix) < n {
		p.pix = make([]float32, n)
	}
	p.pix = p.pix[:n]
	for y := -pad; y < s.H+pad; y++ {
		src := s.Row(mirror(y, s.H))
		dst := p.pix[p.at(y, -pad) : p.at(y, -pad)+p.stride]
		for x := range dst {
			v := src[mirror(x-pad, s.W)]
			if sq {
				v *= v
			}
			dst[x] = v
		}
	}
}

// mirror reflects i into [0, n) without repeating the edge sample.
func mirror(i, n int) int {
	if n == 1 {
		return 0
	}
	period := 2 * (n - 1)
	i %= period
	if i < 0 {
		i += period
	}
	if i >= n {
		i = period - i
	}
	return i
}

// lutN is the number of nodes of the weight table.
const lutN = 4096

// kernel3 is the 3-D non-local mean: for every pixel, the candidates are the (2R+1)² window
// around it in each of the given slices (its own included), weighted by the similarity of
// the in-slice patches of the guide planes, averaging the value planes. It keeps its
// scratch between calls.
type kernel3 struct {
	pool  par.Pool
	bands []band3
	job   job3
}

type job3 struct {
	dst    *frame.Plane
	cg     *padded
	nb, nv []*padded
	r, f   int
	// weight(ssd) = tab[i] + frac·slope, i = ⌊ssd·scale⌋
	scale float32
	tab   [lutN + 1][2]float32
}

type band3 struct {
	y0, y1   int
	num, den []float32
	hs       []float32 // horizontal patch sums, rows y0−f … y1+f−1
}

type runner3 kernel3

func (k *runner3) RunPart(i int) { k.bands[i].run(&k.job) }

// initLUT sets the table for patches of n samples, σ and h in working units.
func (j *job3) initLUT(n int, sigma, h float64) {
	const tail = 30.0 // exp(−30) is 0
	k := 2 * sigma * sigma / (h * h)
	step := (k + tail) / (lutN - 2)
	j.scale = float32(1 / (float64(n) * step * h * h))
	for i := 0; i < lutN; i++ {
		t := float64(i)*step - k
		j.tab[i][0] = float32(math.Exp(-max(t, 0)))
	}
	j.tab[lutN] = [2]float32{}
	for i := 0; i < lutN; i++ {
		j.tab[i][1] = j.tab[i+1][0] - j.tab[i][0]
	}
}

// run writes into dst the non-local mean over the slices nb (guides) and nv (values); cg is
// the current slice's guide (one of nb).
func (k *kernel3) run(dst *frame.Plane, cg *padded, nb, nv []*padded, p nlm.Params) {
	j := &k.job
	j.dst, j.cg, j.nb, j.nv, j.r, j.f = dst, cg, nb, nv, p.SearchRadius, p.PatchRadius
	if p.H == 0 {
		for ci, g := range nb {
			if g == cg {
				for y := 0; y < dst.H; y++ {
					copy(dst.Row(y), nv[ci].pix[nv[ci].at(y, 0):nv[ci].at(y, 0)+dst.W])
				}
			}
		}
		return
	}
	j.initLUT((2*j.f+1)*(2*j.f+1), p.Sigma/255, p.H/255)
	threads := k.pool.Threads()
	nbnd := min(threads*2, max(1, dst.H/16))
	if cap(k.bands) < nbnd {
		k.bands = make([]band3, nbnd)
	}
	k.bands = k.bands[:nbnd]
	for i := range k.bands {
		b := &k.bands[i]
		b.y0, b.y1 = dst.H*i/nbnd, dst.H*(i+1)/nbnd
		n := (b.y1 - b.y0) * dst.W
		b.num = grow(b.num, n)
		b.den = grow(b.den, n)
		b.hs = grow(b.hs, (b.y1-b.y0+2*j.f)*dst.W)
	}
	k.pool.Run((*runner3)(k), nbnd)
	j.dst, j.cg, j.nb, j.nv = nil, nil, nil, nil
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func (b *band3) run(j *job3) {
	w := j.dst.W
	f, r := j.f, j.r
	box := 2*f + 1
	clear(b.num)
	clear(b.den)
	g := j.cg
	rows := b.y1 - b.y0 + 2*f
	tab := &j.tab
	for ni, nbr := range j.nb {
		val := j.nv[ni]
		for dy := -r; dy <= r; dy++ {
			for dx := -r; dx <= r; dx++ {
				// Horizontal patch sums of the squared differences.
				for ry := 0; ry < rows; ry++ {
					y := b.y0 - f + ry
					a := g.pix[g.at(y, -f) : g.at(y, -f)+w+2*f]
					c := nbr.pix[nbr.at(y+dy, dx-f) : nbr.at(y+dy, dx-f)+w+2*f]
					out := b.hs[ry*w : (ry+1)*w]
					var s float32
					for x := 0; x < box-1; x++ {
						d := a[x] - c[x]
						s += d * d
					}
					for x := range out {
						d := a[x+box-1] - c[x+box-1]
						s += d * d
						out[x] = s
						d = a[x] - c[x]
						s -= d * d
					}
				}
				// Vertical sums, weights, accumulation.
				for y := b.y0; y < b.y1; y++ {
					ry := y - b.y0
					num := b.num[ry*w : (ry+1)*w]
					den := b.den[ry*w : (ry+1)*w]
					v := val.pix[val.at(y+dy, dx) : val.at(y+dy, dx)+w]
					for x := range num {
						var ssd float32
						for k := 0; k < box; k++ {
							ssd += b.hs[(ry+k)*w+x]
						}
						t := max(ssd, 0) * j.scale
						i := min(int(t), lutN)
						e := &tab[i]
						wt := e[0] + (t-float32(i))*e[1]
						num[x] += wt * v[x]
						den[x] += wt
					}
				}
			}
		}
	}
	for y := b.y0; y < b.y1; y++ {
		ry := y - b.y0
		out := j.dst.Row(y)
		num := b.num[ry*w : (ry+1)*w]
		den := b.den[ry*w : (ry+1)*w]
		for x := range out {
			out[x] = num[x] / den[x]
		}
	}
}
