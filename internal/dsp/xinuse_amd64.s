#include "textflag.h"

// func xinuse() uint64: XGETBV with ECX=1, the XINUSE bitmap (bit 2: the upper halves of the
// YMM registers may be non-zero, i.e. no VZEROUPPER since the last 256-bit write).
TEXT ·xinuse(SB), NOSPLIT, $0-8
	MOVL $1, CX
	XGETBV
	SHLQ $32, DX
	MOVL AX, AX
	ORQ  DX, AX
	MOVQ AX, ret+0(FP)
	RET

// func cpuidLeaf(eax, ecx uint32) (a, b, c, d uint32)
TEXT ·cpuidLeaf(SB), NOSPLIT, $0-24
	MOVL eax+0(FP), AX
	MOVL ecx+4(FP), CX
	CPUID
	MOVL AX, a+8(FP)
	MOVL BX, b+12(FP)
	MOVL CX, c+16(FP)
	MOVL DX, d+20(FP)
	RET
