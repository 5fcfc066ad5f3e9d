package nlm

import (
	"math/rand/v2"
	"testing"
)

// Row-kernel micro-benchmarks (one 1280-sample row, in cache): ns per sample.
func rowData(n int) (a, b []float32) {
	rng := rand.New(rand.NewPCG(1, 1))
	a, b = make([]float32, n+64), make([]float32, n+64)
	for i := range a {
		a[i], b[i] = rng.Float32(), rng.Float32()
	}
	return
}

func BenchmarkUpdateCols(b *testing.B) {
	const n = 1280
	x, y := rowData(n)
	col, ring := make([]float64, n), make([]float64, n)
	for b.Loop() {
		updateCols(col, ring, x, y)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/sample")
}

func BenchmarkAccumRow(b *testing.B) {
	const n, box = 1280, 5
	x, y := rowData(n)
	var l weightLUT
	l.init(box*box, 25.0/255, 17.0/255)
	col := make([]float64, n+box)
	for i := range col {
		col[i] = float64(x[i]*x[i]) * 0.05
	}
	acc := make([]float32, 4*n)
	for b.Loop() {
		accumRow(&l, col, box, x[:n], y, acc[:n], acc[n:], acc[2*n:], acc[3*n:])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/sample")
}
