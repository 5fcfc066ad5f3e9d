package dsp

// Kernels of the CNN stage (filter/cnn): what it does per pixel around the network — the
// residual (image = input − predicted noise) and the clamp to [0, 1]. The tensors are filled
// with MirrorRow.

// CNNResidualRow writes clamp(in[i] − noise[i], 0, 1) into dst, for i < len(dst) (in and
// noise at least as long).
func CNNResidualRow(dst, in, noise []float32) { cnnResidualRow(dst, in, noise) }

var cnnResidualRow = cnnResidualRowGeneric

// fastCNNResidualRow is the AVX2 version when this build and CPU have it (for parity tests).
var fastCNNResidualRow func(dst, in, noise []float32)

func cnnResidualRowGeneric(dst, in, noise []float32) {
	n := len(dst)
	in, noise = in[:n], noise[:n]
	for i := range dst {
		dst[i] = cnnClamp01(in[i] - noise[i])
	}
}

// Clamp01Row writes clamp(src[i], 0, 1) into dst, for i < len(dst) (src at least as long).
func Clamp01Row(dst, src []float32) { clamp01Row(dst, src) }

var clamp01Row = clamp01RowGeneric

// fastClamp01Row is the AVX2 version when this build and CPU have it (for parity tests).
var fastClamp01Row func(dst, src []float32)

func clamp01RowGeneric(dst, src []float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] = cnnClamp01(src[i])
	}
}

func cnnClamp01(v float32) float32 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}
