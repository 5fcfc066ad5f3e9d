package avocmp

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The machine this was written on is shared (2 cores, a load of 10+): separate benchmarks of
// each version see different slices of contention. BenchmarkInterleaved runs the versions in
// alternation, in batches of a few microseconds, and reports per version the median and the
// minimum batch time per call: a batch that was not preempted measures the code, so the
// minimum and the median of these short batches are robust where b.N averages are not.

func BenchmarkInterleaved(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, w := range benchWidths {
		col, ring := randF32(r, w, 0, 50), randF32(r, w, 0, 1)
		x, y := randF32(r, w, 0, 1), randF32(r, w, 0, 1)
		k := (8192 + w - 1) / w // calls per batch: a few microseconds
		b.Run(fmt.Sprintf("updateCols/w=%d", w), func(b *testing.B) {
			fns := make([]func(), len(updateColsImpls))
			for j, im := range updateColsImpls {
				fns[j] = func() { im.fn(col, ring, x, y) }
			}
			interleave(b, k, w, 24, fns, names(updateColsImpls))
		})
		b.Run(fmt.Sprintf("ssd/w=%d", w), func(b *testing.B) {
			fns := make([]func(), len(ssdImpls))
			for j, im := range ssdImpls {
				fns[j] = func() { sink += im.fn(x, y) }
			}
			interleave(b, k, w, 8, fns, names(ssdImpls))
		})
	}
}

func names[F any](impls []impl[F]) []string {
	var s []string
	for _, im := range impls {
		s = append(s, im.name)
	}
	return s
}

// interleave times k calls of each fn in turn, b.N rounds, and reports ns/call (median and
// min over the rounds) and GB/s at the median for bytesPer·w bytes a call.
func interleave(b *testing.B, k, w, bytesPer int, fns []func(), names []string) {
	times := make([][]float64, len(fns))
	for b.Loop() {
		for j, fn := range fns {
			t0 := time.Now()
			for range k {
				fn()
			}
			times[j] = append(times[j], float64(time.Since(t0).Nanoseconds())/float64(k))
		}
	}
	for j, name := range names {
		t := times[j]
		slices.Sort(t)
		med := t[len(t)/2]
		b.ReportMetric(med, name+"-ns/call")
		b.ReportMetric(t[0], name+"-min-ns/call")
		b.ReportMetric(float64(bytesPer*w)/med, name+"-GB/s")
	}
	b.ReportMetric(0, "ns/op")
}
