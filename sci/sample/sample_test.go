package sample

import (
	"math"
	"testing"
)

// Every code of an exact mapping survives code → [0,1] float32 → code.
func TestExactRoundTrip(t *testing.T) {
	for _, m := range []Mapping{Integer(Uint8, 8), Integer(Int8, 8), Integer(Uint16, 16), Integer(Int16, 16),
		Integer(Uint16, 12), Integer(Int16, 12), {DType: Int32, Bits: 16, Scale: 1, Offset: -70000, Exact: true},
		{DType: Float64, Bits: 16, Scale: 1, Offset: 10, Exact: true}} {
		n := int(m.MaxCode()) + 1
		src := make([]byte, n*m.DType.Size())
		for c := 0; c < n; c++ {
			m.DType.Put(src, c, m.Offset+float64(c))
		}
		unit := make([]float32, n)
		m.ToUnit(src, 0, 1, unit)
		dst := make([]byte, len(src))
		m.FromUnit(unit, dst, 0, 1)
		for c := 0; c < n; c++ {
			if a, b := m.DType.Get(src, c), m.DType.Get(dst, c); a != b {
				t.Fatalf("%v: code %d: %v → %v", m, c, a, b)
			}
			if unit[c] < 0 || unit[c] > 1 {
				t.Fatalf("%v: unit %v", m, unit[c])
			}
		}
	}
}

func TestChoose(t *testing.T) {
	var s Stats
	b := make([]byte, 3*4)
	for i, v := range []float64{-5, 100, 7} {
		Float32.Put(b, i, v)
	}
	s.Add(Float32, b)
	if m := Choose(Float32, &s); !m.Exact || m.Offset != -5 || m.Scale != 1 {
		t.Errorf("integer floats: %v", m)
	}
	Float32.Put(b, 0, 0.5)
	s = Stats{}
	s.Add(Float32, b)
	if m := Choose(Float32, &s); m.Exact || m.Offset != 0.5 || math.Abs(m.Scale-99.5/65535) > 1e-12 {
		t.Errorf("fractional floats: %v", m)
	}
	Float32.Put(b, 1, float64(float32(math.NaN())))
	s = Stats{}
	s.Add(Float32, b)
	if m := Choose(Float32, &s); m.Exact || m.Code(math.NaN()) != 0 {
		t.Errorf("NaN: %v", m)
	}
	if m := Choose(Int16, nil); m.Offset != -32768 || m.Bits != 16 {
		t.Errorf("int16: %v", m)
	}
}
