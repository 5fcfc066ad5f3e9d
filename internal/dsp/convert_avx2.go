//go:build goexperiment.simd && amd64

package dsp

import "simd/archsimd"

func init() {
	if hasFast {
		fastU8ToF32, fastU16ToF32 = u8ToF32AVX2, u16ToF32AVX2
		fastF32ToU8, fastF32ToU16 = f32ToU8AVX2, f32ToU16AVX2
	}
	if UseFast() {
		u8ToF32, f32ToU8 = u8ToF32AVX2, f32ToU8AVX2
	}
	if useMixed() {
		u16ToF32, f32ToU16 = u16ToF32AVX2, f32ToU16AVX2
	}
}

// Division is exact in IEEE arithmetic, so dividing by m in lanes gives the references' floats.

func u8ToF32AVX2(dst []float32, src []byte, depth int) {
	n := len(dst)
	src = src[:n]
	mask := archsimd.BroadcastUint16x8(uint16(1)<<depth - 1)
	m := archsimd.BroadcastFloat32x8(float32(int(1)<<depth - 1))
	x := 0
	for ; x+16 <= n; x += 16 {
		w := archsimd.LoadUint8x16Slice(src[x:]).ExtendToUint16()
		lo := w.GetLo().And(mask).ExtendToUint32().AsInt32x8().ConvertToFloat32()
		hi := w.GetHi().And(mask).ExtendToUint32().AsInt32x8().ConvertToFloat32()
		lo.Div(m).StoreSlice(dst[x:])
		hi.Div(m).StoreSlice(dst[x+8:])
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	u8ToF32Generic(dst[x:], src[x:], depth)
}

func u16ToF32AVX2(dst []float32, src []byte, depth, shift int) {
	n := len(dst)
	src = src[:2*n]
	mask := archsimd.BroadcastUint16x8(uint16(int(1)<<depth - 1))
	m := archsimd.BroadcastFloat32x8(float32(int(1)<<depth - 1))
	s := uint64(shift)
	x := 0
	for ; x+16 <= n; x += 16 {
		a := archsimd.LoadUint8x16Slice(src[2*x:]).AsUint16x8().ShiftAllRight(s).And(mask)
		b := archsimd.LoadUint8x16Slice(src[2*x+16:]).AsUint16x8().ShiftAllRight(s).And(mask)
		a.ExtendToUint32().AsInt32x8().ConvertToFloat32().Div(m).StoreSlice(dst[x:])
		b.ExtendToUint32().AsInt32x8().ConvertToFloat32().Div(m).StoreSlice(dst[x+8:])
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	u16ToF32Generic(dst[x:], src[2*x:], depth, shift)
}

// convertQuant8 is Quant of 8 lanes: ⌊v·m + 0.5⌋ clipped to [0, m], truncated as Go's conversion
// truncates (the value is ≥ 0 by then).
func convertQuant8(v, m, half, zero archsimd.Float32x8) archsimd.Int32x8 {
	return v.Mul(m).Add(half).Max(zero).Min(m).ConvertToInt32()
}

// convertPackU16 narrows two sets of 8 codes in [0, 65535] to 16 words, in order.
func convertPackU16(a, b archsimd.Int32x8) (archsimd.Uint16x8, archsimd.Uint16x8) {
	return a.GetLo().SaturateToUint16Concat(a.GetHi()), b.GetLo().SaturateToUint16Concat(b.GetHi())
}

// convertEvenLo and convertEvenHi pick the low byte of each word of a Uint16x8 into the low and
// the high half of a Uint8x16 (−1: zero).
var (
	convertEvenLo = [16]int8{0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1}
	convertEvenHi = [16]int8{-1, -1, -1, -1, -1, -1, -1, -1, 0, 2, 4, 6, 8, 10, 12, 14}
)

func f32ToU8AVX2(dst []byte, src []float32) {
	n := len(src)
	dst = dst[:n]
	m := archsimd.BroadcastFloat32x8(255)
	half := archsimd.BroadcastFloat32x8(0.5)
	zero := archsimd.Float32x8{}
	lo, hi := archsimd.LoadInt8x16(&convertEvenLo), archsimd.LoadInt8x16(&convertEvenHi)
	x := 0
	for ; x+16 <= n; x += 16 {
		a, b := convertPackU16(convertQuant8(archsimd.LoadFloat32x8Slice(src[x:]), m, half, zero),
			convertQuant8(archsimd.LoadFloat32x8Slice(src[x+8:]), m, half, zero))
		a.AsUint8x16().PermuteOrZero(lo).Or(b.AsUint8x16().PermuteOrZero(hi)).StoreSlice(dst[x:])
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	f32ToU8Generic(dst[x:], src[x:])
}

func f32ToU16AVX2(dst []byte, src []float32, depth, shift int) {
	n := len(src)
	dst = dst[:2*n]
	m := archsimd.BroadcastFloat32x8(float32(int(1)<<depth - 1))
	half := archsimd.BroadcastFloat32x8(0.5)
	zero := archsimd.Float32x8{}
	s := uint64(shift)
	x := 0
	for ; x+16 <= n; x += 16 {
		a, b := convertPackU16(convertQuant8(archsimd.LoadFloat32x8Slice(src[x:]), m, half, zero),
			convertQuant8(archsimd.LoadFloat32x8Slice(src[x+8:]), m, half, zero))
		a.ShiftAllLeft(s).AsUint8x16().StoreSlice(dst[2*x:])
		b.ShiftAllLeft(s).AsUint8x16().StoreSlice(dst[2*x+16:])
	}
	archsimd.ClearAVXUpperBits() // the scalar code after runs without the dirty-upper penalty
	f32ToU16Generic(dst[2*x:], src[x:], depth, shift)
}
