// Package sample describes the sample types of scientific image files and the linear mapping
// between stored values and the 8..16-bit codes the working frames carry.
package sample

import (
	"encoding/binary"
	"fmt"
	"math"
)

// DType is the type of one stored sample. Raw sample bytes passed around by the sci packages
// are always little-endian.
type DType uint8

// The sample types the readers know.
const (
	Invalid DType = iota
	Uint8
	Int8
	Uint16
	Int16
	Uint32
	Int32
	Float32
	Float64
)

var names = [...]string{"invalid", "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"}

func (d DType) String() string {
	if int(d) < len(names) {
		return names[d]
	}
	return fmt.Sprintf("dtype(%d)", uint8(d))
}

// Size is the number of bytes of one sample (0 for Invalid).
func (d DType) Size() int {
	switch d {
	case Uint8, Int8:
		return 1
	case Uint16, Int16:
		return 2
	case Uint32, Int32, Float32:
		return 4
	case Float64:
		return 8
	}
	return 0
}

// Bits is 8·Size.
func (d DType) Bits() int { return 8 * d.Size() }

// IsFloat reports a floating-point type.
func (d DType) IsFloat() bool { return d == Float32 || d == Float64 }

// IsSigned reports a signed integer type.
func (d DType) IsSigned() bool { return d == Int8 || d == Int16 || d == Int32 }

// Range is the smallest and largest value of an integer type (±MaxFloat64 for floats).
func (d DType) Range() (lo, hi float64) {
	switch d {
	case Uint8:
		return 0, math.MaxUint8
	case Int8:
		return math.MinInt8, math.MaxInt8
	case Uint16:
		return 0, math.MaxUint16
	case Int16:
		return math.MinInt16, math.MaxInt16
	case Uint32:
		return 0, math.MaxUint32
	case Int32:
		return math.MinInt32, math.MaxInt32
	}
	return -math.MaxFloat64, math.MaxFloat64
}

// Get returns sample i of little-endian data b.
func (d DType) Get(b []byte, i int) float64 {
	switch d {
	case Uint8:
		return float64(b[i])
	case Int8:
		return float64(int8(b[i]))
	case Uint16:
		return float64(binary.LittleEndian.Uint16(b[2*i:]))
	case Int16:
		return float64(int16(binary.LittleEndian.Uint16(b[2*i:])))
	case Uint32:
		return float64(binary.LittleEndian.Uint32(b[4*i:]))
	case Int32:
		return float64(int32(binary.LittleEndian.Uint32(b[4*i:])))
	case Float32:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
	case Float64:
		return math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return 0
}

// Put stores v as sample i of little-endian data b; integer types round half away from zero
// and clamp to their range, NaN becomes 0.
func (d DType) Put(b []byte, i int, v float64) {
	if !d.IsFloat() {
		if v != v {
			v = 0
		}
		lo, hi := d.Range()
		v = math.Round(v)
		if v < lo {
			v = lo
		} else if v > hi {
			v = hi
		}
	}
	switch d {
	case Uint8:
		b[i] = uint8(v)
	case Int8:
		b[i] = uint8(int8(v))
	case Uint16:
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	case Int16:
		binary.LittleEndian.PutUint16(b[2*i:], uint16(int16(v)))
	case Uint32:
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	case Int32:
		binary.LittleEndian.PutUint32(b[4*i:], uint32(int32(v)))
	case Float32:
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(v)))
	case Float64:
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
}

// Swap reverses the bytes of every sample of b in place (little- ↔ big-endian).
func (d DType) Swap(b []byte) {
	switch n := d.Size(); n {
	case 2:
		for i := 0; i+1 < len(b); i += 2 {
			b[i], b[i+1] = b[i+1], b[i]
		}
	case 4:
		for i := 0; i+3 < len(b); i += 4 {
			b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
		}
	case 8:
		for i := 0; i+7 < len(b); i += 8 {
			b[i], b[i+1], b[i+2], b[i+3], b[i+4], b[i+5], b[i+6], b[i+7] =
				b[i+7], b[i+6], b[i+5], b[i+4], b[i+3], b[i+2], b[i+1], b[i]
		}
	}
}
