package dsp

import "math"

// NLMTail is where the NLM weight ends: a candidate whose exponent t = max(d²−2σ², 0)/h²
// reaches it gets weight 0 (exp(−30) ≈ 1e-13 would change no mean, and a leave-one-out
// mean with no candidate left keeps the pixel).
const NLMTail = 30

// nlmTail2 is NLMTail in the base-2 units the kernels compute in.
const nlmTail2 = NLMTail * expLog2e

// NLMWeight holds the constants of the non-local means weight of a patch SSD (the sum of the
// squared differences of n samples): A·2^(−u), u = max(SSD·Scale − K, 0), and 0 where u
// reaches NLMTail·log₂e. With Scale = log₂e/(n·h²) and K = log₂e·2σ²/h² (NewNLMWeight) this is
// IPOL's exp(−max(d²−2σ², 0)/h²), d² = SSD/n: base 2 takes the range reduction one
// multiplication and no correction term. The kernels compute the power (NLMExp2Neg), not a
// table: a table lookup is a gather, which AVX2 does slowly.
type NLMWeight struct {
	Scale, K, A float32
}

// NewNLMWeight returns the weight for patches of n samples, σ and h in working units
// (h > 0).
func NewNLMWeight(n int, sigma, h float64) NLMWeight {
	return NLMWeight{
		Scale: float32(expLog2e / (float64(n) * h * h)),
		K:     float32(expLog2e * 2 * sigma * sigma / (h * h)),
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
	u := max(ssd*w.Scale-w.K, 0)
	if !(u < nlmTail2) {
		return 0
	}
	return w.A * NLMExp2Neg(u)
}

// The constants of NLMExp2Neg: 2^g = 1 + g·(c1 + g·(c2 + … + g·c6)) on [−½, ½], the Taylor
// terms (ln 2)^k/k!; the first term left out, (ln2·½)⁷/7!, is 1.2e-7 of the result.
const (
	expLog2e = 1.44269504088896341
	// expMagic (1.5·2²³) added to a float32 rounds it to an integer n held in the low
	// mantissa bits: the bits of n + expMagic are 0x4B400000 + n.
	expMagic = 12582912
	exp2C1   = 0.6931471805599453
	exp2C2   = 0.2402265069591007
	exp2C3   = 0.05550410866482158
	exp2C4   = 0.009618129107628477
	exp2C5   = 0.0013333558146428443
	exp2C6   = 0.00015403530393381608
)

// NLMExp2Neg returns 2^(−u) for 0 ≤ u ≤ NLMTail·log₂e, computed as the fast kernels do: n =
// round(u) by the magic-number addition (no float–integer conversion), g = n − u in
// [−½, ½], a polynomial for 2^g, times 2^(−n) built from n's bits. Relative error below
// 3e-7 (TestNLMExp2Neg).
func NLMExp2Neg(u float32) float32 {
	v := u + expMagic
	n := v - expMagic
	g := n - u
	q := float32(exp2C6)
	q = q*g + exp2C5
	q = q*g + exp2C4
	q = q*g + exp2C3
	q = q*g + exp2C2
	q = q*g + exp2C1
	q = q*g + 1
	// 2^(−n): the exponent field 127−n; (127 − 0x4B400000 − n) << 23 drops the magic's bits.
	return q * math.Float32frombits((127-math.Float32bits(v))<<23)
}
