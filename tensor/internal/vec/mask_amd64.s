//go:build !purego

#include "textflag.h"

// The comparison masks: 1.0 where the comparison holds, else 0 (a NaN
// compares false), eight lanes at a time; n is a multiple of 8.

// func gtScalarAVX2(d, a *float32, s float32, n int)
// d[i] = 1 where a[i] > s.
TEXT ·gtScalarAVX2(SB), NOSPLIT, $0-32
	MOVQ         d+0(FP), DI
	MOVQ         a+8(FP), SI
	VBROADCASTSS s+16(FP), Y1
	MOVQ         n+24(FP), CX
	MOVL         $0x3f800000, AX
	VMOVD        AX, X2
	VBROADCASTSS X2, Y2
	TESTQ        CX, CX
	JEQ          gtdone

gtloop:
	VMOVUPS (SI), Y0
	VCMPPS  $0x1e, Y1, Y0, Y3 // GT_OQ: a > s, false for NaN
	VANDPS  Y2, Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     gtloop

gtdone:
	VZEROUPPER
	RET

// pairIndex repeats each of four lanes twice: y[0] y[0] y[1] y[1] ….
DATA pairIndex<>+0(SB)/4, $0
DATA pairIndex<>+4(SB)/4, $0
DATA pairIndex<>+8(SB)/4, $1
DATA pairIndex<>+12(SB)/4, $1
DATA pairIndex<>+16(SB)/4, $2
DATA pairIndex<>+20(SB)/4, $2
DATA pairIndex<>+24(SB)/4, $3
DATA pairIndex<>+28(SB)/4, $3
GLOBL pairIndex<>(SB), RODATA|NOPTR, $32

// func pairsEqAVX2(d, x, y *float32, n int)
// d[i] = 1 where x[i] == y[i/2]; n is a multiple of 8.
TEXT ·pairsEqAVX2(SB), NOSPLIT, $0-32
	MOVQ    d+0(FP), DI
	MOVQ    x+8(FP), SI
	MOVQ    y+16(FP), DX
	MOVQ    n+24(FP), CX
	VMOVDQU pairIndex<>(SB), Y4
	MOVL    $0x3f800000, AX
	VMOVD   AX, X2
	VBROADCASTSS X2, Y2
	TESTQ   CX, CX
	JEQ     eqdone

eqloop:
	VMOVUPS (DX), X1
	VPERMPS Y1, Y4, Y1
	VMOVUPS (SI), Y0
	VCMPPS  $0x00, Y1, Y0, Y3 // EQ_OQ: false for NaN
	VANDPS  Y2, Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ    $16, DX
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     eqloop

eqdone:
	VZEROUPPER
	RET

// func pairsMulAVX2(d, x, y *float32, n int)
// d[i] = x[i] · y[i/2]; n is a multiple of 8.
TEXT ·pairsMulAVX2(SB), NOSPLIT, $0-32
	MOVQ    d+0(FP), DI
	MOVQ    x+8(FP), SI
	MOVQ    y+16(FP), DX
	MOVQ    n+24(FP), CX
	VMOVDQU pairIndex<>(SB), Y4
	TESTQ   CX, CX
	JEQ     muldone

mulloop:
	VMOVUPS (DX), X1
	VPERMPS Y1, Y4, Y1
	VMULPS  (SI), Y1, Y3
	VMOVUPS Y3, (DI)
	ADDQ    $16, DX
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     mulloop

muldone:
	VZEROUPPER
	RET
