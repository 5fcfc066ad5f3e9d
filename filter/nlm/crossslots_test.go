package nlm

import (
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// TestCrossSlots runs a call step by step with fewer copies of the cross planes than cross
// planes (CrossSlots), each SetCross once the bands are done with the copy it reuses: the
// result is Denoise's to the bit, and Denoise itself ignores CrossSlots.
func TestCrossSlots(t *testing.T) {
	cur := randomPlane(70, 230, 70, 11)
	var cross []CrossPlane
	for k := range 4 {
		cross = append(cross, CrossPlane{Plane: randomPlane(70, 230, 70, uint64(20+k)),
			Reliability: randomPlane(139, 460, 139, uint64(30+k)), RelShiftW: 1, RelShiftH: 1})
	}
	p := Params{PatchRadius: 2, SearchRadius: 3, H: 12, Sigma: 15}
	cp := CrossParams{SearchRadius: 1, PatchRadius: 3, H: 8, SpatialWeight: 0.4}
	want := &frame.Plane{W: 70, H: 230, Stride: 70, Pix: make([]float32, 70*230)}
	d := STDenoiser{BandRows: 40, MaxBands: 100, Threads: 1}
	if err := d.Denoise(want, cur, cross, p, cp); err != nil {
		t.Fatal(err)
	}
	for _, slots := range []int{1, 2, 3} {
		got := &frame.Plane{W: 70, H: 230, Stride: 70, Pix: make([]float32, 70*230)}
		s := STDenoiser{BandRows: 40, MaxBands: 100, CrossSlots: slots}
		nb, err := s.Begin(got, cur, len(cross), p, cp)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.job.nb) != slots {
			t.Errorf("slots %d: %d copies kept", slots, len(s.job.nb))
		}
		for b := range nb {
			s.RunStep(b, 0)
		}
		for k := range cross {
			if err := s.SetCross(k, cross[k]); err != nil {
				t.Fatal(err)
			}
			for b := range nb {
				s.RunStep(b, k+1)
			}
		}
		for b := range nb {
			s.RunStep(b, len(cross)+1)
		}
		for i := range want.Pix {
			if want.Pix[i] != got.Pix[i] {
				t.Fatalf("slots %d: sample %d is %g, want %g", slots, i, got.Pix[i], want.Pix[i])
			}
		}
		// Denoise sets every cross plane before any band runs: it keeps a copy of each.
		clear(got.Pix)
		if err := s.Denoise(got, cur, cross, p, cp); err != nil {
			t.Fatal(err)
		}
		for i := range want.Pix {
			if want.Pix[i] != got.Pix[i] {
				t.Fatalf("slots %d, Denoise: sample %d is %g, want %g", slots, i, got.Pix[i], want.Pix[i])
			}
		}
	}
}
