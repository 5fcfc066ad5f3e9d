package impulse

import (
	"github.com/denoise-go/denoise/filter/internal/par"
	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/filter/noise"
	"github.com/denoise-go/denoise/frame"
)

// Refinement replacement: the guide is a denoised estimate, whose patch differences hold
// far less noise than m(y)'s, so the weight's offset is smaller (σ/2) and its h larger (1.2σ);
// tuned on Set12 with 10 % random-valued impulses.
const (
	refineSigma = 0.5
	refineH     = 1.2
)

// Cleaner detects and replaces the impulses of planes. It keeps its scratch between planes
// of one size; it is not safe for concurrent use.
type Cleaner struct {
	opt  Options
	det  detector
	rep  replacer
	rt   residualTest
	orig frame.Plane // y, while refining
	ref  frame.Plane // the leave-one-out estimate
	nl   nlm.PlaneDenoiser
	est  noise.Estimator
	pool par.Pool

	// FoundSaltPepper and FoundRandomValued count the impulses of the last plane: salt and
	// pepper, and the rest of Δ after the last refinement pass.
	FoundSaltPepper, FoundRandomValued int
	byDifference                       int // of them, replaced by replaceByDifference since Detect
	rvPath                             bool
	none                               []bool    // an empty Δ, for verify
	drop                               []int32   // decluster's scratch
	dev, scaleWin                      []float32 // verify's scratch
	blocks, blockSort                  []int32   // busyBlocks' counts
	busy                               []bool
}

// NewCleaner returns a Cleaner with the given options.
func NewCleaner(opt Options) (*Cleaner, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	c := &Cleaner{opt: opt, nl: nlm.PlaneDenoiser{Threads: opt.Threads}, est: noise.Estimator{Method: opt.Estimator}}
	c.pool.SetThreads(opt.Threads)
	return c, nil
}

// Mask returns Δ of the last plane (index y·W+x); the next plane overwrites it.
func (c *Cleaner) Mask() []bool { return c.det.mask }

// Median returns m(y) of the last plane; the next plane overwrites it.
func (c *Cleaner) Median() *frame.Plane {
	c.det.ensureMed()
	return &c.det.med
}

// Detect finds the impulses of p with the median-type detectors (no refinement) and builds
// m(y) (see Mask and Median). It returns the Gaussian σ: the given one, or the estimate with
// the impulses left out.
func (c *Cleaner) Detect(p *frame.Plane) float64 {
	o := &c.opt
	c.det.reset(p, o.MaxRadius)
	c.FoundSaltPepper, c.FoundRandomValued, c.byDifference = 0, 0, 0
	sigma := o.Sigma
	// unmasked: σ was estimated on every sample, as the next estimate would be
	unmasked := false
	if o.Kind != RandomValued {
		lo, hi := extremes(o.Tolerance)
		if sigma == 0 {
			// a first estimate that leaves every extreme sample out
			if c.det.markExtremes(p, lo, hi) == 0 {
				sigma, unmasked = c.est.Estimate(p, nil), true // no mask: the estimator's vector path
			} else {
				sigma = c.est.Estimate(p, c.det.mask)
				clear(c.det.mask)
			}
		}
		// Clipped Gaussian noise is no impulse: at least 2σ from the clean neighbours.
		c.FoundSaltPepper = c.det.saltPepper(p, lo, hi, float32(2*sigma/255), o.MaxRadius)
		c.FoundSaltPepper = c.weakSaltPepper(p, sigma)
		c.FoundSaltPepper = c.declusterSaltPepper(p, lo, hi, float32(sigma/255))
	}
	if o.Sigma == 0 {
		switch {
		case c.FoundSaltPepper > 0 || o.Kind == RandomValued:
			sigma = c.est.Estimate(p, c.det.mask)
		case !unmasked: // nothing flagged: the mask is empty
			sigma = c.est.Estimate(p, nil)
		}
	}
	c.rvPath = o.Kind == RandomValued ||
		o.Kind == Auto && float64(c.FoundSaltPepper) < spShare*float64(p.W*p.H)
	if c.rvPath {
		// Random-valued impulses inflate the estimate, and the thresholds rise with it: detect,
		// estimate with Δ left out, and detect again until σ settles.
		for round := 0; ; round++ {
			medT, roadT := o.MedianDistance, o.ROAD
			if medT == 0 {
				medT = MedianThreshold(sigma)
			}
			if roadT == 0 {
				roadT = ROADThreshold(sigma)
			}
			c.det.clearRandomValued(p)
			c.FoundRandomValued = c.det.randomValued(float32(medT/255), float32(roadT/255), o.ROADSmallest)
			if o.Sigma != 0 {
				break
			}
			s := c.est.Estimate(p, c.det.mask)
			done := round == 4 || s > 0.97*sigma
			sigma = s
			if done {
				break
			}
		}
		c.verify(p, sigma)
		c.FoundRandomValued = c.decluster(p, sigma)
	}
	return sigma
}

// Clean detects the impulses of p and replaces them in place; it returns the Gaussian σ (see
// Detect). When looking for random-valued impulses it then refines Δ: each pass compares the
// original y with a leave-one-out NLM x̂ of the cleaned plane and replaces the new Δ in y with
// non-local means weighted by the patches of x̂.
func (c *Cleaner) Clean(p *frame.Plane) (float64, error) {
	return c.replaceDetected(p, c.Detect(p))
}

// left is how many samples of Δ are still to be replaced since Detect.
func (c *Cleaner) left() int { return c.FoundSaltPepper + c.FoundRandomValued - c.byDifference }

// replaceDetected is Clean after Detect gave sigma (and perhaps crossChannel added to Δ).
func (c *Cleaner) replaceDetected(p *frame.Plane, sigma float64) (float64, error) {
	refine := c.rvPath && c.opt.Refine > 0 &&
		(c.opt.Kind == RandomValued || float64(c.FoundRandomValued) >= rvRefineShare*float64(p.W*p.H))
	if c.left() == 0 && !refine {
		return sigma, nil
	}
	s := max(sigma, 1)
	if refine {
		c.orig.Resize(p.W, p.H)
		c.orig.CopyFrom(p)
	}
	c.det.ensureMed()
	c.rep.setup(&c.det.med, p, c.det.mask, c.opt.replaceParams(s))
	c.rep.replace(&c.pool, p, &c.det.med, c.det.mask)
	if !refine {
		return sigma, nil
	}
	c.ref.Resize(p.W, p.H)
	for range c.opt.Refine {
		rp := c.opt.replaceParams(s)
		rp.Sigma, rp.H = refineSigma*s, refineH*s
		np := nlm.DefaultParams(c.est.Estimate(p, nil))
		np.LeaveOut = true
		if err := c.nl.Denoise(&c.ref, p, np); err != nil {
			return sigma, err
		}
		c.rt.run(c, &c.orig, &c.ref, float32(c.opt.RefineK*s/255), float32(c.opt.LocalK))
		c.rep.setup(&c.ref, &c.orig, c.det.mask, rp)
		p.CopyFrom(&c.orig)
		c.rep.replace(&c.pool, p, &c.ref, c.det.mask)
	}
	n := 0
	for _, m := range c.det.mask {
		if m {
			n++
		}
	}
	c.FoundRandomValued = n - c.FoundSaltPepper
	if c.opt.Sigma == 0 {
		sigma = c.est.Estimate(&c.orig, c.det.mask)
	}
	return sigma, nil
}
