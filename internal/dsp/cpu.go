package dsp

import (
	"os"

	"golang.org/x/sys/cpu"
)

// forcedGeneric: DENOISE_CPU=generic asks for the portable kernels.
var forcedGeneric = os.Getenv("DENOISE_CPU") == "generic"

// cpuHasAVX2FMA is what the fast kernels need of the CPU.
var cpuHasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// HasFast reports whether this build and this CPU have the fast kernels (whether or not they
// are in use).
func HasFast() bool { return hasFast }

// UseFast reports whether the fast kernels are in use: HasFast and not DENOISE_CPU=generic.
func UseFast() bool { return hasFast && !forcedGeneric }

// useMixed reports whether the fast kernels that interleave scalar and vector work in their
// loops are in use: UseFast, unless this CPU makes them slow (slowTransitions).
func useMixed() bool { return UseFast() && !slowTransitions }

// kernels512: the AVX-512 NLM kernels are the fast ones (nlm_avx512.go).
var kernels512 bool

// Kernels names the kernel set in use, for logs and --version: "avx2+fma", "avx2+fma,
// avx512 nlm" (the hottest NLM kernels in AVX-512; DENOISE_CPU=avx2 leaves them out) or
// "generic" (with the reason when a faster set exists but is not used, or is not built).
func Kernels() string {
	switch {
	case UseFast() && slowTransitions:
		return "avx2+fma" + plus512() + " (slow SSE/AVX transitions: portable 16-bit conversion)"
	case UseFast():
		return "avx2+fma" + plus512()
	case hasFast:
		return "generic (DENOISE_CPU=generic)"
	case cpuHasAVX2FMA && !simdBuilt:
		return "generic (built without GOEXPERIMENT=simd)"
	default:
		return "generic"
	}
}

func plus512() string {
	if kernels512 {
		return ", avx512 nlm"
	}
	return ""
}
