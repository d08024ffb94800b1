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
// combines the lanes.
TEXT ·extremeAVX2(SB), NOSPLIT, $0-33
	MOVQ    a+0(FP), SI
	MOVQ    n+8(FP), CX
	MOVQ    lanes+16(FP), DI
	MOVBLZX isMax+24(FP), DX
	VMOVUPS 0(SI), Y0
	VMOVUPS Y0, Y1
	VXORPS  Y3, Y3, Y3
	MOVQ    $8, AX
	TESTQ   DX, DX
	JZ      minloop

maxloop:
	CMPQ    AX, CX
	JGE     extdone
	VMOVUPS 0(SI)(AX*4), Y2
	VMAXPS  Y2, Y0, Y0
	VCMPPS  $3, Y2, Y2, Y4
	VORPS   Y4, Y3, Y3
	ADDQ    $8, AX
	JMP     maxloop

minloop:
	CMPQ    AX, CX
	JGE     extdone
	VMOVUPS 0(SI)(AX*4), Y2
	VMINPS  Y2, Y0, Y0
	VCMPPS  $3, Y2, Y2, Y4
	VORPS   Y4, Y3, Y3
	ADDQ    $8, AX
	JMP     minloop

extdone:
	// The first vector's NaNs, which the loops did not test.
	VCMPPS    $3, Y1, Y1, Y4
	VORPS     Y4, Y3, Y3
	VMOVUPS   Y0, 0(DI)
	VMOVMSKPS Y3, AX
	TESTL     AX, AX
	SETNE     ret+32(FP)
	VZEROUPPER
	RET
