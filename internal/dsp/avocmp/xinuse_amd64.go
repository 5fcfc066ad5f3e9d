package avocmp

// xinuse reads the XINUSE bitmap (XGETBV, ECX=1); see xinuse_amd64.s. For tests: a fast
// kernel must return with bit 2 clear (VZEROUPPER done), or the legacy-SSE scalar float code
// the Go compiler emits runs slower after it (BenchmarkDirtyUpper).
func xinuse() uint64

func cpuid(eax, ecx uint32) (a, b, c, d uint32)

// hasXGETBV1: CPUID.(EAX=0DH, ECX=1):EAX[2].
func hasXGETBV1() bool {
	if maxLeaf, _, _, _ := cpuid(0, 0); maxLeaf < 0xd {
		return false
	}
	a, _, _, _ := cpuid(0xd, 1)
	return a&4 != 0
}
