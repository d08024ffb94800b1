//go:build !purego

#include "textflag.h"

// func sum64AVX2(a *float32, n int) float64
// Four accumulators of four float64 lanes each; n is a multiple of 8.
TEXT ·sum64AVX2(SB), NOSPLIT, $0-24
	MOVQ   a+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ   AX, AX
	MOVQ   CX, BX
	SUBQ   $16, BX

sum4:
	CMPQ      AX, BX
	JGT       sum1
	VCVTPS2PD 0(SI)(AX*4), Y4
	VCVTPS2PD 16(SI)(AX*4), Y5
	VCVTPS2PD 32(SI)(AX*4), Y6
	VCVTPS2PD 48(SI)(AX*4), Y7
	VADDPD    Y4, Y0, Y0
	VADDPD    Y5, Y1, Y1
	VADDPD    Y6, Y2, Y2
	VADDPD    Y7, Y3, Y3
	ADDQ      $16, AX
	JMP       sum4

sum1:
	CMPQ      AX, CX
	JGE       sumdone
	VCVTPS2PD 0(SI)(AX*4), Y4
	VADDPD    Y4, Y0, Y0
	ADDQ      $4, AX
	JMP       sum1

sumdone:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VUNPCKHPD    X0, X0, X1
	VADDSD       X1, X0, X0
	VMOVSD       X0, ret+16(FP)
	VZEROUPPER
	RET

// func sum64AVX512(a *float32, n int) float64
// Four accumulators of eight float64 lanes each; n is a multiple of 16.
TEXT ·sum64AVX512(SB), NOSPLIT, $0-24
	MOVQ   a+0(FP), SI
	MOVQ   n+8(FP), CX
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	XORQ   AX, AX
	MOVQ   CX, BX
	SUBQ   $32, BX

zsum4:
	CMPQ      AX, BX
	JGT       zsum1
	VCVTPS2PD 0(SI)(AX*4), Z4
	VCVTPS2PD 32(SI)(AX*4), Z5
	VCVTPS2PD 64(SI)(AX*4), Z6
	VCVTPS2PD 96(SI)(AX*4), Z7
	VADDPD    Z4, Z0, Z0
	VADDPD    Z5, Z1, Z1
	VADDPD    Z6, Z2, Z2
	VADDPD    Z7, Z3, Z3
	ADDQ      $32, AX
	JMP       zsum4

zsum1:
	CMPQ      AX, CX
	JGE       zsumdone
	VCVTPS2PD 0(SI)(AX*4), Z4
	VADDPD    Z4, Z0, Z0
	ADDQ      $8, AX
	JMP       zsum1

zsumdone:
	VADDPD         Z1, Z0, Z0
	VADDPD         Z3, Z2, Z2
	VADDPD         Z2, Z0, Z0
	VEXTRACTF64X4  $1, Z0, Y1
	VADDPD         Y1, Y0, Y0
	VEXTRACTF128   $1, Y0, X1
	VADDPD         X1, X0, X0
	VUNPCKHPD      X0, X0, X1
	VADDSD         X1, X0, X0
	VMOVSD         X0, ret+16(FP)
	VZEROUPPER
	RET

// func acc64AVX2(acc *float64, a *float32, n int)
// acc[i] += float64(a[i]); n is a multiple of 4.
TEXT ·acc64AVX2(SB), NOSPLIT, $0-24
	MOVQ acc+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	MOVQ CX, BX
	SUBQ $16, BX

acc4:
	CMPQ      AX, BX
	JGT       acc1
	VCVTPS2PD 0(SI)(AX*4), Y0
	VCVTPS2PD 16(SI)(AX*4), Y1
	VCVTPS2PD 32(SI)(AX*4), Y2
	VCVTPS2PD 48(SI)(AX*4), Y3
	VADDPD    0(DI)(AX*8), Y0, Y0
	VADDPD    32(DI)(AX*8), Y1, Y1
	VADDPD    64(DI)(AX*8), Y2, Y2
	VADDPD    96(DI)(AX*8), Y3, Y3
	VMOVUPD   Y0, 0(DI)(AX*8)
	VMOVUPD   Y1, 32(DI)(AX*8)
	VMOVUPD   Y2, 64(DI)(AX*8)
	VMOVUPD   Y3, 96(DI)(AX*8)
	ADDQ      $16, AX
	JMP       acc4

acc1:
	CMPQ      AX, CX
	JGE       accdone
	VCVTPS2PD 0(SI)(AX*4), Y0
	VADDPD    0(DI)(AX*8), Y0, Y0
	VMOVUPD   Y0, 0(DI)(AX*8)
	ADDQ      $4, AX
	JMP       acc1

