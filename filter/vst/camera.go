package vst

import (
	"fmt"
	"math"
)

// Camera is a Poisson-Gaussian model in the terms of a camera's data sheet, in ADU (the
// data's code values): the gain, the offset (camera bias: the mean of a photon-free pixel)
// and the read noise (its standard deviation).
//
// A fit of variance against mean gives the gain α and the intercept B = σ² − α·g only: a
// larger offset g with a larger read noise σ gives the same line, so the two are not
// separable from it. What bounds them is the data's darkest level D: every level holds
// λ ≥ 0 photo-electrons, so g ≤ D and σ² = B + α·g ≤ B + α·D, and σ² ≥ 0 gives g ≥ −B/α.
// Where the darkest level is free of photons (a background with no fluorescence, a dark
// frame), the bounds are the values: g = D and σ = √(B + α·D), the noise measured there.
type Camera struct {
	Gain      float64 // α, ADU per photo-electron
	Intercept float64 // B = σ² − α·g, ADU²
	// Dark is the darkest level of the data in the fit (ADU); NaN when unknown.
	Dark float64
	// Offset and ReadNoise are the model's when Given; otherwise their upper bounds, the
	// split that takes the darkest level as photon-free (NaN without Dark).
	Offset, ReadNoise float64
	Given             bool
}

// Camera is the data-sheet reading of parameters given as such.
func (p Params) Camera() Camera {
	return Camera{Gain: p.Alpha, Intercept: p.B(), Dark: math.NaN(), Offset: p.Offset, ReadNoise: p.Sigma, Given: true}
}

// darkZ: level sets whose mean is within this many standard errors of a local mean above the
// darkest one belong to the darkest level. Sorting pixels by their local mean and cutting the
// list into level sets puts the pixels of one flat background whose local means came out low
// into the first set: its mean alone is biased low (by 8 ADU, two standard errors, for the
// background of TestCameraReport); pooling the sets of the same level leaves about 1.
const darkZ = 3

// Camera is the data-sheet reading of the fit: the gain, and the offset and read noise
// bounded by the darkest level the fit used (see Camera).
func (f Fit) Camera() Camera {
	c := Camera{Gain: f.A, Intercept: f.B, Dark: math.NaN(), Offset: math.NaN(), ReadNoise: math.NaN()}
	d0 := math.Inf(1)
	for _, bn := range f.Bins {
		if bn.Used {
			d0 = min(d0, bn.Mean)
		}
	}
	if math.IsInf(d0, 1) || !(f.A > 0) {
		return c
	}
	// The standard error of a local mean of white noise of the variance at d0.
	se := math.Sqrt(max(f.A*d0+f.B, 0)) / (2*meanRadius + 1)
	var sum float64
	n := 0
	for _, bn := range f.Bins {
		if bn.Used && bn.Mean <= d0+darkZ*se {
			sum += bn.Mean * float64(bn.N)
			n += bn.N
		}
	}
	c.Dark = sum / float64(n)
	c.Offset = c.Dark
	c.ReadNoise = math.Sqrt(max(f.B+f.A*c.Dark, 0))
	return c
}

// String reports the gain both ways round, and the offset and read noise with what bounds
// them.
func (c Camera) String() string {
	gain := fmt.Sprintf("gain=%.3g ADU/e- (%.3g e-/ADU)", c.Gain, 1/c.Gain)
	if c.Given {
		return fmt.Sprintf("%s, offset=%.4g ADU, read noise=%.3g ADU rms (given)", gain, c.Offset, c.ReadNoise)
	}
	split := fmt.Sprintf("the fit fixes only read noise² − gain·offset = %.4g ADU²", c.Intercept)
	if math.IsNaN(c.Dark) {
		return fmt.Sprintf("%s, offset and read noise unknown (not separable: %s)", gain, split)
	}
	floor := ""
	switch lo := -c.Intercept / c.Gain; {
	case lo >= c.Dark:
	case lo >= 0:
		floor = fmt.Sprintf(", down to read noise 0 at offset %.4g ADU", lo)
	case c.Dark > 0: // a camera's bias is not negative
		floor = fmt.Sprintf(", down to read noise %.3g ADU rms at offset 0", math.Sqrt(c.Intercept))
	}
	return fmt.Sprintf("%s, offset=%.4g ADU, read noise=%.3g ADU rms, if the darkest level (%.4g ADU) holds no "+
		"photons (not separable: %s; photons there lower both%s)", gain, c.Offset, c.ReadNoise, c.Dark, split, floor)
}
