package impulse

import (
	"fmt"

	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/frame"
)

// Filter detects and replaces impulses in whole frames, optionally followed by NLM of the
// cleaned frame (NewWithNLM). It owns its scratch: one Filter per goroutine.
type Filter struct {
	c   *Cleaner
	nl  *nlm.Filter // nil without NLM
	opt Options
	// sigmas is the σ of each colour plane of the frame in hand, for OnSigmas.
	sigmas []float64
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

// Cleaner returns the filter's cleaner (its Mask and counts describe the last plane).
func (f *Filter) Cleaner() *Cleaner { return f.c }

// Process cleans every colour plane of in in place (an alpha plane passes through) and
// returns in.
func (f *Filter) Process(in *frame.Frame) (*frame.Frame, error) {
	n := in.Format.NumPlanes()
	if in.Format.Alpha {
		n--
	}
	for i := 0; i < n; i++ {
		p := &in.Planes[i]
		sigma, err := f.c.Clean(p)
		if err != nil {
			return nil, fmt.Errorf("impulse: frame %d plane %d (%dx%d): %w", in.Index, i, p.W, p.H, err)
		}
		if i == 0 && f.opt.OnSigma != nil {
			f.opt.OnSigma(in.Index, sigma)
		}
		if f.opt.OnSigmas != nil {
			f.sigmas = append(f.sigmas[:min(i, len(f.sigmas))], sigma)
		}
	}
	if f.opt.OnSigmas != nil {
		f.opt.OnSigmas(in.Index, in.Format.Layout, f.sigmas[:n])
	}
	if f.nl != nil {
		return f.nl.Process(in)
	}
	return in, nil
}
