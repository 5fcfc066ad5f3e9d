package dsp

// A fast kernel must return with the upper halves of the YMM registers clear (VZEROUPPER,
// archsimd.ClearAVXUpperBits as its last operation): the scalar float code the Go compiler
// emits is legacy SSE, which runs several times slower while they are dirty. The parity
// harness checks it after every fast kernel through the XINUSE bitmap.

func xinuse() uint64

func cpuidLeaf(eax, ecx uint32) (a, b, c, d uint32)

// upperDirty reports whether the upper YMM halves may be non-zero now; ok is false where the
// CPU cannot say (no XGETBV with ECX=1).
func upperDirty() (dirty, ok bool) {
	if maxLeaf, _, _, _ := cpuidLeaf(0, 0); maxLeaf < 0xd {
		return false, false
	}
	if a, _, _, _ := cpuidLeaf(0xd, 1); a&4 == 0 {
		return false, false
	}
	// Bit 2: the upper halves of YMM0–15; bit 6: the upper halves of ZMM0–15 (AVX-512).
	// VZEROUPPER clears both.
	return xinuse()&(4|64) != 0, true
}
