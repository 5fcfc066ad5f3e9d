package vst

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sample draws z = α·Poisson(λ) + N(g, σ²).
func sample(rng *rand.Rand, p Params, lambda float64) float64 {
	k := 0
	if lambda > 0 {
		// Knuth for small λ, normal approximation never needed here (λ ≤ 50).
		l, prod := math.Exp(-lambda), rng.Float64()
		for prod > l {
			k++
			prod *= rng.Float64()
		}
	}
	return p.Alpha*float64(k) + p.Offset + p.Sigma*rng.NormFloat64()
}

func TestInverseOfExpectedIsIdentity(t *testing.T) {
	for _, p := range []Params{{Alpha: 1}, {Alpha: 2.5, Sigma: 3}, {Alpha: 160, Sigma: 40}, {Alpha: 0.5, Sigma: 4, Offset: 100}} {
		tr, err := NewTransform(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range []float64{0, 0.01, 0.1, 0.5, 1, 2, 5, 10, 37, 100, 399, 800, 5000} {
			y := p.Alpha*l + p.Offset
			got := tr.Inverse(tr.Expected(l))
			if tol := 1e-4 * p.Alpha * max(1, l); math.Abs(got-y) > tol {
				t.Errorf("%v: Inverse(E[f|λ=%g]) = %.6g, want %.6g", p, l, got, y)
			}
		}
		// Monotone: a fine sweep of D never goes down.
		prev := math.Inf(-1)
		for d := 0.0; d < 200; d += 0.01 {
			v := tr.Inverse(d)
			if v < prev-1e-9 {
				t.Fatalf("%v: Inverse not monotone at D=%g (%g after %g)", p, d, v, prev)
			}
			prev = v
		}
	}
}

// The closed form and the table agree where the table hands over to it.
func TestClosedFormAtLargeCounts(t *testing.T) {
	for _, p := range []Params{{Alpha: 1}, {Alpha: 2, Sigma: 6}} {
		tr, _ := NewTransform(p)
		for _, l := range []float64{30, 100, 300} {
			d := tr.Expected(l)
			cf, ex := tr.ClosedForm(d), tr.Inverse(d)
			if math.Abs(cf-ex) > 2e-3*p.Alpha*l {
				t.Errorf("%v λ=%g: closed form %.6g, exact %.6g", p, l, cf, ex)
			}
		}
		n := len(tr.ef)
		lo, hi := tr.Inverse(tr.ef[n-1]*(1-1e-9)), tr.Inverse(tr.ef[n-1]*(1+1e-9))
		if math.Abs(hi-lo) > 1e-3*lo {
			t.Errorf("%v: a step of %.3g at the end of the table", p, hi-lo)
		}
	}
}

// On simulated data the exact unbiased inverse of the mean transformed value recovers the
// signal near zero counts, where the algebraic inverse is far off; and the transform
// stabilises the variance near 1.
func TestUnbiasedNearZero(t *testing.T) {
	p := Params{Alpha: 4, Sigma: 2}
	tr, _ := NewTransform(p)
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 400000
	for _, l := range []float64{0.2, 0.5, 1, 2, 5, 20} {
		var s, s2 float64
		for range n {
			f := tr.Forward(sample(rng, p, l))
			s += f
			s2 += f * f
		}
		mean := s / n
		v := s2/n - mean*mean
		y := p.Alpha * l
		exact, alg := tr.Inverse(mean), tr.Algebraic(mean)
		// Standard error of the mean of f is ~1/√n; through the inverse's slope ≈ α·D/2.
		se := 4 * p.Alpha * mean / 2 / math.Sqrt(n)
		if math.Abs(exact-y) > se+0.002*y {
			t.Errorf("λ=%g: exact inverse %.4f, want %.4f (±%.4f)", l, exact, y, se)
		}
		if l <= 2 && math.Abs(alg-y) < 5*math.Abs(exact-y) {
			t.Errorf("λ=%g: the algebraic inverse (%.4f) is not clearly worse than the exact one (%.4f), signal %.4f", l, alg, exact, y)
		}
		if l >= 5 && math.Abs(v-1) > 0.08 {
			t.Errorf("λ=%g: variance after the GAT %.3f, want ≈ 1", l, v)
		}
		t.Logf("λ=%-4g signal %7.3f  exact %7.3f  algebraic %7.3f  closed form %7.3f  var f %.3f", l, y, exact, alg, tr.ClosedForm(mean), v)
	}
}

func TestFromAB(t *testing.T) {
	p := FromAB(2, 9)
	if p.Alpha != 2 || p.Sigma != 3 || p.Offset != 0 {
		t.Errorf("FromAB(2, 9) = %v", p)
	}
	p = FromAB(2, -10)
	if p.Sigma != 0 || p.Offset != 5 || p.B() != -10 {
		t.Errorf("FromAB(2, -10) = %v", p)
	}
	if _, err := NewTransform(Params{Alpha: 0}); err == nil {
		t.Error("gain 0 accepted")
	}
}
