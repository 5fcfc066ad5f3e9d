package dsp

import "math"

// NLMTail is where the NLM weight ends: a candidate whose exponent t = max(d²−2σ², 0)/h²
// reaches it gets weight 0 (exp(−30) ≈ 1e-13 would change no mean, and a leave-one-out
// mean with no candidate left keeps the pixel).
const NLMTail = 30

// NLMWeight holds the constants of the non-local means weight of a patch SSD (the sum of the
// squared differences of n samples): A·exp(−t), t = max(SSD·Scale − K, 0), and 0 where
// t ≥ NLMTail. With Scale = 1/(n·h²) and K = 2σ²/h² this is IPOL's exp(−max(d²−2σ², 0)/h²),
// d² = SSD/n. The kernels compute the exponential (NLMExpNeg), not a table: a table lookup
// is a gather, which AVX2 does slowly.
type NLMWeight struct {
	Scale, K, A float32
}

// NewNLMWeight returns the weight for patches of n samples, σ and h in working units
// (h > 0).
func NewNLMWeight(n int, sigma, h float64) NLMWeight {
	return NLMWeight{
		Scale: float32(1 / (float64(n) * h * h)),
		K:     float32(2 * sigma * sigma / (h * h)),
		A:     1,
	}
}

// Scaled returns the weight multiplied by a.
func (w NLMWeight) Scaled(a float32) NLMWeight {
	w.A *= a
	return w
}

// Of returns the weight of a patch SSD.
func (w NLMWeight) Of(ssd float32) float32 {
	t := max(ssd*w.Scale-w.K, 0)
	if !(t < NLMTail) {
		return 0
	}
	return w.A * NLMExpNeg(t)
}

// The constants of NLMExpNeg: Cephes' expf (range reduction by ln 2 split in two, a degree-6
// polynomial on [−ln2/2, ln2/2]); relative error about 2e-7.
const (
	expLog2e = 1.44269504088896341
	expC1    = 0.693359375
	expC2    = -2.12194440e-4
	expP0    = 1.9875691500e-4
	expP1    = 1.3981999507e-3
	expP2    = 8.3334519073e-3
	expP3    = 4.1665795894e-2
	expP4    = 1.6666665459e-1
	expP5    = 5.0000001201e-1
)

// NLMExpNeg returns exp(−t) for 0 ≤ t ≤ NLMTail, computed as the fast kernels do.
func NLMExpNeg(t float32) float32 {
	x := -t
	// n = round(x·log₂e): the +64 keeps the truncation a floor.
	n := float32(int32(x*expLog2e+64.5) - 64)
	x = x - n*expC1
	x = x - n*expC2
	p := float32(expP0)
	p = p*x + expP1
	p = p*x + expP2
	p = p*x + expP3
	p = p*x + expP4
	p = p*x + expP5
	y := p*(x*x) + x + 1
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}
