package nlm

import (
	"fmt"

	"github.com/denoise-go/denoise/filter/internal/par"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// Params are the NLM settings of one plane. Sigma and H are on the 0–255 scale whatever the
// bit depth (a sample v in [0,1] reads as v·255).
type Params struct {
	PatchRadius  int     // f: patches are (2f+1)²
	SearchRadius int     // R: candidates are the (2R+1)² pixels around
	H            float64 // filtering strength: weight exp(−max(d²−2σ², 0)/H²)
	Sigma        float64 // noise standard deviation
	// LeaveOut leaves each pixel out of its own mean: a leave-one-out estimate, which an
	// outlier cannot pull towards itself (impulse detection compares pixels with it).
	LeaveOut bool
}

func (p Params) String() string {
	return fmt.Sprintf("patch %dx%d search %dx%d h=%.2f sigma=%.2f",
		2*p.PatchRadius+1, 2*p.PatchRadius+1, 2*p.SearchRadius+1, 2*p.SearchRadius+1, p.H, p.Sigma)
}

func (p Params) validate() error {
	if p.PatchRadius < 0 || p.PatchRadius > 16 || p.SearchRadius < 0 || p.SearchRadius > 64 {
		return fmt.Errorf("nlm: patch radius %d or search radius %d out of range", p.PatchRadius, p.SearchRadius)
	}
	if p.H < 0 || p.Sigma < 0 {
		return fmt.Errorf("nlm: negative h %g or sigma %g", p.H, p.Sigma)
	}
	return nil
}

// PlaneDenoiser runs NLM on planes, splitting each into horizontal bands processed by
// Threads goroutines. It keeps its padded copies, band scratch and helper goroutines between
// calls (reallocated only when the plane size or the radii grow), so the steady state does
// not allocate. It is not safe for concurrent use.
type PlaneDenoiser struct {
	// Threads is how many goroutines work on one plane; ≤ 1 runs on the caller's.
	Threads int

	job   job
	bands []band
	pool  par.Pool
}

// job is what every band of one call shares.
type job struct {
	g, v   *padded
	gp, vp padded
	wt     dsp.NLMWeight
	r, f   int
}

// bandRunner runs band i of the current call for the pool.
type bandRunner PlaneDenoiser

func (d *bandRunner) RunPart(i int) {
	j := &d.job
	d.bands[i].run(j.g, j.v, j.wt, j.r, j.f)
}

// minBandRows keeps bands tall enough that the rows each offset primes (2f) and revisits
// (up to R above the band) stay a small share of the work.
const minBandRows = 48

// Denoise writes the NLM estimate of src into dst (same size; dst may be src).
func (d *PlaneDenoiser) Denoise(dst, src *frame.Plane, p Params) error {
	return d.DenoiseGuided(dst, src, src, p)
}

// DenoiseGuided writes into dst the non-local means of the values of src with weights from
// the patches of guide (all the same size; dst may be src or guide). p.Sigma is the noise
// of the guide's patch differences.
func (d *PlaneDenoiser) DenoiseGuided(dst, guide, src *frame.Plane, p Params) error {
	if err := p.validate(); err != nil {
		return err
	}
	if dst.W != src.W || dst.H != src.H || guide.W != src.W || guide.H != src.H {
		return fmt.Errorf("nlm: plane sizes differ: %dx%d, %dx%d and %dx%d", dst.W, dst.H, guide.W, guide.H, src.W, src.H)
	}
	if p.H == 0 || src.W == 0 || src.H == 0 || p.SearchRadius == 0 {
		if dst != src {
			dst.CopyFrom(src)
		}
		return nil
	}
	j := &d.job
	j.r, j.f = p.SearchRadius, p.PatchRadius
	w, h := src.W, src.H
	pad := j.r + j.f
	j.g, j.v = &j.gp, &j.gp
	j.gp.resize(w, h, pad)
	j.gp.fill(guide)
	if guide != src {
		j.v = &j.vp
		j.vp.resize(w, h, pad)
		j.vp.fill(src)
	}
	j.wt = dsp.NewNLMWeight((2*j.f+1)*(2*j.f+1), p.Sigma/255, p.H/255)

	threads := max(1, d.Threads)
	nb := min(threads, max(1, h/minBandRows))
	if cap(d.bands) < nb {
		d.bands = make([]band, nb)
	}
	d.bands = d.bands[:nb]
	for i := range d.bands {
		d.bands[i].resize(h*i/nb, h*(i+1)/nb, w, j.r, j.f)
	}
	d.pool.SetThreads(threads)
	d.pool.Run((*bandRunner)(d), nb)
	for i := range d.bands {
		d.bands[i].finish(dst, j.v, j.r, p.LeaveOut)
	}
	return nil
}
