package sample

import (
	"fmt"
	"math"
)

// Mapping converts between stored sample values and integer codes of Bits bits:
//
//	stored = Offset + Scale·code,  code ∈ [0, 2^Bits−1]
//
// Working frames carry code/(2^Bits−1). Exact is true when every stored value of the data the
// mapping was chosen for is a code, so that writing the codes back reproduces the data.
type Mapping struct {
	DType         DType
	Bits          int
	Scale, Offset float64
	Exact         bool
}

// Integer is the fixed mapping of an integer type holding Bits significant bits: identity for
// unsigned types, an offset of 2^(Bits−1) for signed ones.
func Integer(dt DType, bits int) Mapping {
	m := Mapping{DType: dt, Bits: bits, Scale: 1, Exact: true}
	if dt.IsSigned() {
		m.Offset = -float64(int64(1) << (bits - 1))
	}
	return m
}

// Fixed reports whether a type has a mapping that needs no look at the data (8- and 16-bit
// integers).
func Fixed(dt DType) bool {
	switch dt {
	case Uint8, Int8, Uint16, Int16:
		return true
	}
	return false
}

// Choose returns the mapping for data of type dt summarised by st (st may be nil for Fixed
// types): 8- and 16-bit integers map by Integer; other data whose values are all integers
// spanning at most 65536 codes map exactly with Offset = minimum; anything else maps its
// minimum..maximum linearly onto 0..65535 (not Exact; NaN becomes the minimum).
func Choose(dt DType, st *Stats) Mapping {
	if Fixed(dt) {
		return Integer(dt, dt.Bits())
	}
	m := Mapping{DType: dt, Bits: 16, Scale: 1}
	if st == nil || st.N == 0 {
		m.Exact = true
		return m
	}
	if !st.NonInteger && st.Max-st.Min <= 65535 {
		m.Offset, m.Exact = st.Min, true
		return m
	}
	m.Offset = st.Min
	if st.Max > st.Min {
		m.Scale = (st.Max - st.Min) / 65535
	}
	return m
}

// MaxCode is 2^Bits−1.
func (m Mapping) MaxCode() float64 { return float64(int64(1)<<m.Bits - 1) }

// String describes the mapping for humans.
func (m Mapping) String() string {
	switch {
	case m.Scale == 1 && m.Offset == 0:
		return fmt.Sprintf("%s as %d-bit codes", m.DType, m.Bits)
	case m.Scale == 1:
		return fmt.Sprintf("%s = code%+g (%d-bit)", m.DType, m.Offset, m.Bits)
	}
	return fmt.Sprintf("%s = %g + %g·code (%d-bit, lossy)", m.DType, m.Offset, m.Scale, m.Bits)
}

// Code returns the code of stored value v, rounded and clamped.
func (m Mapping) Code(v float64) float64 {
	if v != v {
		return 0
	}
	c := (v - m.Offset) / m.Scale
	if !m.Exact {
		c = math.Round(c)
	}
	if c < 0 {
		return 0
	}
	if mx := m.MaxCode(); c > mx {
		return mx
	}
	return c
}

// ToUnit reads len(dst) samples of little-endian data src, the i-th at sample index
// first+i·stride, into dst as code/(2^Bits−1).
func (m Mapping) ToUnit(src []byte, first, stride int, dst []float32) {
	mx := m.MaxCode()
	if m.Scale == 1 && m.Offset == 0 && stride >= 1 {
		switch m.DType {
		case Uint8:
			if m.Bits == 8 {
				for i := range dst {
					dst[i] = float32(float64(src[first+i*stride]) / mx)
				}
				return
			}
		case Uint16:
			for i := range dst {
				j := 2 * (first + i*stride)
				c := float64(uint16(src[j]) | uint16(src[j+1])<<8)
				if c > mx {
					c = mx
				}
				dst[i] = float32(c / mx)
			}
			return
		}
	}
	for i := range dst {
		dst[i] = float32(m.Code(m.DType.Get(src, first+i*stride)) / mx)
	}
}

// FromUnit writes src (values in [0,1], clamped) as stored samples into little-endian data
// dst, the i-th at sample index first+i·stride.
func (m Mapping) FromUnit(src []float32, dst []byte, first, stride int) {
	mx := m.MaxCode()
	for i, u := range src {
		c := math.Round(float64(u) * mx)
		if !(c >= 0) {
			c = 0
		} else if c > mx {
			c = mx
		}
		j := first + i*stride
		if m.Scale == 1 && m.Offset == 0 && m.DType == Uint16 {
			dst[2*j], dst[2*j+1] = uint8(c), uint8(int(c)>>8)
			continue
		}
		m.DType.Put(dst, j, m.Offset+m.Scale*c)
	}
}

// Stats summarises sample values for Choose.
type Stats struct {
	N          int
	Min, Max   float64
	NonInteger bool // some value is fractional, infinite, NaN or −0
}

// Add accumulates n little-endian samples of type dt from b.
func (s *Stats) Add(dt DType, b []byte) {
	n := len(b) / dt.Size()
	for i := 0; i < n; i++ {
		v := dt.Get(b, i)
		if dt.IsFloat() {
			if v != v || math.IsInf(v, 0) {
				s.NonInteger = true
				continue
			}
			if v != math.Trunc(v) || (v == 0 && math.Signbit(v)) {
				s.NonInteger = true
			}
		}
		if s.N == 0 || v < s.Min {
			s.Min = v
		}
		if s.N == 0 || v > s.Max {
			s.Max = v
		}
		s.N++
	}
}
