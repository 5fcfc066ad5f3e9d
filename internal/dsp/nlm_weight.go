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

// The constants of NLMExpNeg: Cephes' expf (range reduction by ln 2 split in two, then
// 1 + r + r²·p(r) on [−ln2/2, ln2/2]) with its highest term (≈2e-4·r⁷ ≤ 1.2e-7) dropped, one
// FMA less in the vector kernels; relative error below 3e-7 (TestNLMExpNeg), where the
// weights need about 1e-5.
const (
	expLog2e = 1.44269504088896341
	// expMagic (1.5·2²³) added to a float32 rounds it to an integer n held in the low
	// mantissa bits: the bits of n + expMagic are 0x4B400000 + n.
	expMagic = 12582912
	expC1    = 0.693359375
	expC2    = -2.12194440e-4
	expP1    = 1.3981999507e-3
	expP2    = 8.3334519073e-3
	expP3    = 4.1665795894e-2
	expP4    = 1.6666665459e-1
	expP5    = 5.0000001201e-1
)

// NLMExpNeg returns exp(−t) for 0 ≤ t ≤ NLMTail, computed as the fast kernels do: n =
// round(−t·log₂e) by the magic-number addition (no float–integer conversion), r = −t − n·ln2,
// a polynomial in r, times 2ⁿ built from n's bits.
func NLMExpNeg(t float32) float32 {
	x := -t
	v := float32(x*expLog2e) + expMagic
	n := v - expMagic
	x = x - n*expC1
	x = x - n*expC2
	p := float32(expP1)
	p = p*x + expP2
	p = p*x + expP3
	p = p*x + expP4
	p = p*x + expP5
	y := p*(x*x) + x + 1
	// 2ⁿ: the exponent field n+127; (0x4B400000 + n + 127) << 23 drops the magic's bits.
	return y * math.Float32frombits((math.Float32bits(v)+127)<<23)
}
