//go:build goexperiment.simd && amd64

package dsp

import "testing"

func init() {
	forEachTier = func(t *testing.T, f func(t *testing.T)) {
		if !cpuHas512 {
			t.Run("avx2", f)
			return
		}
		defer use512(has512)
		for _, on := range []bool{true, false} {
			use512(on)
			name := "avx2"
			if on {
				name = "avx512"
			}
			t.Run(name, f)
		}
	}
}

// TestTierChoice: the AVX-512 NLM kernels are in use exactly where the CPU has AVX-512 and
// DENOISE_CPU neither forces the portable kernels nor asks for AVX2 alone.
func TestTierChoice(t *testing.T) {
	if has512 != kernels512 {
		t.Fatalf("has512 %v but kernels512 %v", has512, kernels512)
	}
	if UseFast() && has512 && !sameFunc(nlmCrossRow3, nlmCrossRow3AVX512) {
		t.Fatal("AVX-512 chosen but NLMCrossRow3 is not its kernel")
	}
	if UseFast() && !has512 && !sameFunc(nlmCrossRow3, nlmCrossRow3AVX2) {
		t.Fatal("AVX-512 not chosen but NLMCrossRow3 is not the AVX2 kernel")
	}
	t.Logf("CPU has AVX-512: %v; in use: %v (%s)", cpuHas512, has512, Kernels())
}
