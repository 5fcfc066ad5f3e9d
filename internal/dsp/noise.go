package dsp

import "math"

// Kernels of noise estimation: the absolute responses of Immerkær's Laplacian-difference mask
// and of the finest Haar diagonal, and exact order statistics (the median absolute response).

// LaplaceAbsRow writes |I∗M| for the middle row b with rows a above and c below,
// M = [[1,−2,1],[−2,4,−2],[1,−2,1]]: dst[i] is the response at column i+1, for
// i < len(dst) = len(b)−2 (a and c at least as long as b).
func LaplaceAbsRow(dst, a, b, c []float32) { laplaceAbsRow(dst, a, b, c) }

var laplaceAbsRow = laplaceAbsRowGeneric

// fastLaplaceAbsRow is the AVX2 version when this build and CPU have it (for parity tests).
var fastLaplaceAbsRow func(dst, a, b, c []float32)

func laplaceAbsRowGeneric(dst, a, b, c []float32) {
	n := len(dst)
	a, b, c = a[:n+2], b[:n+2], c[:n+2]
	for i := range dst {
		v := laplace3(a[i], a[i+1], a[i+2], b[i], b[i+1], b[i+2], c[i], c[i+1], c[i+2])
		if v < 0 {
			v = -v
		}
		dst[i] = v
	}
}

// laplace3 is the mask's response on one 3×3 neighbourhood, summed in the order the fast
// kernel sums it, so that both give the same float32.
func laplace3(a0, a1, a2, b0, b1, b2, c0, c1, c2 float32) float32 {
	corners := (a0 + a2) + (c0 + c2)
	edges := (a1 + c1) + (b0 + b2)
	return (corners - 2*edges) + 4*b1
}

// HaarDiagAbsRow writes the finest Haar diagonal coefficients |((a[2i] − b[2i]) − (a[2i+1] −
// b[2i+1])) / 2| of the row pair (a, b) into dst, for i < len(dst) ≤ len(a)/2.
func HaarDiagAbsRow(dst, a, b []float32) { haarDiagAbsRow(dst, a, b) }

var haarDiagAbsRow = haarDiagAbsRowGeneric

// fastHaarDiagAbsRow is the AVX2 version when this build and CPU have it (for parity tests).
var fastHaarDiagAbsRow func(dst, a, b []float32)

func haarDiagAbsRowGeneric(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:2*n], b[:2*n]
	for i := range dst {
		v := ((a[2*i] - b[2*i]) - (a[2*i+1] - b[2*i+1])) * 0.5
		if v < 0 {
			v = -v
		}
		dst[i] = v
	}
}

// SelectScratch is the histogram Select uses on long inputs; keep one per goroutine so that
// repeated selections do not allocate. It also selects from values that are never stored
// together, read twice in the same order (CountHigh … Narrow, CountLow … Kth).
type SelectScratch struct {
	hist, low []uint32
	bucket    uint32 // Narrow's: the high 16 bits of the answer's key
	k         int    // its rank among the values of that bucket
}

// Begin starts a selection from values given in pieces: CountHigh every piece, Narrow, then
// CountLow every piece again, and Kth.
func (s *SelectScratch) Begin() {
	if len(s.hist) != 1<<radixBits {
		s.hist = make([]uint32, 1<<radixBits)
	}
	clear(s.hist)
}

// CountHigh counts the values of v by the high 16 bits of their keys.
func (s *SelectScratch) CountHigh(v []float32) {
	for _, f := range v {
		s.hist[sortKey(f)>>(32-radixBits)]++
	}
}

// Narrow keeps the bucket that holds the k-th smallest (0-based) of the values counted.
func (s *SelectScratch) Narrow(k int) {
	below := 0
	for i, c := range s.hist {
		if below+int(c) > k {
			s.bucket, s.k = uint32(i), k-below
			break
		}
		below += int(c)
	}
	if len(s.low) != 1<<(32-radixBits) {
		s.low = make([]uint32, 1<<(32-radixBits))
	}
	clear(s.low)
}

// CountLow counts the values of v in Narrow's bucket by the low 16 bits of their keys.
func (s *SelectScratch) CountLow(v []float32) {
	for _, f := range v {
		if key := sortKey(f); key>>(32-radixBits) == s.bucket {
			s.low[key&(1<<(32-radixBits)-1)]++
		}
	}
}

// Kth returns the k-th smallest value Narrow was given k of: the same value Select returns.
func (s *SelectScratch) Kth() float32 {
	below := 0
	for i, c := range s.low {
		if below+int(c) > s.k {
			return fromSortKey(s.bucket<<(32-radixBits) | uint32(i))
		}
		below += int(c)
	}
	return float32(math.NaN()) // fewer values than counted
}

// radixBits is the width of the first radix pass: 2^16 buckets spread the values of a
// natural distribution thinly enough that the second step sees about a hundredth of them.
const radixBits = 16

// selectRadixMin is the length from which Select histograms instead of partitioning.
const selectRadixMin = 4096

// Select returns the k-th smallest (0-based) of v, reordering v. Short inputs are partitioned
// in place (quickselect with a median-of-three pivot); long ones are first narrowed to the
// values that share the answer's high 16 bits of a sortable key, with one histogram pass and
// one partition pass, and the rest is selected among those. The result is exact, the same
// value either way. v must hold no NaN. s may be nil (then a histogram is allocated).
func Select(v []float32, k int, s *SelectScratch) float32 {
	if len(v) < selectRadixMin {
		return quickSelect(v, k)
	}
	if s == nil {
		s = &SelectScratch{}
	}
	if len(s.hist) != 1<<radixBits {
		s.hist = make([]uint32, 1<<radixBits)
	}
	hist := s.hist
	clear(hist)
	for _, f := range v {
		hist[sortKey(f)>>(32-radixBits)]++
	}
	var below int
	bucket := 0
	for i, c := range hist {
		if below+int(c) > k {
			bucket = i
			break
		}
		below += int(c)
	}
	// Move the bucket's values to the front of v.
	m := 0
	for i, f := range v {
		if int(sortKey(f)>>(32-radixBits)) == bucket {
			v[i], v[m] = v[m], f
			m++
		}
	}
	return quickSelect(v[:m], k-below)
}

// sortKey maps a float32 onto a uint32 whose unsigned order is the floats' order.
func sortKey(f float32) uint32 {
	b := math.Float32bits(f)
	if b>>31 != 0 {
		return ^b
	}
	return b | 1<<31
}

// fromSortKey is sortKey's inverse.
func fromSortKey(k uint32) float32 {
	if k>>31 != 0 {
		return math.Float32frombits(k &^ (1 << 31))
	}
	return math.Float32frombits(^k)
}

func quickSelect(v []float32, k int) float32 {
	lo, hi := 0, len(v)-1
	for hi > lo {
		m := lo + (hi-lo)/2
		if v[m] < v[lo] {
			v[m], v[lo] = v[lo], v[m]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[m] {
			v[hi], v[m] = v[m], v[hi]
		}
		pivot := v[m]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}
