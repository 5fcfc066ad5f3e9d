package temporal

import "testing"

// At half scale the field has one vector per 16×16 pixels, in full-resolution pixels to half
// a pixel, and the noise level it reads is the frames' own, a little high: on this texture,
// fine grain throughout, the half-size planes' interpolation error adds to the residual of
// the flattest blocks (σ=20/255 reads as 23–26 here, against 20.1–20.4 at full scale).
func TestMotionHalfScalePan(t *testing.T) {
	tex := newColourTexture(1)
	g := grayGeom(256, 192)
	for _, tc := range []struct {
		dx, dy, sigma255 float64
		minWithin        float64 // share of blocks within 0.5 px
	}{
		{2.3, -1.6, 0, 0.98},
		{-5.6, 3.2, 0, 0.98},
		{19.75, -12.4, 0, 0.98},
		{2.3, -1.6, 20, 0.9},
		{-7.4, 0.6, 20, 0.9},
	} {
		cur, ref := panPair(g, tex, tc.dx, tc.dy, tc.sigma255/255, 3)
		e, err := NewMotionEstimator(MotionConfig{Scale: MotionScaleHalf})
		if err != nil {
			t.Fatal(err)
		}
		var f MotionField
		for range 2 { // the second estimate starts from the noise level read off the first
			e.Estimate(&f, &cur.Planes[0], &ref.Planes[0])
		}
		if f.BlockSize != 16 || f.W != g.W || f.H != g.H || f.BW != 16 || f.BH != 12 {
			t.Fatalf("field of %dx%d in %dx%d blocks of %d, want 256x192 in 16x12 blocks of 16", f.W, f.H, f.BW, f.BH, f.BlockSize)
		}
		within, rms := vectorErrors(&f, tc.dx, tc.dy, 0.5)
		t.Logf("pan (%.2f, %.2f) σ=%g/255: %.1f%% of blocks within 0.5 px, RMS error %.3f px, σ read %.2f/255",
			tc.dx, tc.dy, tc.sigma255, 100*within, rms, f.Sigma*255)
		if within < tc.minWithin {
			t.Errorf("pan (%g, %g) σ=%g: %.1f%% of blocks within 0.5 px, want ≥ %.0f%%",
				tc.dx, tc.dy, tc.sigma255, 100*within, 100*tc.minWithin)
		}
		if s := float64(f.Sigma) * 255; tc.sigma255 > 0 && (s < 0.95*tc.sigma255 || s > 1.35*tc.sigma255) {
			t.Errorf("σ read as %.2f/255, want %g/255 to 35%% more", s, tc.sigma255)
		}
	}
}

func TestMotionScaleAuto(t *testing.T) {
	for _, tc := range []struct {
		scale MotionScale
		w, h  int
		half  bool
	}{
		{MotionScaleAuto, 1280, 720, true},
		{MotionScaleAuto, 1920, 1080, true},
		{MotionScaleAuto, 720, 1280, true},
		{MotionScaleAuto, 1024, 576, true},
		{MotionScaleAuto, 1280, 536, true},
		{MotionScaleAuto, 1022, 576, false},
		{MotionScaleAuto, 640, 480, false},
		{MotionScaleAuto, 176, 144, false},
		{MotionScaleFull, 1920, 1080, false},
		{MotionScaleHalf, 320, 240, true},
		{MotionScaleHalf, 24, 24, false}, // too small for a second level
	} {
		e, err := NewMotionEstimator(MotionConfig{Scale: tc.scale})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.HalfScale(tc.w, tc.h); got != tc.half {
			t.Errorf("%v at %dx%d: half %v, want %v", tc.scale, tc.w, tc.h, got, tc.half)
		}
	}
	for _, s := range []string{"auto", "full", "half"} {
		if v, err := ParseMotionScale(s); err != nil || v.String() != s {
			t.Errorf("ParseMotionScale(%q) = %v, %v", s, v, err)
		}
	}
	if _, err := ParseMotionScale("quarter"); err == nil {
		t.Error("ParseMotionScale(quarter): no error")
	}
	// At half scale the pyramid has one level more than Levels: the full resolution.
	for _, tc := range []struct {
		scale      MotionScale
		levels     int
		w, h, want int
	}{
		{MotionScaleHalf, 1, 320, 240, 2},
		{MotionScaleHalf, 3, 1280, 720, 4},
		{MotionScaleAuto, 3, 1920, 1080, 4},
		{MotionScaleFull, 3, 1920, 1080, 3},
		{MotionScaleAuto, 3, 176, 144, 3},
		{MotionScaleHalf, 3, 256, 192, 3}, // the extra level, 32×24, would hold 4×3 blocks
		{MotionScaleHalf, 3, 64, 48, 2},   // 16×12 at the third level: too small
	} {
		e, err := NewMotionEstimator(MotionConfig{Scale: tc.scale, Levels: tc.levels})
		if err != nil {
			t.Fatal(err)
		}
		e.configure(tc.w, tc.h)
		if len(e.levels) != tc.want {
			t.Errorf("%v, %d levels at %dx%d: a pyramid of %d, want %d", tc.scale, tc.levels, tc.w, tc.h, len(e.levels), tc.want)
		}
	}
}
