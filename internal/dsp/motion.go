package dsp

// Block-matching kernels for motion estimation: the sum of squared differences of two
// windows, against whole-pixel and bilinearly interpolated positions, and the 2×2 box
// downsampling of the matching pyramid. A window is given by the slice starting at its
// top-left sample and the stride between its rows; rows need only be as long as the window.

// SSD returns the sum of (a−b)² over a w×h window of a (rows as apart) and of b (rows bs
// apart). It may stop early once the sum reaches limit, returning a partial sum ≥ limit: a
// candidate that cannot win need not be finished.
func SSD(a []float32, as int, b []float32, bs int, w, h int, limit float32) float32 {
	return ssd(a, as, b, bs, w, h, limit)
}

// SSDBilinear is SSD against b sampled at the fractional offset (ax, ay) ∈ [0,1)² from the
// window's top-left: it reads w+1 columns and h+1 rows of b (w and h where that axis's
// offset is 0).
func SSDBilinear(a []float32, as int, b []float32, bs int, w, h int, ax, ay, limit float32) float32 {
	switch {
	case ay == 0:
		return ssdLerpH(a, as, b, bs, w, h, ax, limit)
	case ax == 0:
		return ssdLerpV(a, as, b, bs, w, h, ay, limit)
	}
	return ssdBilinear(a, as, b, bs, w, h, ax, ay, limit)
}

// Downsample2Row writes into dst the 2×2 box means of rows r0 and r1:
// dst[x] = ((r0[2x]+r0[2x+1]) + (r1[2x]+r1[2x+1]))/4, and where the rows are odd and dst
// reaches their last sample, (r0[2x]+r1[2x])/2. len(dst) ≤ (len(r0)+1)/2 and r1 is at least
// as long as r0.
func Downsample2Row(dst, r0, r1 []float32) { downsample2Row(dst, r0, r1) }

var (
	ssd            = ssdGeneric
	ssdLerpH       = ssdLerpHGeneric
	ssdLerpV       = ssdLerpVGeneric
	ssdBilinear    = ssdBilinearGeneric
	downsample2Row = downsample2RowGeneric

	// The fast versions, for the parity tests; nil without them.
	fastSSD            func(a []float32, as int, b []float32, bs int, w, h int, limit float32) float32
	fastSSDLerpH       func(a []float32, as int, b []float32, bs int, w, h int, ax, limit float32) float32
	fastSSDLerpV       func(a []float32, as int, b []float32, bs int, w, h int, ay, limit float32) float32
	fastSSDBilinear    func(a []float32, as int, b []float32, bs int, w, h int, ax, ay, limit float32) float32
	fastDownsample2Row func(dst, r0, r1 []float32)
)

// The references keep a path for the 8-sample rows of the default blocks, where constant
// indices let the compiler drop bounds checks, and a general one.

func ssdGeneric(c []float32, cs int, r []float32, rs int, w, h int, limit float32) float32 {
	var s float32
	co, ro := 0, 0
	if w == 8 {
		for range h {
			a := c[co : co+8 : co+8]
			b := r[ro : ro+8 : ro+8]
			d0, d1, d2, d3 := a[0]-b[0], a[1]-b[1], a[2]-b[2], a[3]-b[3]
			d4, d5, d6, d7 := a[4]-b[4], a[5]-b[5], a[6]-b[6], a[7]-b[7]
			s += ((d0*d0 + d1*d1) + (d2*d2 + d3*d3)) + ((d4*d4 + d5*d5) + (d6*d6 + d7*d7))
			if s >= limit {
				return s
			}
			co += cs
			ro += rs
		}
		return s
	}
	for range h {
		a := c[co : co+w : co+w]
		b := r[ro : ro+w : ro+w]
		b = b[:len(a)]
		var s0, s1 float32
		x := 0
		for ; x+1 < len(a); x += 2 {
			d0, d1 := a[x]-b[x], a[x+1]-b[x+1]
			s0 += d0 * d0
			s1 += d1 * d1
		}
		if x < len(a) {
			d := a[x] - b[x]
			s0 += d * d
		}
		s += s0 + s1
		if s >= limit {
			return s
		}
		co += cs
		ro += rs
	}
	return s
}

// ssdBilinearGeneric interpolates in two linear passes, horizontal then vertical; the
// horizontal pass of a reference row is kept for the next row.
func ssdBilinearGeneric(c []float32, cs int, r []float32, rs int, w, h int, ax, ay, limit float32) float32 {
	if w == 8 {
		return ssdBilinear8(c, cs, r, rs, h, ax, ay, limit)
	}
	var s float32
	co, ro := 0, 0
	for range h {
		a := c[co : co+w : co+w]
		r0 := r[ro : ro+w+1 : ro+w+1]
		r1 := r[ro+rs : ro+rs+w+1 : ro+rs+w+1]
		for x := range a {
			h0 := r0[x] + ax*(r0[x+1]-r0[x])
			h1 := r1[x] + ax*(r1[x+1]-r1[x])
			d := a[x] - (h0 + ay*(h1-h0))
			s += d * d
		}
		if s >= limit {
			return s
		}
		co += cs
		ro += rs
	}
	return s
}

