package dsp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// convertInputs are floats around and beyond [0,1], with every code's exact value and the
// halfway points between codes, where rounding decides.
func convertInputs(r *rand.Rand, n int, m float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		switch i % 4 {
		case 0:
			v[i] = -0.2 + 1.4*r.Float32()
		case 1:
			v[i] = float32(r.IntN(int(m)+1)) / m
		case 2:
			v[i] = (float32(r.IntN(int(m))) + 0.5) / m
		default:
			v[i] = math.Nextafter32((float32(r.IntN(int(m)))+0.5)/m, float32(r.IntN(2)))
		}
	}
	return v
}

func TestU8ToF32Parity(t *testing.T) {
	needFast(t, fastU8ToF32 != nil)
	r := rand.New(rand.NewPCG(1, 1))
	for _, depth := range []int{1, 5, 8} {
		for _, w := range append(parityWidths, 16, 32, 1283) {
			for off := range 3 {
				src := make([]byte, w+off)
				for i := range src {
					src[i] = byte(r.UintN(256))
				}
				got, want := newGuardedF32(w, off), newGuardedF32(w, 0)
				fastU8ToF32(got.Data, src[off:], depth)
				u8ToF32Generic(want.Data, src[off:], depth)
				got.check(t, "U8ToF32")
				for i := range want.Data {
					if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
						t.Fatalf("depth %d w %d: sample %d = %g, reference %g", depth, w, i, got.Data[i], want.Data[i])
					}
				}
			}
		}
	}
}

func TestU16ToF32Parity(t *testing.T) {
	needFast(t, fastU16ToF32 != nil)
	r := rand.New(rand.NewPCG(2, 1))
	for _, c := range [][2]int{{9, 0}, {10, 0}, {10, 6}, {12, 4}, {16, 0}} {
		depth, shift := c[0], c[1]
		for _, w := range append(parityWidths, 16, 32, 1283) {
			for off := range 3 { // odd offsets: words at odd addresses
				src := make([]byte, 2*w+off)
				for i := range src {
					src[i] = byte(r.UintN(256))
				}
				got, want := newGuardedF32(w, off), newGuardedF32(w, 0)
				fastU16ToF32(got.Data, src[off:], depth, shift)
				u16ToF32Generic(want.Data, src[off:], depth, shift)
				got.check(t, "U16ToF32")
				for i := range want.Data {
					if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
						t.Fatalf("depth %d shift %d w %d: sample %d = %g, reference %g", depth, shift, w, i, got.Data[i], want.Data[i])
					}
				}
			}
		}
	}
}

func TestF32ToU8Parity(t *testing.T) {
	needFast(t, fastF32ToU8 != nil)
	r := rand.New(rand.NewPCG(3, 1))
	for _, w := range append(parityWidths, 16, 32, 1283) {
		for off := range 3 {
			src := convertInputs(r, w+off, 255)[off:]
			got, want := newGuardedU8(w, off), newGuardedU8(w, 0)
			fastF32ToU8(got.Data, src)
			f32ToU8Generic(want.Data, src)
			got.check(t, "F32ToU8")
			for i := range want.Data {
				if got.Data[i] != want.Data[i] {
					t.Fatalf("w %d: sample %d (%v) = %d, reference %d", w, i, src[i], got.Data[i], want.Data[i])
				}
			}
		}
	}
}

func TestF32ToU16Parity(t *testing.T) {
	needFast(t, fastF32ToU16 != nil)
	r := rand.New(rand.NewPCG(4, 1))
	for _, c := range [][2]int{{9, 0}, {10, 0}, {10, 6}, {12, 4}, {16, 0}} {
		depth, shift := c[0], c[1]
		for _, w := range append(parityWidths, 16, 32, 1283) {
			for off := range 3 {
				src := convertInputs(r, w, float32(int(1)<<depth-1))
				got, want := newGuardedU8(2*w, off), newGuardedU8(2*w, 0)
				fastF32ToU16(got.Data, src, depth, shift)
				f32ToU16Generic(want.Data, src, depth, shift)
				got.check(t, "F32ToU16")
				for i := range want.Data {
					if got.Data[i] != want.Data[i] {
						t.Fatalf("depth %d shift %d w %d: byte %d (sample %v) = %d, reference %d", depth, shift, w, i, src[i/2], got.Data[i], want.Data[i])
					}
				}
			}
		}
	}
}

// TestQuantRoundTrip: every code of every depth comes back from its float.
func TestQuantRoundTrip(t *testing.T) {
	for depth := 1; depth <= 16; depth++ {
		m := float32(int(1)<<depth - 1)
		for c := 0; c <= int(m); c++ {
			if got := Quant(float32(c)/m, m); got != int32(c) {
				t.Fatalf("depth %d: code %d came back as %d", depth, c, got)
			}
		}
	}
}

func TestComponentRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 1))
	for _, c := range []struct {
		depth, step, shift int
		be                 bool
	}{{8, 3, 0, false}, {4, 1, 4, false}, {10, 2, 6, false}, {16, 2, 0, true}, {16, 6, 0, false}} {
		w := 37
		m := float32(int(1)<<c.depth - 1)
		src := make([]float32, w)
		codes := make([]int32, w)
		for i := range src {
			codes[i] = int32(r.IntN(int(m) + 1))
			src[i] = float32(codes[i]) / m
		}
		buf := make([]byte, w*c.step+1)
		F32ToComponent(buf, src, c.step, c.depth, c.shift, c.be)
		back := make([]float32, w)
		ComponentToF32(back, buf, c.step, c.depth, c.shift, c.be)
		for i := range back {
			if Quant(back[i], m) != codes[i] {
				t.Fatalf("%+v: code %d came back as %v", c, codes[i], back[i])
			}
		}
	}
}

func BenchmarkConvert1080p(b *testing.B) {
	const w, h = 1920, 1080
	r := rand.New(rand.NewPCG(6, 1))
	f := convertInputs(r, w*h, 255)
	u8 := make([]byte, w*h)
	u16 := make([]byte, 2*w*h)
	for i := range u16 {
		u16[i] = byte(r.UintN(256))
	}
	out := make([]float32, w*h)
	type impl struct {
		name                 string
		u8f, u16f, fu8, fu16 any
	}
	sets := []impl{{"generic", u8ToF32Generic, u16ToF32Generic, f32ToU8Generic, f32ToU16Generic}}
	if fastU8ToF32 != nil {
		sets = append(sets, impl{"avx2", fastU8ToF32, fastU16ToF32, fastF32ToU8, fastF32ToU16})
	}
	for _, s := range sets {
		b.Run(fmt.Sprintf("u8ToF32/%s", s.name), func(b *testing.B) {
			k := s.u8f.(func([]float32, []byte, int))
			for b.Loop() {
				k(out, u8, 8)
			}
		})
		b.Run(fmt.Sprintf("u16ToF32/%s", s.name), func(b *testing.B) {
			k := s.u16f.(func([]float32, []byte, int, int))
			for b.Loop() {
				k(out, u16, 10, 0)
			}
		})
		b.Run(fmt.Sprintf("f32ToU8/%s", s.name), func(b *testing.B) {
			k := s.fu8.(func([]byte, []float32))
			for b.Loop() {
				k(u8, f)
			}
		})
		b.Run(fmt.Sprintf("f32ToU16/%s", s.name), func(b *testing.B) {
			k := s.fu16.(func([]byte, []float32, int, int))
			for b.Loop() {
				k(u16, f, 10, 0)
			}
		})
	}
}
