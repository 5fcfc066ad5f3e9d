package temporal

// The matching kernels: pure functions on slices, no allocation. Each has a path for the
// 8-pixel rows of the default blocks, where constant indices let the compiler drop bounds
// checks, and a general one; motion_kernel_test.go holds them to a plain reference.

// ssd is the sum of squared differences of a w×h window of c at co and of r at ro; it stops
// early, returning a partial sum ≥ limit, once the window can no longer win.
func ssd(c []float32, co, cs int, r []float32, ro, rs, w, h int, limit float32) float32 {
	var s float32
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

// ssdBilinear is ssd against r sampled at fractional offset (ax, ay) ∈ [0,1)² from ro.
// Interpolation is done as two linear passes, horizontal then vertical, and the horizontal
// pass of a row is kept for the next, so that each reference row is read once; offsets with
// one whole-pixel axis take the cheaper one-pass paths.
func ssdBilinear(c []float32, co, cs int, r []float32, ro, rs, w, h int, ax, ay, limit float32) float32 {
	switch {
	case ay == 0:
		return ssdLerpH(c, co, cs, r, ro, rs, w, h, ax, limit)
	case ax == 0:
		return ssdLerpV(c, co, cs, r, ro, rs, w, h, ay, limit)
	case w == 8:
		return ssdBilinear8(c, co, cs, r, ro, rs, h, ax, ay, limit)
	}
	var s float32
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

func ssdBilinear8(c []float32, co, cs int, r []float32, ro, rs, h int, ax, ay, limit float32) float32 {
	var prev [8]float32
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

func ssdLerpH(c []float32, co, cs int, r []float32, ro, rs, w, h int, ax, limit float32) float32 {
	var s float32
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

func ssdLerpV(c []float32, co, cs int, r []float32, ro, rs, w, h int, ay, limit float32) float32 {
	var s float32
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
