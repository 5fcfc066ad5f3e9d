// Package impulse removes impulse noise mixed with Gaussian noise, after "A mathematical
// model of image with mixed noises": detect the impulses Δ with median-type filters, build
// m(y) (the image with Δ replaced by neighbourhood medians), then give each pixel of Δ a
// non-local mean whose weights come from patches of m(y); pixels outside Δ keep y.
//
// Salt and pepper is a sample at the format's extremes that an adaptive median confirms.
// Random-valued impulses are found in two steps: a median-type detector (distance to the 3×3
// median, gated by the ROAD statistic), then refinement passes that compare every pixel with
// a leave-one-out non-local mean of the cleaned plane against a locally robust scale. In
// between, candidates that the picture itself explains — fine detail, which a median-type
// detector cannot tell from impulses — are taken back out (verify.go), and so is rare salt
// and pepper beside a like extreme.
package impulse

import (
	"fmt"

	"github.com/denoise-go/denoise/filter/nlm"
	"github.com/denoise-go/denoise/filter/noise"
	"github.com/denoise-go/denoise/frame"
)

// Kind says which impulses to look for.
type Kind int

const (
	// Auto looks for salt and pepper and, unless it finds plenty (≥ 1 % of the plane),
	// for random-valued impulses.
	Auto Kind = iota
	// SaltPepper looks only for samples at the format's extremes.
	SaltPepper
	// RandomValued looks only for samples that stand out of their neighbourhood.
	RandomValued
)

func (k Kind) String() string {
	switch k {
	case Auto:
		return "auto"
	case SaltPepper:
		return "salt-and-pepper"
	case RandomValued:
		return "random-valued"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Options configure impulse detection and replacement. Zero values pick the defaults; every
// sigma, h and threshold is on the 0–255 scale whatever the bit depth.
type Options struct {
	Kind Kind
	// Sigma is the standard deviation of the Gaussian part of the noise; 0 estimates it per
	// frame and plane with the impulses left out.
	Sigma float64
	// Tolerance is how close to 0 or to the maximum a sample must be to count as salt or
	// pepper (default 0.5: the extreme codes of 8-bit data, a few codes of deeper data).
	Tolerance float64
	// MaxRadius bounds the adaptive median's window at (2·MaxRadius+1)² (default 3).
	MaxRadius int
	// MedianDistance and ROAD are the thresholds of the first random-valued detector:
	// |y − 3×3 median| > MedianDistance and ROAD_m > ROAD (0 picks MedianThreshold(σ) and
	// ROADThreshold(σ)). ROADSmallest is m, the number of smallest neighbour differences the
	// ROAD statistic sums (default 2; Garnett et al.'s ROAD uses 4, which flags every pixel
	// of a thin line, since a line pixel has only two neighbours like it).
	MedianDistance, ROAD float64
	ROADSmallest         int
	// Refine is the number of refinement passes of random-valued detection (0: the default
	// 2; negative: none). Each compares y with a leave-one-out NLM of the cleaned plane x̂:
	// Δ = {|y − x̂| > max(RefineK·σ, LocalK·s)}, s = 1.4826·median of |y − x̂| over the 5×5
	// window, so that detail the NLM blurs does not read as impulses (defaults 2.5 and 3).
	Refine          int
	RefineK, LocalK float64
	// PatchRadius, SearchRadius and H set the non-local means that replace Δ (0 picks
	// ReplaceParams(σ)).
	PatchRadius, SearchRadius int
	H                         float64
	// Threads is how many goroutines share one frame.
	Threads int
	// Estimator is the noise estimator used when Sigma is 0.
	Estimator noise.Method
	// OnSigma, when set, is called for every frame with its index and the Gaussian σ of its
	// first plane (given, or estimated with the impulses left out).
	OnSigma func(index int64, sigma float64)
	// OnSigmas, when set, is called for every frame with its index, layout and the Gaussian
	// σ of each colour plane (Y, U, V; R, G, B; gray), after OnSigma; the slice is only
	// valid during the call.
	OnSigmas func(index int64, layout frame.Layout, sigmas []float64)
}

// MedianThreshold is the default threshold on |y − 3×3 median| for Gaussian noise of σ. Below
// σ = 10 a floor keeps fine texture, which departs from its median by tens of codes, from
// reading as impulses; impulses that close to the truth cost little when left.
func MedianThreshold(sigma float64) float64 { return max(4*sigma, medianFloor) }

// ROADThreshold is the default threshold on ROAD₂ for Gaussian noise of σ (floored likewise).
func ROADThreshold(sigma float64) float64 { return max(3*sigma, roadFloor) }

// The thresholds' floors in 8-bit codes.
const medianFloor, roadFloor = 40, 30

// ReplaceParams are the default parameters of the non-local mean that replaces Δ.
func ReplaceParams(sigma float64) nlm.Params {
	return nlm.Params{PatchRadius: 2, SearchRadius: 5, H: 1.5 * sigma, Sigma: sigma}
}

// spShare is the share of salt and pepper above which Auto looks no further.
const spShare = 0.01

// rvRefineShare is the share of random-valued impulses the first detection must find for
// the refinement passes to run: on Gaussian noise alone the first detection finds a few
// outliers (≤ 0.15 % of Set12's pixels at σ = 25, 0.5 % at σ = 15) and the refinement,
// comparing with a leave-one-out NLM, would add fine detail to them.
const rvRefineShare = 0.006

func (o Options) withDefaults() Options {
	if o.Tolerance == 0 {
		o.Tolerance = 0.5
	}
	if o.MaxRadius == 0 {
		o.MaxRadius = 3
	}
	if o.ROADSmallest == 0 {
		o.ROADSmallest = 2
	}
	if o.Refine == 0 {
		o.Refine = 2
	}
	if o.RefineK == 0 {
		o.RefineK = 2.5
	}
	if o.LocalK == 0 {
		o.LocalK = 3
	}
	return o
}

func (o Options) validate() error {
	if o.Sigma < 0 || o.Tolerance < 0 || o.MaxRadius < 0 || o.MaxRadius > 10 || o.ROAD < 0 ||
		o.MedianDistance < 0 || o.ROADSmallest < 0 || o.ROADSmallest > 8 || o.RefineK < 0 ||
		o.LocalK < 0 || o.PatchRadius < 0 || o.PatchRadius > maxPatchRadius || o.SearchRadius < 0 ||
		o.SearchRadius > 20 || o.H < 0 {
		return fmt.Errorf("impulse: option out of range in %+v", o)
	}
	if o.Kind < Auto || o.Kind > RandomValued {
		return fmt.Errorf("impulse: unknown kind %d", o.Kind)
	}
	return nil
}

func (o Options) replaceParams(sigma float64) nlm.Params {
	p := ReplaceParams(sigma)
	if o.PatchRadius > 0 {
		p.PatchRadius = o.PatchRadius
	}
	if o.SearchRadius > 0 {
		p.SearchRadius = o.SearchRadius
	}
	if o.H > 0 {
		p.H = o.H
	}
	return p
}