func ssdBilinear8(c []float32, cs int, r []float32, rs int, h int, ax, ay, limit float32) float32 {
	var prev [8]float32
	co, ro := 0, 0
	r0 := r[ro : ro+9 : ro+9]
	for x := range prev {
		prev[x] = r0[x] + ax*(r0[x+1]-r0[x])
	}
	var s float32
	for range h {
		ro += rs
		a := c[co : co+8 : co+8]
		r1 := r[ro : ro+9 : ro+9]
		var s0, s1 float32
		for x := 0; x < 8; x += 2 {
			h0 := r1[x] + ax*(r1[x+1]-r1[x])
			h1 := r1[x+1] + ax*(r1[x+2]-r1[x+1])
			d0 := a[x] - (prev[x] + ay*(h0-prev[x]))
			d1 := a[x+1] - (prev[x+1] + ay*(h1-prev[x+1]))
			prev[x], prev[x+1] = h0, h1
			s0 += d0 * d0
			s1 += d1 * d1
		}
		s += s0 + s1
		if s >= limit {
			return s
		}
		co += cs
	}
	return s
}

func ssdLerpHGeneric(c []float32, cs int, r []float32, rs int, w, h int, ax, limit float32) float32 {
	var s float32
	co, ro := 0, 0
	if w == 8 {
		for range h {
			a := c[co : co+8 : co+8]
			r0 := r[ro : ro+9 : ro+9]
			var s0, s1 float32
			for x := 0; x < 8; x += 2 {
				d0 := a[x] - (r0[x] + ax*(r0[x+1]-r0[x]))
				d1 := a[x+1] - (r0[x+1] + ax*(r0[x+2]-r0[x+1]))
				s0 += d0 * d0
				s1 += d1 * d1
			}
			s += s0 + s1
			if s >= limit {
				return s
			}
			co += cs
			ro += rs
		}
		return s
	}
	for range h {
		a := c[co : co+w : co+w]
		r0 := r[ro : ro+w+1 : ro+w+1]
		r0 = r0[:len(a)+1]
		var s0, s1 float32
		x := 0
		for ; x+1 < len(a); x += 2 {
			d0 := a[x] - (r0[x] + ax*(r0[x+1]-r0[x]))
			d1 := a[x+1] - (r0[x+1] + ax*(r0[x+2]-r0[x+1]))
			s0 += d0 * d0
			s1 += d1 * d1
		}
		if x < len(a) {
			d := a[x] - (r0[x] + ax*(r0[x+1]-r0[x]))
			s0 += d * d
		}
		s += s0 + s1
		if s >= limit {
			return s
		}
		co += cs
		ro += rs
	}
	return s
}

func ssdLerpVGeneric(c []float32, cs int, r []float32, rs int, w, h int, ay, limit float32) float32 {
	var s float32
	co, ro := 0, 0
	if w == 8 {
		for range h {
			a := c[co : co+8 : co+8]
			r0 := r[ro : ro+8 : ro+8]
			r1 := r[ro+rs : ro+rs+8 : ro+rs+8]
			var s0, s1 float32
			for x := 0; x < 8; x += 2 {
				d0 := a[x] - (r0[x] + ay*(r1[x]-r0[x]))
				d1 := a[x+1] - (r0[x+1] + ay*(r1[x+1]-r0[x+1]))
				s0 += d0 * d0
				s1 += d1 * d1
			}
			s += s0 + s1
			if s >= limit {
				return s
			}
			co += cs
			ro += rs
		}
		return s
	}
	for range h {
		a := c[co : co+w : co+w]
		r0 := r[ro : ro+w : ro+w]
		r1 := r[ro+rs : ro+rs+w : ro+rs+w]
		r0, r1 = r0[:len(a)], r1[:len(a)]
		var s0, s1 float32
		x := 0
		for ; x+1 < len(a); x += 2 {
			d0 := a[x] - (r0[x] + ay*(r1[x]-r0[x]))
			d1 := a[x+1] - (r0[x+1] + ay*(r1[x+1]-r0[x+1]))
			s0 += d0 * d0
			s1 += d1 * d1
		}
		if x < len(a) {
			d := a[x] - (r0[x] + ay*(r1[x]-r0[x]))
			s0 += d * d
		}
		s += s0 + s1
		if s >= limit {
			return s
		}
		co += cs
		ro += rs
	}
	return s
}

func downsample2RowGeneric(dst, r0, r1 []float32) {
	r1 = r1[:len(r0)]
	x := 0
	for ; 2*x+1 < len(r0) && x < len(dst); x++ {
		dst[x] = 0.25 * ((r0[2*x] + r0[2*x+1]) + (r1[2*x] + r1[2*x+1]))
	}
	if x < len(dst) { // odd width
		dst[x] = 0.5 * (r0[2*x] + r1[2*x])
	}
}
