package impulse

import (
	"fmt"

	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/frame"
)

// Filter detects and replaces impulses in whole frames, optionally followed by NLM of the
// cleaned frame (NewWithNLM). It owns its scratch: one Filter per goroutine.
type Filter struct {
	c     *Cleaner
	rgb   [2]*Cleaner // the G and B planes' of an RGB frame (made on the first): see processRGB
	ds    diffScratch
	masks [3][]bool   // processRGB's copies of Δ
	nl    *nlm.Filter // nil without NLM
	opt   Options
	// sigmas is the σ of each colour plane of the frame in hand, for OnSigmas.
	sigmas []float64
}

// Close ends the helper goroutines of the filter's cleaners now rather than when they are
// garbage (the pipeline closes its filters when a run ends).
func (f *Filter) Close() error {
	for _, c := range append([]*Cleaner{f.c}, f.rgb[:]...) {
		if c != nil {
			c.pool.Close()
		}
	}
	return nil
}

// New returns a filter that replaces impulses.
func New(opt Options) (*Filter, error) {
	c, err := NewCleaner(opt)
	if err != nil {
		return nil, err
	}
	return &Filter{c: c, opt: opt}, nil
}

// NewWithNLM returns a filter that replaces impulses, then runs NLM with nlmOpt.
// When nlmOpt.Sigma is 0 the NLM estimates σ on the cleaned planes; Threads and Estimator
// default to opt's.
func NewWithNLM(opt Options, nlmOpt nlm.Options) (*Filter, error) {
	f, err := New(opt)
	if err != nil {
		return nil, err
	}
	if nlmOpt.Threads == 0 {
		nlmOpt.Threads = opt.Threads
	}
	if nlmOpt.Estimator == 0 {
		nlmOpt.Estimator = opt.Estimator
	}
	if f.nl, err = nlm.New(nlmOpt); err != nil {
		return nil, err
	}
	return f, nil
}

// WithNLM reports whether NLM follows the impulse replacement.
func (f *Filter) WithNLM() bool { return f.nl != nil }

// Cleaner returns the filter's cleaner (its Mask and counts describe the last plane; for an
// RGB frame the R plane, whose Mask then lacks the samples replaced through a colour
// difference).
func (f *Filter) Cleaner() *Cleaner { return f.c }

// Process cleans every colour plane of in in place (an alpha plane passes through) and
// returns in.
func (f *Filter) Process(in *frame.Frame) (*frame.Frame, error) {
	n := in.Format.NumPlanes()
	if in.Format.Alpha {
		n--
	}
	f.sigmas = f.sigmas[:0]
	if in.Format.Layout == frame.RGB && f.opt.Kind != RandomValued {
		if err := f.processRGB(in); err != nil {
			return nil, err
		}
	} else {
		for i := 0; i < n; i++ {
			p := &in.Planes[i]
			sigma, err := f.c.Clean(p)
			if err != nil {
				return nil, planeError(in, i, err)
			}
			f.sigmas = append(f.sigmas, sigma)
		}
	}
	if f.opt.OnSigma != nil {
		f.opt.OnSigma(in.Index, f.sigmas[0])
	}
	if f.opt.OnSigmas != nil {
		f.opt.OnSigmas(in.Index, in.Format.Layout, f.sigmas[:n])
	}
	if f.nl != nil {
		return f.nl.Process(in)
	}
	return in, nil
}

// planeError names the frame and plane i of in that err came from.
func planeError(in *frame.Frame, i int, err error) error {
	p := &in.Planes[i]
	return fmt.Errorf("impulse: frame %d plane %d (%dx%d): %w", in.Index, i, p.W, p.H, err)
}

// processRGB cleans the colour planes of an RGB frame: each plane's impulses are detected on
// their own, then crossChannel flags the salt and pepper a plane's own tests let pass but the
// other channels give away; the samples of Δ whose pixel has a clean sample in another
// channel that moves with this one there are replaced through the colour difference
// (replaceByDifference), and the rest of Δ as in a gray plane. Each plane's σ goes to
// f.sigmas.
func (f *Filter) processRGB(in *frame.Frame) error {
	if f.rgb[0] == nil {
		for i := range f.rgb {
			c, err := NewCleaner(f.opt)
			if err != nil {
				return err
			}
			f.rgb[i] = c
		}
	}
	cs := [3]*Cleaner{f.c, f.rgb[0], f.rgb[1]}
	var sig [3]float64
	for i, c := range cs {
		sig[i] = c.Detect(&in.Planes[i])
	}
	crossChannel(cs, in, sig)
	// Δ of every plane before any is replaced: where a plane serves as another's reference,
	// its flagged samples (replaced or not yet) must not count as clean.
	for i, c := range cs {
		f.masks[i] = append(f.masks[i][:0], c.det.mask...)
	}
	lo, hi := extremes(f.opt.Tolerance)
	for i, c := range cs {
		if c.rvPath {
			continue
		}
		for _, b := range [2]int{(i + 1) % 3, (i + 2) % 3} {
			c.replaceByDifference(&f.ds, &in.Planes[i], &in.Planes[b], f.masks[i], f.masks[b], sig[i], lo, hi)
		}
	}
	for i, c := range cs {
		sigma, err := c.replaceDetected(&in.Planes[i], sig[i])
		if err != nil {
			return planeError(in, i, err)
		}
		f.sigmas = append(f.sigmas, sigma)
	}
	return nil
}
