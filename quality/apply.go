package quality

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/denoise-go/denoise/frame"
)

// streamBase is the PCG stream of plane 0; plane i draws from stream streamBase+i.
const streamBase = 0x6e6f697365 // "noise"

// Apply adds the noise to the colour planes of f in place (alpha is left alone), in
// code values of f.Format.BitDepth: each working-format sample v becomes the code
// v·(2^bitDepth − 1), is noised, rounded and clipped as n says, and is scaled back.
// The result depends only on n, the samples and seed: plane i draws from PCG(seed,
// stream i) of math/rand/v2, samples in row order. It returns, when n has impulsive
// components, a mask per plane (W·H, row-major, nil for alpha) of the samples an
// impulse replaced; otherwise nil. It panics if n is invalid or the bit depth is
// outside 1..16.
func (n Noise) Apply(f *frame.Frame, seed int64) [][]bool {
	np := colourPlanes(f)
	var masks [][]bool
	if n.HasImpulses() {
		masks = make([][]bool, len(f.Planes))
	}
	for i := range np {
		m := n.applyPlane(&f.Planes[i], f.Format.BitDepth, newRand(seed, i))
		if masks != nil {
			masks[i] = m
		}
	}
	return masks
}

// ApplyPlane is Apply for one working-format plane of the given bit depth, drawing as
// plane 0 of a frame does: for a gray frame, Apply and ApplyPlane agree.
func (n Noise) ApplyPlane(p *frame.Plane, bitDepth int, seed int64) []bool {
	return n.applyPlane(p, bitDepth, newRand(seed, 0))
}

// ApplyCodes is ApplyPlane for samples given as code values (0..2^bitDepth − 1) in
// float64, modified in place; it draws the same numbers as ApplyPlane on a plane of
// len(x) samples.
func (n Noise) ApplyCodes(x []float64, bitDepth int, seed int64) []bool {
	ap := n.prepare(bitDepth)
	rng := newRand(seed, 0)
	var mask []bool
	if ap.impulses {
		mask = make([]bool, len(x))
	}
	for i, v := range x {
		var hit bool
		x[i], hit = ap.sample(v, rng)
		if hit {
			mask[i] = true
		}
	}
	return mask
}

func newRand(seed int64, plane int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), streamBase+uint64(plane)))
}

func (n Noise) applyPlane(p *frame.Plane, bitDepth int, rng *rand.Rand) []bool {
	ap := n.prepare(bitDepth)
	var mask []bool
	if ap.impulses {
		mask = make([]bool, p.W*p.H)
	}
	inv := 1 / ap.max
	for y := 0; y < p.H; y++ {
		row := p.Row(y)
		for x, v := range row {
			z, hit := ap.sample(float64(v)*ap.max, rng)
			row[x] = float32(z * inv)
			if hit {
				mask[y*p.W+x] = true
			}
		}
	}
	return mask
}

// applier is a Noise with its parameters scaled to one bit depth's code values.
type applier struct {
	parts       []Component
	max         float64 // largest code
	maxInt      int
	round, clip bool
	impulses    bool
}

func (n Noise) prepare(bitDepth int) applier {
	if bitDepth < 1 || bitDepth > 16 {
		panic(fmt.Sprintf("quality: noise on bit depth %d (want 1..16)", bitDepth))
	}
	if err := n.Validate(); err != nil {
		panic(err)
	}
	maxInt := 1<<bitDepth - 1
	a := applier{max: float64(maxInt), maxInt: maxInt, round: !n.NoRound, clip: !n.NoClip,
		impulses: n.HasImpulses()}
	s := 1.0
	if !n.Native {
		s = a.max / 255
	}
	a.parts = make([]Component, len(n.Parts))
	for i, c := range n.Parts {
		c.Sigma *= s
		c.Gain *= s
		a.parts[i] = c
	}
	return a
}

// sample returns the noisy code for code v and whether an impulse replaced it.
func (a *applier) sample(v float64, rng *rand.Rand) (float64, bool) {
	hit := false
	for i := range a.parts {
		c := &a.parts[i]
		switch c.Kind {
		case AWGN:
			v += c.Sigma * rng.NormFloat64()
		case PoissonGaussian:
			v = c.Gain*float64(poisson(rng, max(v, 0)/c.Gain)) + c.Sigma*rng.NormFloat64()
		case Rician:
			n1, n2 := c.Sigma*rng.NormFloat64(), c.Sigma*rng.NormFloat64()
			v = math.Hypot(v+n1, n2)
		case SaltPepper:
			if rng.Float64() < c.P {
				hit = true
				v = 0
				if rng.Uint64()&1 != 0 {
					v = a.max
				}
			}
		case RandomImpulse:
			if rng.Float64() < c.P {
				hit = true
				v = float64(rng.IntN(a.maxInt + 1))
			}
		}
	}
	if a.round {
		v = math.RoundToEven(v) // numpy's np.round
	}
	if a.clip {
		v = min(max(v, 0), a.max)
	}
	return v, hit
}

// poisson draws from Poisson(lam) as numpy's Generator.poisson does: the
// multiplication method below 10, Hörmann's PTRS transformed rejection above.
func poisson(rng *rand.Rand, lam float64) int64 {
	if lam >= 10 {
		return poissonPTRS(rng, lam)
	}
	if lam == 0 {
		return 0
	}
	enlam := math.Exp(-lam)
	var k int64
	prod := 1.0
	for {
		prod *= rng.Float64()
		if prod <= enlam {
			return k
		}
		k++
	}
}

// poissonPTRS is W. Hörmann, "The transformed rejection method for generating Poisson
// random variables", Insurance: Mathematics and Economics 12 (1993), as in numpy.
func poissonPTRS(rng *rand.Rand, lam float64) int64 {
	slam := math.Sqrt(lam)
	loglam := math.Log(lam)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invalpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := rng.Float64() - 0.5
		v := rng.Float64()
		us := 0.5 - math.Abs(u)
		k := int64(math.Floor((2*a/us+b)*u + lam + 0.43))
		if us >= 0.07 && v <= vr {
			return k
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(float64(k) + 1)
		if math.Log(v)+math.Log(invalpha)-math.Log(a/(us*us)+b) <= -lam+float64(k)*loglam-lg {
			return k
		}
	}
}
