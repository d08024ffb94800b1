//go:build amd64 && !purego

#include "textflag.h"

// Each loop converts 8 elements per iteration; n is a positive multiple
// of 8.

// func f16sF16C(dst *uint16, src *float32, n int)
TEXT ·f16sF16C(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
f16loop:
	VMOVUPS (SI)(AX*4), Y0
	VCVTPS2PH $0, Y0, X1 // imm 0: round to nearest even
	VMOVDQU X1, (DI)(AX*2)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT f16loop
	VZEROUPPER
	RET

// func f16sToFloat32F16C(dst *float32, src *uint16, n int)
// VCVTPH2PS quiets a signaling NaN; the exact widening keeps it, so NaN
// lanes take sign<<16 | |h|<<13 | 0x70000000 (exponent 255, the payload
// shifted up) instead.
TEXT ·f16sToFloat32F16C(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVL $0x7fff, BX
	VMOVD BX, X10
	VPBROADCASTD X10, Y10 // |h| mask
	MOVL $0x7c00, BX
	VMOVD BX, X11
	VPBROADCASTD X11, Y11 // float16 +Inf
	MOVL $0x70000000, BX
	VMOVD BX, X12
	VPBROADCASTD X12, Y12
	MOVL $0x80000000, BX
	VMOVD BX, X13
	VPBROADCASTD X13, Y13 // float32 sign
	XORQ AX, AX
h2floop:
	VCVTPH2PS (SI)(AX*2), Y0
	VPMOVZXWD (SI)(AX*2), Y1
	VPAND Y10, Y1, Y2    // |h|
	VPCMPGTD Y11, Y2, Y3 // NaN lanes
	VPSLLD $16, Y1, Y4
	VPAND Y13, Y4, Y4    // sign
	VPSLLD $13, Y2, Y5
	VPOR Y12, Y5, Y5
	VPOR Y4, Y5, Y5      // the exact NaN
	VPBLENDVB Y3, Y5, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT h2floop
	VZEROUPPER
	RET

// func bf16sAVX2(dst *uint16, src *float32, n int)
// As BF16: b + 0x7fff + (b>>16 & 1), shifted down 16; a NaN keeps its
// upper half with the quiet bit set.
TEXT ·bf16sAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVL $1, BX
	VMOVD BX, X10
	VPBROADCASTD X10, Y10 // 1 (AVX2 from here on)
	MOVL $0x7fff, BX
	VMOVD BX, X11
	VPBROADCASTD X11, Y11 // 0x7fff
	MOVL $0x7fffffff, BX
	VMOVD BX, X12
	VPBROADCASTD X12, Y12 // abs mask
	MOVL $0x7f800000, BX
	VMOVD BX, X13
	VPBROADCASTD X13, Y13 // +Inf
	MOVL $0x40, BX
	VMOVD BX, X14
	VPBROADCASTD X14, Y14 // quiet bit of the upper half
	XORQ AX, AX
bfloop:
	VMOVDQU (SI)(AX*4), Y0
	VPSRLD $16, Y0, Y1
	VPAND Y10, Y1, Y2 // b>>16 & 1
	VPADDD Y11, Y0, Y3
	VPADDD Y2, Y3, Y3
	VPSRLD $16, Y3, Y3 // rounded
	VPOR Y14, Y1, Y4   // NaN: upper half | 0x40
	VPAND Y12, Y0, Y5
	VPCMPGTD Y13, Y5, Y6 // |b| > Inf: NaN
	VPBLENDVB Y6, Y4, Y3, Y7
	VEXTRACTI128 $1, Y7, X8
	VPACKUSDW X8, X7, X7
	VMOVDQU X7, (DI)(AX*2)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT bfloop
	VZEROUPPER
	RET

// func bf16sToFloat32AVX2(dst *float32, src *uint16, n int)
TEXT ·bf16sToFloat32AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
b2floop:
	VPMOVZXWD (SI)(AX*2), Y0
	VPSLLD $16, Y0, Y0
	VMOVDQU Y0, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT b2floop
	VZEROUPPER
	RET
