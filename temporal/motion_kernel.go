package temporal

import "github.com/denoise-go/denoise/internal/dsp"

// The matching kernels live in internal/dsp; these adapt them to the offsets the search
// works with (motion_kernel_test.go holds them to a plain reference).

// ssd is the sum of squared differences of a w×h window of c at co and of r at ro; it stops
// early, returning a partial sum ≥ limit, once the window can no longer win.
func ssd(c []float32, co, cs int, r []float32, ro, rs, w, h int, limit float32) float32 {
	return dsp.SSD(c[co:], cs, r[ro:], rs, w, h, limit)
}

// ssdBilinear is ssd against r sampled at fractional offset (ax, ay) ∈ [0,1)² from ro.
func ssdBilinear(c []float32, co, cs int, r []float32, ro, rs, w, h int, ax, ay, limit float32) float32 {
	return dsp.SSDBilinear(c[co:], cs, r[ro:], rs, w, h, ax, ay, limit)
}
