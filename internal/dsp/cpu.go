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

// Kernels names the kernel set in use, for logs and --version: "avx2+fma" or "generic"
// (with the reason when a faster set exists but is not used, or is not built).
func Kernels() string {
	switch {
	case UseFast() && slowTransitions:
		return "avx2+fma (slow SSE/AVX transitions: portable 16-bit conversion)"
	case UseFast():
		return "avx2+fma"
	case hasFast:
		return "generic (DENOISE_CPU=generic)"
	case cpuHasAVX2FMA && !simdBuilt:
		return "generic (built without GOEXPERIMENT=simd)"
	default:
		return "generic"
	}
}
