package frame

import "testing"

// TestKeptRelease: a frame's last Release releases its guide and its source; SetGuide and
// SetSource replace them, releasing the old one; TakeGuide and TakeSource empty them.
func TestKeptRelease(t *testing.T) {
	for _, k := range []struct {
		name string
		set  func(f, g *Frame)
		take func(f *Frame) *Frame
		get  func(f *Frame) *Frame
	}{
		{"guide", (*Frame).SetGuide, (*Frame).TakeGuide, func(f *Frame) *Frame { return f.Guide }},
		{"source", (*Frame).SetSource, (*Frame).TakeSource, func(f *Frame) *Frame { return f.Source }},
	} {
		p := NewPool(4)
		g := Geometry{Format: Format{Layout: Gray, BitDepth: 8}, W: 4, H: 3}
		f, g1, g2 := p.Get(g), p.Get(g), p.Get(g)
		k.set(f, g1)
		k.set(f, g2) // g1 back to the pool
		if p.Get(g) != g1 {
			t.Fatalf("%s: the replaced one was not released", k.name)
		}
		f.Retain()
		f.Release()
		if k.get(f) != g2 {
			t.Fatalf("%s: a Release that was not the last dropped it", k.name)
		}
		f.Release()
		if k.get(f) != nil {
			t.Fatalf("%s: the last Release kept it", k.name)
		}
		a, b := p.Get(g), p.Get(g)
		if (a != f && a != g2) || (b != f && b != g2) || a == b {
			t.Fatalf("%s: the frame and its %s did not both return to the pool", k.name, k.name)
		}
		if k.take(f) != nil {
			t.Fatalf("%s: Take of a frame without one", k.name)
		}
	}
}

func TestPlaneResize(t *testing.T) {
	p := Plane{W: 3, H: 2, Stride: 4, Pix: make([]float32, 8)}
	p.Resize(2, 3)
	if p.W != 2 || p.H != 3 || p.Stride != 2 || len(p.Pix) != 6 || cap(p.Pix) != 8 {
		t.Fatalf("resized within capacity: %dx%d stride %d, %d samples of %d", p.W, p.H, p.Stride, len(p.Pix), cap(p.Pix))
	}
	p.Resize(5, 4)
	if p.W != 5 || p.H != 4 || p.Stride != 5 || len(p.Pix) != 20 {
		t.Fatalf("grown: %dx%d stride %d, %d samples", p.W, p.H, p.Stride, len(p.Pix))
	}
}
