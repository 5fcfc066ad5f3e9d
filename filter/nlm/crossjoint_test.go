package nlm

import (
	"math"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// runJointST runs a BeginJoint call step by step as the stnlm stage does: the bands' own
// candidates, then each cross plane as it is given (SetCrossJoint), then the output.
func runJointST(t *testing.T, d *STDenoiser, dst, cur [3]*frame.Plane, cross []jointCross, sig [3]float64, p Params, cp CrossParams, space JointSpace) {
	t.Helper()
	nb, err := d.BeginJoint(dst, cur, len(cross), sig, space, p, cp)
	if err != nil {
		t.Fatal(err)
	}
	for b := range nb {
		d.RunStep(b, 0)
	}
	for k, c := range cross {
		if err := d.SetCrossJoint(k, c.planes, c.rel); err != nil {
			t.Fatal(err)
		}
		for b := range nb {
			d.RunStep(b, k+1)
		}
	}
	for b := range nb {
		d.RunStep(b, len(cross)+1)
	}
}

// jointPlanes returns three w×h planes near base (a mix of it and noise), with strides
// wider than the rows.
func jointPlanes(base [3]*frame.Plane, w, h int, seed uint64) [3]*frame.Plane {
	var out [3]*frame.Plane
	for c := range out {
		out[c] = randomPlane(w, h, w+c, seed+uint64(c))
		if base[c] == nil {
			continue
		}
		for y := 0; y < h; y++ {
			a, b := base[c].Row(y), out[c].Row(y)
			for x := range b {
				b[x] = 0.7*a[x] + 0.3*b[x] // so that weights are not all tiny
			}
		}
	}
	return out
}

// TestCrossJointMatchesReference checks BeginJoint and SetCrossJoint against the direct
// computation, RGB and YUV, with and without reliabilities (at the size, and twice it), a
// spatial weight, the spatial part off, a noise-free channel, several bands and a channel
// that only guides (nil dst).
func TestCrossJointMatchesReference(t *testing.T) {
	cases := []struct {
		w, h   int
		sig    [3]float64
		p      Params
		cp     CrossParams
		planes int
		shift  int
		rel    bool
		space  JointSpace
		rows   int // BandRows
	}{
		{1, 1, [3]float64{10, 10, 10}, Params{PatchRadius: 1, SearchRadius: 2, H: 10}, CrossParams{SearchRadius: 1}, 1, 0, false, JointRGB, 0},
		{7, 5, [3]float64{20, 15, 25}, Params{PatchRadius: 1, SearchRadius: 3, H: 12}, CrossParams{SearchRadius: 2}, 2, 0, true, JointRGB, 0},
		{33, 17, [3]float64{20, 10, 10}, Params{PatchRadius: 2, SearchRadius: 2, H: 12}, CrossParams{SearchRadius: 1, H: 9}, 2, 1, true, JointYUV, 0},
		{31, 101, [3]float64{15, 20, 0}, Params{PatchRadius: 1, SearchRadius: 4, H: 15}, CrossParams{SearchRadius: 2, PatchRadius: 2, SpatialWeight: 0.4}, 3, 0, true, JointRGB, 20},
		{45, 90, [3]float64{12, 12, 14}, Params{PatchRadius: 2, SearchRadius: 0, H: 10}, CrossParams{SearchRadius: 1}, 2, 0, true, JointYUV, 30},
	}
	var overall float64
	defer func() { t.Logf("largest |fast − reference| over all cases: %.2e", overall) }()
	for ci, c := range cases {
		cur := jointPlanes([3]*frame.Plane{}, c.w, c.h, uint64(10*ci+1))
		var cross []jointCross
		for k := range c.planes {
			jc := jointCross{planes: jointPlanes(cur, c.w, c.h, uint64(100*ci+10*k))}
			if c.rel {
				rw, rh := c.w<<c.shift, c.h<<c.shift
				if c.shift > 0 {
					rw-- // an odd luma width
				}
				jc.rel = CrossPlane{Reliability: randomPlane(max(rw, 1), rh, max(rw, 1), uint64(200*ci+k)),
					RelShiftW: c.shift, RelShiftH: c.shift}
			}
			cross = append(cross, jc)
		}
		want := referenceJointST(cur, cross, c.sig, c.p, c.cp, c.space)
		var dst [3]*frame.Plane
		for i := range dst {
			dst[i] = &frame.Plane{W: c.w, H: c.h, Stride: c.w + 1, Pix: make([]float32, (c.w+1)*c.h)}
		}
		d := STDenoiser{BandRows: c.rows, MaxBands: 8}
		for range 2 { // the second call reuses the scratch
			runJointST(t, &d, dst, cur, cross, c.sig, c.p, c.cp, c.space)
		}
		var worst float64
		for i := range 3 {
			for y := 0; y < c.h; y++ {
				for x, v := range dst[i].Row(y) {
					worst = max(worst, math.Abs(float64(v)-want[i][y*c.w+x]))
				}
			}
		}
		overall = max(overall, worst)
		if worst > 1e-4 {
			t.Errorf("case %d %dx%d σ %v %v %+v: max |fast − reference| = %.2e", ci, c.w, c.h, c.sig, c.p, c.cp, worst)
		}
		// A channel that only guides: the others' output is the same.
		guideOnly := [3]*frame.Plane{nil, dst[1], dst[2]}
		ref1 := append([]float32(nil), dst[1].Pix...)
		clear(dst[1].Pix)
		runJointST(t, &d, guideOnly, cur, cross, c.sig, c.p, c.cp, c.space)
		for i, v := range dst[1].Pix {
			if v != ref1[i] {
				t.Fatalf("case %d: with channel 0 not written, sample %d of channel 1 is %g, want %g", ci, i, v, ref1[i])
			}
		}
	}
}

// TestCrossJointSlotsAndAllocations checks that fewer copies of the cross planes than cross
// planes (CrossSlots) change nothing, that the steady state does not allocate, and that
// the one-plane and joint calls refuse each other's cross planes.
func TestCrossJointSlotsAndAllocations(t *testing.T) {
	const w, h = 60, 150
	cur := jointPlanes([3]*frame.Plane{}, w, h, 1)
	var cross []jointCross
	for k := range 4 {
		cross = append(cross, jointCross{planes: jointPlanes(cur, w, h, uint64(10+10*k)),
			rel: CrossPlane{Reliability: randomPlane(w, h, w, uint64(50+k))}})
	}
	sig := [3]float64{20, 18, 22}
	p := Params{PatchRadius: 1, SearchRadius: 3, H: 14}
	cp := CrossParams{SearchRadius: 1, SpatialWeight: 0.5}
	planes := func() [3]*frame.Plane {
		var out [3]*frame.Plane
		for i := range out {
			out[i] = &frame.Plane{W: w, H: h, Stride: w, Pix: make([]float32, w*h)}
		}
		return out
	}
	want := planes()
	all := STDenoiser{BandRows: 40, MaxBands: 8}
	runJointST(t, &all, want, cur, cross, sig, p, cp, JointRGB)
	got := planes()
	s := STDenoiser{BandRows: 40, MaxBands: 8, CrossSlots: 2}
	runJointST(t, &s, got, cur, cross, sig, p, cp, JointRGB)
	for c := range 3 {
		for i := range want[c].Pix {
			if want[c].Pix[i] != got[c].Pix[i] {
				t.Fatalf("2 slots: channel %d sample %d is %g, want %g", c, i, got[c].Pix[i], want[c].Pix[i])
			}
		}
	}
	if a := testing.AllocsPerRun(3, func() { runJointST(t, &s, got, cur, cross, sig, p, cp, JointRGB) }); a != 0 {
		t.Errorf("a joint call allocates %v times", a)
	}
	if _, err := s.BeginJoint(got, cur, 1, sig, JointRGB, p, cp); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCross(0, CrossPlane{Plane: cur[0]}); err == nil {
		t.Error("SetCross was accepted by a joint call")
	}
	small := jointPlanes([3]*frame.Plane{}, 3, 3, 7)
	if err := s.SetCrossJoint(0, small, CrossPlane{}); err == nil {
		t.Error("cross planes of another size were accepted")
	}
	if _, err := s.Begin(got[0], cur[0], 1, Params{PatchRadius: 1, SearchRadius: 2, H: 10, Sigma: 10}, cp); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCrossJoint(0, cur, CrossPlane{}); err == nil {
		t.Error("SetCrossJoint was accepted by a one-plane call")
	}
	if _, err := s.BeginJoint([3]*frame.Plane{got[0], small[1], got[2]}, cur, 1, sig, JointRGB, p, cp); err == nil {
		t.Error("planes of different sizes were accepted")
	}
}
