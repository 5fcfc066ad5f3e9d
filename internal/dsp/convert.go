package dsp

// Kernels of the working-format conversion: integer samples of 1 to 16 bits ↔ float32 in
// [0,1], a code c of depth d becoming c/(2^d−1) (divided, not multiplied by the reciprocal,
// so that every path gives the same float) and a float v the code ⌊v·m + 0.5⌋ clipped to
// [0, m] (Quant). The fast kernels give the same integers and floats as the references.

// u8Tables[d][b] is float32(b & (2^d−1)) / (2^d−1), the 8-bit reading of depth d ≤ 8.
var u8Tables = func() (t [9][256]float32) {
	for d := 1; d <= 8; d++ {
		m := float32(int(1)<<d - 1)
		for b := range t[d] {
			t[d][b] = float32(b&(1<<d-1)) / m
		}
	}
	return t
}()

// U8ToF32 converts the bytes src[:len(dst)] of depth bits (1 … 8; the bits above the depth
// are ignored) into dst.
func U8ToF32(dst []float32, src []byte, depth int) { u8ToF32(dst, src, depth) }

var u8ToF32 = u8ToF32Generic

var fastU8ToF32 func(dst []float32, src []byte, depth int)

func u8ToF32Generic(dst []float32, src []byte, depth int) {
	lut := &u8Tables[depth]
	src = src[:len(dst)]
	for x, b := range src {
		dst[x] = lut[b]
	}
}

// U16ToF32 converts the little-endian 16-bit words in src[:2·len(dst)] into dst: each word
// shifted right by shift, masked to depth bits (9 … 16) and divided by 2^depth−1.
func U16ToF32(dst []float32, src []byte, depth, shift int) { u16ToF32(dst, src, depth, shift) }

var u16ToF32 = u16ToF32Generic

var fastU16ToF32 func(dst []float32, src []byte, depth, shift int)

func u16ToF32Generic(dst []float32, src []byte, depth, shift int) {
	m := float32(int(1)<<depth - 1)
	mask := uint16(int(1)<<depth - 1)
	src = src[:2*len(dst)]
	for x := range dst {
		v := (uint16(src[2*x]) | uint16(src[2*x+1])<<8) >> shift & mask
		dst[x] = float32(v) / m
	}
}

// Quant maps v in [0,1] to the nearest integer code in [0,m], clipping. The product is
// rounded to float32 before the half is added (no fused multiply-add), as every kernel does.
func Quant(v, m float32) int32 {
	return int32(min(max(float32(v*m)+0.5, 0), m))
}

// F32ToU8 writes the 8-bit codes of src (Quant with m = 255) into dst[:len(src)].
func F32ToU8(dst []byte, src []float32) { f32ToU8(dst, src) }

var f32ToU8 = f32ToU8Generic

var fastF32ToU8 func(dst []byte, src []float32)

func f32ToU8Generic(dst []byte, src []float32) {
	dst = dst[:len(src)]
	for x, v := range src {
		dst[x] = byte(Quant(v, 255))
	}
}

// F32ToU16 writes the codes of depth bits (9 … 16) of src, shifted left by shift, as
// little-endian 16-bit words into dst[:2·len(src)].
func F32ToU16(dst []byte, src []float32, depth, shift int) { f32ToU16(dst, src, depth, shift) }

var f32ToU16 = f32ToU16Generic

var fastF32ToU16 func(dst []byte, src []float32, depth, shift int)

func f32ToU16Generic(dst []byte, src []float32, depth, shift int) {
	m := float32(int(1)<<depth - 1)
	dst = dst[:2*len(src)]
	for x, v := range src {
		q := uint16(Quant(v, m)) << shift
		dst[2*x], dst[2*x+1] = byte(q), byte(q>>8)
	}
}

// ComponentToF32 reads len(dst) samples of one component of a packed or planar row: sample
// x is at src[x·step] (1 byte when depth ≤ 8, else a 16-bit word, big-endian when be),
// shifted right by shift and masked to depth bits; the value is divided by 2^depth−1.
func ComponentToF32(dst []float32, src []byte, step, depth, shift int, be bool) {
	m := float32(int(1)<<depth - 1)
	mask := uint32(int(1)<<depth - 1)
	for x := range dst {
		o := x * step
		var v uint32
		switch {
		case depth <= 8:
			v = uint32(src[o])
		case be:
			v = uint32(src[o])<<8 | uint32(src[o+1])
		default:
			v = uint32(src[o]) | uint32(src[o+1])<<8
		}
		dst[x] = float32(v>>shift&mask) / m
	}
}

// F32ToComponent writes the codes of src into one component of a packed or planar row, laid
// out as ComponentToF32 reads it; a component of up to 8 bits keeps the other bits of its byte.
func F32ToComponent(dst []byte, src []float32, step, depth, shift int, be bool) {
	m := float32(int(1)<<depth - 1)
	for x, v := range src {
		o := x * step
		q := uint32(Quant(v, m)) << shift
		switch {
		case depth <= 8:
			dst[o] = dst[o]&^byte(uint32(m)<<shift) | byte(q)
		case be:
			dst[o], dst[o+1] = byte(q>>8), byte(q)
		default:
			dst[o], dst[o+1] = byte(q), byte(q>>8)
		}
	}
}
