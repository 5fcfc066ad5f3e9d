package dsp

// Colour kernels: a 3×3 mix of three planes' rows, for the decorrelated guide of joint NLM
// weights. The fast kernel keeps the reference's operations and order (no fused
// multiply-adds), so it is exact.

// Mix3Row writes into d0, d1 and d2 the rows m·(s0, s1, s2): d_i[x] = m[3i]·s0[x] +
// m[3i+1]·s1[x] + m[3i+2]·s2[x], summed in that order. The sources are read up to
// len(d0); every slice must hold that many samples, and no output may overlap a source.
func Mix3Row(d0, d1, d2, s0, s1, s2 []float32, m *[9]float32) { mix3Row(d0, d1, d2, s0, s1, s2, m) }

var mix3Row = mix3RowGeneric

var fastMix3Row func(d0, d1, d2, s0, s1, s2 []float32, m *[9]float32)

func mix3RowGeneric(d0, d1, d2, s0, s1, s2 []float32, m *[9]float32) {
	n := len(d0)
	d1, d2, s0, s1, s2 = d1[:n], d2[:n], s0[:n], s1[:n], s2[:n]
	for x := range d0 {
		a, b, c := s0[x], s1[x], s2[x]
		d0[x] = m[0]*a + m[1]*b + m[2]*c
		d1[x] = m[3]*a + m[4]*b + m[5]*c
		d2[x] = m[6]*a + m[7]*b + m[8]*c
	}
}