accdone:
	VZEROUPPER
	RET

// func acc64AVX512(acc *float64, a *float32, n int)
// acc[i] += float64(a[i]); n is a multiple of 16.
TEXT ·acc64AVX512(SB), NOSPLIT, $0-24
	MOVQ acc+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	MOVQ CX, BX
	SUBQ $32, BX

zacc4:
	CMPQ      AX, BX
	JGT       zacc1
	VCVTPS2PD 0(SI)(AX*4), Z0
	VCVTPS2PD 32(SI)(AX*4), Z1
	VCVTPS2PD 64(SI)(AX*4), Z2
	VCVTPS2PD 96(SI)(AX*4), Z3
	VADDPD    0(DI)(AX*8), Z0, Z0
	VADDPD    64(DI)(AX*8), Z1, Z1
	VADDPD    128(DI)(AX*8), Z2, Z2
	VADDPD    192(DI)(AX*8), Z3, Z3
	VMOVUPD   Z0, 0(DI)(AX*8)
	VMOVUPD   Z1, 64(DI)(AX*8)
	VMOVUPD   Z2, 128(DI)(AX*8)
	VMOVUPD   Z3, 192(DI)(AX*8)
	ADDQ      $32, AX
	JMP       zacc4

zacc1:
	CMPQ      AX, CX
	JGE       zaccdone
	VCVTPS2PD 0(SI)(AX*4), Z0
	VADDPD    0(DI)(AX*8), Z0, Z0
	VMOVUPD   Z0, 0(DI)(AX*8)
	ADDQ      $8, AX
	JMP       zacc1

zaccdone:
	VZEROUPPER
	RET

// func extremeAVX2(a *float32, n int, lanes *[16]float32, isMax bool) (nan bool)
// Stores the lane-wise maximum (or minimum) of a (n a positive multiple of
// 8) into lanes[0:8] and reports whether any element is NaN; the caller
// combines the lanes. Four accumulators (Y0, Y5, Y6, Y7, all starting from
// the first vector) hide the latency of MAXPS; Y3 collects NaN lanes.
#define EXT4(OP) \
	VMOVUPS 0(SI)(AX*4), Y1    \
	VMOVUPS 32(SI)(AX*4), Y2   \
	VMOVUPS 64(SI)(AX*4), Y8   \
	VMOVUPS 96(SI)(AX*4), Y9   \
	OP      Y1, Y0, Y0         \
	OP      Y2, Y5, Y5         \
	OP      Y8, Y6, Y6         \
	OP      Y9, Y7, Y7         \
	VCMPPS  $3, Y2, Y1, Y4     \
	VCMPPS  $3, Y9, Y8, Y10    \
	VORPS   Y4, Y3, Y3         \
	VORPS   Y10, Y3, Y3

#define EXT1(OP) \
	VMOVUPS 0(SI)(AX*4), Y1 \
	OP      Y1, Y0, Y0      \
	VCMPPS  $3, Y1, Y1, Y4  \
	VORPS   Y4, Y3, Y3

TEXT ·extremeAVX2(SB), NOSPLIT, $0-33
	MOVQ    a+0(FP), SI
	MOVQ    n+8(FP), CX
	MOVQ    lanes+16(FP), DI
	MOVBLZX isMax+24(FP), DX
	VMOVUPS 0(SI), Y0
	VMOVUPS Y0, Y5
	VMOVUPS Y0, Y6
	VMOVUPS Y0, Y7
	VCMPPS  $3, Y0, Y0, Y3
	MOVQ    $8, AX
	MOVQ    CX, BX
	SUBQ    $32, BX
	TESTQ   DX, DX
	JZ      min4

max4:
	CMPQ AX, BX
	JGT  max1
	EXT4(VMAXPS)
	ADDQ $32, AX
	JMP  max4

max1:
	CMPQ AX, CX
	JGE  maxdone
	EXT1(VMAXPS)
	ADDQ $8, AX
	JMP  max1

maxdone:
	VMAXPS Y5, Y0, Y0
	VMAXPS Y7, Y6, Y6
	VMAXPS Y6, Y0, Y0
	JMP    extdone

min4:
	CMPQ AX, BX
	JGT  min1
	EXT4(VMINPS)
	ADDQ $32, AX
	JMP  min4

min1:
	CMPQ AX, CX
	JGE  mindone
	EXT1(VMINPS)
	ADDQ $8, AX
	JMP  min1

mindone:
	VMINPS Y5, Y0, Y0
	VMINPS Y7, Y6, Y6
	VMINPS Y6, Y0, Y0

