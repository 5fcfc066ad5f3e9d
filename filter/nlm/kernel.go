package nlm

// Row kernels: pure functions on slices, no frames, no allocation. The plumbing in band.go
// calls them once per (row, offset); every slice is resliced to its exact length first so the
// compiler drops the bounds checks in the loops.

// updateCols advances the vertical running patch sums by one row: the squared differences of
// the entering row (a−b)² are added to col and the leaving row's, kept in ring, subtracted;
// ring then holds the entering row's.
func updateCols(col, ring []float64, a, b []float32) {
	n := len(col)
	ring, a, b = ring[:n], a[:n], b[:n]
	for i := range col {
		d := float64(a[i] - b[i])
		d2 := d * d
		col[i] += d2 - ring[i]
		ring[i] = d2
	}
}

// addCols adds the squared differences (a−b)² of one row to col and keeps them in ring.
func addCols(col, ring []float64, a, b []float32) {
	n := len(col)
	ring, a, b = ring[:n], a[:n], b[:n]
	for i := range col {
		d := float64(a[i] - b[i])
		d2 := d * d
		col[i] += d2
		ring[i] = d2
	}
}

// accumRow turns the column sums of one row into patch SSDs with a running horizontal box sum
// of width box (col holds n+box entries: the sum for pixel x spans col[x : x+box]), looks the
// weights up, and accumulates them both ways, using the symmetry of the patch distance:
// pixel p gets w and w·vq (the value at p+o) into dw and dv; pixel p+o gets w and w·vp into
// rw and rv. The d* and r* slices may alias (offsets with dy = 0).
func accumRow(l *weightLUT, col []float64, box int, vp, vq, dw, dv, rw, rv []float32) {
	n := len(vp)
	col = col[:n+box]
	vq, dw, dv, rw, rv = vq[:n], dw[:n], dv[:n], rw[:n], rv[:n]
	var s float64
	for _, c := range col[:box] {
		s += c
	}
	tab := &l.tab
	scale := float64(l.scale)
	head, tail := col[box:box+n], col[:n]
	for x := range vp {
		v := s * scale
		i := min(uint64(int64(v)), lutLen)
		e := &tab[i]
		w := e[0] + float32(v-float64(i))*e[1]
		s += head[x] - tail[x]

		dw[x] += w
		dv[x] += w * vq[x]
		rw[x] += w
		rv[x] += w * vp[x]
	}
}
