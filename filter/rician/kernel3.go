package rician

import (
	"github.com/denoise-go/denoise/filter/internal/par"
	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
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
	dsp.PadPlane(p.pix, p.stride, pad, s.Pix, s.Stride, s.W, s.H)
	if sq {
		dsp.NLMSquareRow(p.pix, p.pix)
	}
}

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
	wt     dsp.NLMWeight
}

type band3 struct {
	y0, y1    int
	num, den  []float32
	col, ring []float32 // running column sums of squared differences and their rows
}

// syncEvery is how many rows the running column sums go between resyncs from their ring.
const syncEvery = 32

type runner3 kernel3

func (k *runner3) RunPart(i int) { k.bands[i].run(&k.job) }

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
	j.wt = dsp.NewNLMWeight((2*j.f+1)*(2*j.f+1), p.Sigma/255, p.H/255)
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
		b.col = grow(b.col, dst.W+2*j.f)
		b.ring = grow(b.ring, (2*j.f+1)*(dst.W+2*j.f))
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
	cn := w + 2*f // column sums for x in [−f, w+f)
	clear(b.num)
	clear(b.den)
	g := j.cg
	col, ring := b.col[:cn], b.ring[:box*cn]
	for ni, nbr := range j.nb {
		val := j.nv[ni]
		for dy := -r; dy <= r; dy++ {
			for dx := -r; dx <= r; dx++ {
				// Prime the column sums with rows y0−f … y0+f−1, a zero slot for the row
				// that leaves first.
				clear(col)
				slot := 0
				for y := b.y0 - f; y < b.y0+f; y++ {
					dsp.NLMAddCols(col, ring[slot*cn:slot*cn+cn], g.pix[g.at(y, -f):], nbr.pix[nbr.at(y+dy, dx-f):])
					slot++
				}
				clear(ring[slot*cn : slot*cn+cn])
				for y := b.y0; y < b.y1; y++ {
					dsp.NLMUpdateCols(col, ring[slot*cn:slot*cn+cn], g.pix[g.at(y+f, -f):], nbr.pix[nbr.at(y+f+dy, dx-f):])
					if slot++; slot == box {
						slot = 0
					}
					if (y-b.y0)%syncEvery == syncEvery-1 {
						dsp.NLMSumCols(col, ring, cn, box)
					}
					ry := y - b.y0
					dsp.NLMCrossRow(j.wt, col, box, val.pix[val.at(y+dy, dx):val.at(y+dy, dx)+w],
						b.den[ry*w:(ry+1)*w], b.num[ry*w:(ry+1)*w])
				}
			}
		}
	}
	for y := b.y0; y < b.y1; y++ {
		ry := y - b.y0
		dsp.NLMDivRow(j.dst.Row(y), b.num[ry*w:(ry+1)*w], b.den[ry*w:(ry+1)*w])
	}
}
