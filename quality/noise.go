package quality

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Kind is one noise model.
type Kind uint8

// The noise models, with their spec syntax. Parameters are in code values on the
// 0–255 scale (see Noise.Native) and probabilities are per sample.
const (
	// AWGN "awgn:SIGMA": z = x + N(0, σ²).
	AWGN Kind = iota + 1
	// SaltPepper "sp:P": with probability P the sample becomes 0 or the largest code,
	// each with probability ½.
	SaltPepper
	// RandomImpulse "rv:P": with probability P the sample becomes an integer code drawn
	// uniformly from 0 to the largest code.
	RandomImpulse
	// PoissonGaussian "pg:GAIN:SIGMA": z = GAIN·Poisson(x/GAIN) + N(0, σ²), so that
	// E[z] = x and Var[z] = GAIN·x + σ² (a sensor's shot noise with GAIN codes per
	// photo-electron plus read noise). A negative x (after an earlier component) counts
	// as 0.
	PoissonGaussian
	// Rician "rician:SIGMA": z = sqrt((x + n₁)² + n₂²), n₁, n₂ ~ N(0, σ²): the
	// magnitude of a complex signal with Gaussian noise, biased upward where x is small
	// (E[z] = σ·sqrt(π/2) at x = 0).
	Rician
)

var kindNames = [...]string{AWGN: "awgn", SaltPepper: "sp", RandomImpulse: "rv",
	PoissonGaussian: "pg", Rician: "rician"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Impulsive reports whether the kind replaces samples rather than perturbing them.
func (k Kind) Impulsive() bool { return k == SaltPepper || k == RandomImpulse }

// Component is one term of a noise mixture. Sigma is used by AWGN, PoissonGaussian and
// Rician, Gain by PoissonGaussian, P by SaltPepper and RandomImpulse.
type Component struct {
	Kind  Kind
	Sigma float64
	Gain  float64
	P     float64
}

func (c Component) String() string {
	switch c.Kind {
	case AWGN, Rician:
		return c.Kind.String() + ":" + formatNum(c.Sigma)
	case SaltPepper, RandomImpulse:
		return c.Kind.String() + ":" + formatNum(c.P)
	case PoissonGaussian:
		return "pg:" + formatNum(c.Gain) + ":" + formatNum(c.Sigma)
	}
	return c.Kind.String()
}

// Noise is a mixture of noise components applied in order to each sample, followed by
// rounding to an integer code and clipping to [0, 2^bitDepth − 1] (the protocol of
// noise added to 8-bit images, then rounded and clipped), unless NoRound or NoClip.
//
// Its spec, as ParseNoise reads and String writes it, is the components joined by '+'
// ("awgn:10+sp:0.2": Gaussian noise first, then impulses, then one round and clip),
// or "none", optionally followed by comma-separated options: "native", "noround",
// "noclip" ("pg:2:3,native,noround").
type Noise struct {
	Parts []Component
	// Native takes Sigma and Gain in code values of the data's own bit depth. Without
	// it they are on the 0–255 scale and are multiplied by (2^bitDepth − 1)/255, so
	// "awgn:25" is the same relative noise on 8-bit and 16-bit data.
	Native bool
	// NoRound leaves noisy samples off the integer code grid.
	NoRound bool
	// NoClip lets noisy samples leave [0, 2^bitDepth − 1].
	NoClip bool
}

// HasImpulses reports whether some component is impulsive, i.e. whether Apply returns
// impulse masks.
func (n Noise) HasImpulses() bool {
	for _, c := range n.Parts {
		if c.Kind.Impulsive() {
			return true
		}
	}
	return false
}

// String returns the spec of n; ParseNoise(n.String()) gives back n.
func (n Noise) String() string {
	var b strings.Builder
	if len(n.Parts) == 0 {
		b.WriteString("none")
	}
	for i, c := range n.Parts {
		if i > 0 {
			b.WriteByte('+')
		}
		b.WriteString(c.String())
	}
	if n.Native {
		b.WriteString(",native")
	}
	if n.NoRound {
		b.WriteString(",noround")
	}
	if n.NoClip {
		b.WriteString(",noclip")
	}
	return b.String()
}

// Validate checks the parameters: sigmas finite and ≥ 0, gains finite and > 0,
// probabilities in [0,1].
func (n Noise) Validate() error {
	for i, c := range n.Parts {
		if err := c.validate(); err != nil {
			return fmt.Errorf("quality: noise part %d %q: %w", i+1, c, err)
		}
	}
	return nil
}

func (c Component) validate() error {
	switch c.Kind {
	case AWGN, Rician:
		return checkSigma(c.Sigma)
	case PoissonGaussian:
		if !(c.Gain > 0) || math.IsInf(c.Gain, 1) {
			return fmt.Errorf("gain %s is not a finite number > 0", formatNum(c.Gain))
		}
		return checkSigma(c.Sigma)
	case SaltPepper, RandomImpulse:
		if !(c.P >= 0 && c.P <= 1) {
			return fmt.Errorf("probability %s is not in [0,1]", formatNum(c.P))
		}
		return nil
	}
	return fmt.Errorf("unknown kind %d", uint8(c.Kind))
}

func checkSigma(s float64) error {
	if !(s >= 0) || math.IsInf(s, 1) {
		return fmt.Errorf("sigma %s is not a finite number ≥ 0", formatNum(s))
	}
	return nil
}

// ParseNoise reads a noise spec (see Noise): "awgn:25", "sp:0.1", "rv:0.05",
// "pg:GAIN:SIGMA", "rician:SIGMA", mixtures such as "awgn:10+sp:0.2", or "none", each
// optionally followed by ",native", ",noround", ",noclip". Kinds and options are
// case-insensitive and spaces around the parts are ignored. Errors name the part at
// fault.
func ParseNoise(spec string) (Noise, error) {
	var n Noise
	fail := func(format string, a ...any) (Noise, error) {
		return Noise{}, fmt.Errorf("quality: noise spec %q: %s", spec, fmt.Sprintf(format, a...))
	}
	fields := strings.Split(spec, ",")
	for _, o := range fields[1:] {
		switch opt := strings.ToLower(strings.TrimSpace(o)); opt {
		case "native":
			n.Native = true
		case "noround":
			n.NoRound = true
		case "noclip":
			n.NoClip = true
		default:
			return fail("option %q unknown (want native, noround or noclip)", strings.TrimSpace(o))
		}
	}
	body := strings.TrimSpace(fields[0])
	if body == "" {
		return fail("no noise given (want e.g. awgn:25, or none)")
	}
	if strings.EqualFold(body, "none") {
		return n, nil
	}
	for i, part := range splitParts(body) {
		c, err := parseComponent(strings.TrimSpace(part))
		if err != nil {
			return fail("part %d %q: %v", i+1, strings.TrimSpace(part), err)
		}
		n.Parts = append(n.Parts, c)
	}
	return n, nil
}

// splitParts splits at each '+' that starts a component, so that exponents such as
// "1e+02" stay whole.
func splitParts(s string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '+' {
			continue
		}
		rest := strings.TrimLeft(s[i+1:], " ")
		if rest == "" || rest[0] == '+' || isLetter(rest[0]) {
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func isLetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

func parseComponent(s string) (Component, error) {
	if s == "" {
		return Component{}, errors.New("empty (two '+' in a row, or one at an end?)")
	}
	args := strings.Split(s, ":")
	name := strings.ToLower(strings.TrimSpace(args[0]))
	args = args[1:]
	var c Component
	want := 1
	switch name {
	case "awgn":
		c.Kind = AWGN
	case "sp":
		c.Kind = SaltPepper
	case "rv":
		c.Kind = RandomImpulse
	case "pg":
		c.Kind, want = PoissonGaussian, 2
	case "rician":
		c.Kind = Rician
	default:
		return c, fmt.Errorf("unknown noise kind %q (want awgn, sp, rv, pg or rician)", name)
	}
	if len(args) != want {
		return c, fmt.Errorf("%s takes %s, got %d value(s)", name, usage(c.Kind), len(args))
	}
	vals := make([]float64, len(args))
	for i, a := range args {
		v, err := strconv.ParseFloat(strings.TrimSpace(a), 64)
		if err != nil {
			return c, fmt.Errorf("%s %q is not a number", argName(c.Kind, i), strings.TrimSpace(a))
		}
		vals[i] = v
	}
	switch c.Kind {
	case AWGN, Rician:
		c.Sigma = vals[0]
	case SaltPepper, RandomImpulse:
		c.P = vals[0]
	case PoissonGaussian:
		c.Gain, c.Sigma = vals[0], vals[1]
	}
	return c, c.validate()
}

func usage(k Kind) string {
	switch k {
	case PoissonGaussian:
		return "GAIN:SIGMA"
	case SaltPepper, RandomImpulse:
		return "one probability P"
	}
	return "one SIGMA"
}

func argName(k Kind, i int) string {
	switch {
	case k == PoissonGaussian && i == 0:
		return "gain"
	case k.Impulsive():
		return "probability"
	}
	return "sigma"
}

func formatNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
