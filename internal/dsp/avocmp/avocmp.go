// Package avocmp measures the two ways issue 15 allowed for the fast kernels — Go 1.26's
// simd/archsimd and assembly generated with avo — on the same two kernels: the NLM column-sum
// update (a streaming element-wise kernel) and the SSD of two rows (a reduction). It is a
// nested module so that the main module does not depend on avo; the result is written down
// in ../KERNELS.md.
//
// The avo assembly and its Go stubs are generated and committed:
//
//	go generate   # in internal/dsp/avocmp: runs gen/main.go, writes avo_amd64.s and avo_stub_amd64.go
package avocmp

//go:generate go run ./gen -out avo_amd64.s -stubs avo_stub_amd64.go -pkg avocmp

// impl names one version of a kernel, for the tests and benchmarks.
type impl[F any] struct {
	name string
	fn   F
}

type (
	updateColsFunc = func(col, ring, a, b []float32)
	ssdFunc        = func(a, b []float32) float32
)

// The versions present in this build and on this CPU; files with build tags add theirs.
var (
	updateColsImpls = []impl[updateColsFunc]{{"generic", updateColsGeneric}}
	ssdImpls        = []impl[ssdFunc]{{"generic", ssdGeneric}}
)

// updateColsGeneric advances the vertical running patch sums by one row: d = a−b, d2 = d·d,
// col += d2 − ring, ring = d2 (filter/nlm's updateCols, in float32).
func updateColsGeneric(col, ring, a, b []float32) {
	n := len(col)
	ring, a, b = ring[:n], a[:n], b[:n]
	for i := range col {
		d := a[i] - b[i]
		d2 := d * d
		col[i] += d2 - ring[i]
		ring[i] = d2
	}
}

// ssdGeneric is Σ(a−b)² over len(a) samples.
func ssdGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}
