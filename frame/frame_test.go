package frame

import "testing"

// TestGuideRelease: a frame's last Release releases its guide; SetGuide replaces it.
func TestGuideRelease(t *testing.T) {
	p := NewPool(4)
	g := Geometry{Format: Format{Layout: Gray, BitDepth: 8}, W: 4, H: 3}
	f, g1, g2 := p.Get(g), p.Get(g), p.Get(g)
	f.SetGuide(g1)
	f.SetGuide(g2) // g1 back to the pool
	if p.Get(g) != g1 {
		t.Fatal("the replaced guide was not released")
	}
	f.Retain()
	f.Release()
	if f.Guide != g2 {
		t.Fatal("a Release that was not the last dropped the guide")
	}
	f.Release()
	if f.Guide != nil {
		t.Fatal("the last Release kept the guide")
	}
	a, b := p.Get(g), p.Get(g)
	if (a != f && a != g2) || (b != f && b != g2) || a == b {
		t.Fatal("the frame and its guide did not both return to the pool")
	}
	if f.TakeGuide() != nil {
		t.Fatal("TakeGuide of a frame without a guide")
	}
}

// TestSourceRelease: the source is owned like the guide.
func TestSourceRelease(t *testing.T) {
	p := NewPool(4)
	g := Geometry{Format: Format{Layout: Gray, BitDepth: 8}, W: 4, H: 3}
	f, s1, s2 := p.Get(g), p.Get(g), p.Get(g)
	f.SetSource(s1)
	f.SetSource(s2) // s1 back to the pool
	if p.Get(g) != s1 {
		t.Fatal("the replaced source was not released")
	}
	f.Release()
	if f.Source != nil {
		t.Fatal("the last Release kept the source")
	}
	a, b := p.Get(g), p.Get(g)
	if (a != f && a != s2) || (b != f && b != s2) || a == b {
		t.Fatal("the frame and its source did not both return to the pool")
	}
	if f.TakeSource() != nil {
		t.Fatal("TakeSource of a frame without a source")
	}
}
