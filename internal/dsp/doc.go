// Package dsp is the kernel layer: the arithmetic of every stage as pure row and block
// functions over slices and strides — no frames, no configuration, no allocation — the way
// FFmpeg keeps its filters' inner loops in DSP contexts.
//
// Every kernel has a portable Go reference, always built and always tested. Where a faster
// version exists (AVX2 + FMA through simd/archsimd, built with GOEXPERIMENT=simd on amd64),
// it is chosen once at start from the CPU's features; DENOISE_CPU=generic forces the
// references. Where a legacy-SSE instruction is slow with the upper YMM halves dirty (timed
// once at start), the two fast kernels that mix scalar and vector work in their loops give
// way to the references (KERNELS.md). Where the CPU has AVX-512, the NLM kernels that gain
// from it take their 512-bit versions, the same bits (nlm_avx512.go; DENOISE_CPU=avx2 keeps
// the AVX2 ones). Kernels() says which set is in use. Each fast kernel is tested against its
// reference on odd widths, unaligned starts and wide strides, with guard values around every
// output (checkasm_test.go), at each width the CPU has.
//
// Convention for a kernel Foo:
//   - foo.go: fooGeneric, the reference, and the dispatch variable Foo = fooGeneric (or a
//     plain exported function that calls the dispatch variable);
//   - foo_avx2.go (//go:build goexperiment.simd && amd64): fooAVX2 and an init that sets
//     fastFoo = fooAVX2 when HasFast() and Foo = fooAVX2 when UseFast();
//   - foo_test.go: the parity test of fastFoo (skipped when nil) against fooGeneric.
package dsp