extdone:
	VMOVUPS   Y0, 0(DI)
	VMOVMSKPS Y3, AX
	TESTL     AX, AX
	SETNE     ret+32(FP)
	VZEROUPPER
	RET

// func acc4RowsAVX2(acc *float64, a *float32, stride, n int)
// acc[i] += (a[i] + a[s+i]) + (a[2s+i] + a[3s+i]) in float64, s = stride;
// n is a multiple of 4. Four rows per pass halve the accumulator traffic
// of a column sum.
TEXT ·acc4RowsAVX2(SB), NOSPLIT, $0-32
	MOVQ acc+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ stride+16(FP), R8
	SHLQ $2, R8
	MOVQ n+24(FP), CX
	LEAQ (SI)(R8*1), DX
	LEAQ (DX)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	XORQ AX, AX

rows4:
	CMPQ      AX, CX
	JGE       rows4done
	VCVTPS2PD 0(SI)(AX*4), Y0
	VCVTPS2PD 0(DX)(AX*4), Y1
	VCVTPS2PD 0(R11)(AX*4), Y2
	VCVTPS2PD 0(R12)(AX*4), Y3
	VADDPD    Y1, Y0, Y0
	VADDPD    Y3, Y2, Y2
	VADDPD    Y2, Y0, Y0
	VADDPD    0(DI)(AX*8), Y0, Y0
	VMOVUPD   Y0, 0(DI)(AX*8)
	ADDQ      $4, AX
	JMP       rows4

rows4done:
	VZEROUPPER
	RET

// func acc4RowsAVX512(acc *float64, a *float32, stride, n int)
// acc4RowsAVX2 in eight float64 lanes (same additions in the same order,
// so the same results); n is a multiple of 4, a last four in Y registers.
TEXT ·acc4RowsAVX512(SB), NOSPLIT, $0-32
	MOVQ acc+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ stride+16(FP), R8
	SHLQ $2, R8
	MOVQ n+24(FP), CX
	LEAQ (SI)(R8*1), DX
	LEAQ (DX)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	XORQ AX, AX
	MOVQ CX, BX
	SUBQ $16, BX

rows4z16:
	CMPQ      AX, BX
	JGT       rows4z8
	VCVTPS2PD 0(SI)(AX*4), Z0
	VCVTPS2PD 0(DX)(AX*4), Z1
	VCVTPS2PD 0(R11)(AX*4), Z2
	VCVTPS2PD 0(R12)(AX*4), Z3
	VCVTPS2PD 32(SI)(AX*4), Z4
	VCVTPS2PD 32(DX)(AX*4), Z5
	VCVTPS2PD 32(R11)(AX*4), Z6
	VCVTPS2PD 32(R12)(AX*4), Z7
	VADDPD    Z1, Z0, Z0
	VADDPD    Z3, Z2, Z2
	VADDPD    Z5, Z4, Z4
	VADDPD    Z7, Z6, Z6
	VADDPD    Z2, Z0, Z0
	VADDPD    Z6, Z4, Z4
	VADDPD    0(DI)(AX*8), Z0, Z0
	VADDPD    64(DI)(AX*8), Z4, Z4
	VMOVUPD   Z0, 0(DI)(AX*8)
	VMOVUPD   Z4, 64(DI)(AX*8)
	ADDQ      $16, AX
	JMP       rows4z16

rows4z8:
	MOVQ CX, BX
	SUBQ $8, BX
	CMPQ AX, BX
	JGT  rows4z4
	VCVTPS2PD 0(SI)(AX*4), Z0
	VCVTPS2PD 0(DX)(AX*4), Z1
	VCVTPS2PD 0(R11)(AX*4), Z2
	VCVTPS2PD 0(R12)(AX*4), Z3
	VADDPD    Z1, Z0, Z0
	VADDPD    Z3, Z2, Z2
	VADDPD    Z2, Z0, Z0
	VADDPD    0(DI)(AX*8), Z0, Z0
	VMOVUPD   Z0, 0(DI)(AX*8)
	ADDQ      $8, AX

rows4z4:
	CMPQ      AX, CX
	JGE       rows4zdone
	VCVTPS2PD 0(SI)(AX*4), Y0
	VCVTPS2PD 0(DX)(AX*4), Y1
	VCVTPS2PD 0(R11)(AX*4), Y2
	VCVTPS2PD 0(R12)(AX*4), Y3
	VADDPD    Y1, Y0, Y0
	VADDPD    Y3, Y2, Y2
	VADDPD    Y2, Y0, Y0
	VADDPD    0(DI)(AX*8), Y0, Y0
	VMOVUPD   Y0, 0(DI)(AX*8)

rows4zdone:
	VZEROUPPER
	RET
