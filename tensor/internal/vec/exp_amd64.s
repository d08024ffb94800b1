//go:build !purego

#include "textflag.h"

// Exponential-based kernels, evaluated in float64 lanes: four per Y
// register (AVX2) or eight per Z register (AVX-512). The macros below are
// the same instructions for both widths; each kernel is written twice,
// once per register file.
//
// exp(t): k = round(t·log2 e) by the 1.5·2⁵² shifter, r = t − k·ln 2 with
// ln 2 split in two (|r| ≤ 0.35), exp(r) by its Taylor polynomial of
// degree 12 (truncation error below 2⁻⁵²), scaled by 2ᵏ built in the
// exponent field. t is clamped to [−120, 120] first, which every float32
// result tolerates: exp(±120) is far outside float32's range.

// CLAMP(T, LO, HI, K): T = min(max(T, LO), HI), a NaN T staying NaN (MAXPD
// and MINPD return their second source operand, here T, for a NaN).
#define CLAMP(T, LO, HI, K) \
	VMOVUPD LO, K    \
	VMAXPD  T, K, T  \
	VMOVUPD HI, K    \
	VMINPD  T, K, T

// EXPPOLY(T, S, R, P): for clamped T, S = 2ᵏ, R = r, and
// P = (exp(r) − 1)/r = 1 + r/2 + r²/6 + … (degree 11).
#define EXPPOLY(T, S, R, P) \
	VMOVUPD      ·shifter(SB), S  \
	VFMADD231PD  ·log2e(SB), T, S \
	VSUBPD       ·shifter(SB), S, P \
	VMOVAPD      T, R             \
	VFNMADD231PD ·ln2hi(SB), P, R \
	VFNMADD231PD ·ln2lo(SB), P, R \
	VMOVUPD      ·c12(SB), P      \
	VFMADD213PD  ·c11(SB), R, P   \
	VFMADD213PD  ·c10(SB), R, P   \
	VFMADD213PD  ·c9(SB), R, P    \
	VFMADD213PD  ·c8(SB), R, P    \
	VFMADD213PD  ·c7(SB), R, P    \
	VFMADD213PD  ·c6(SB), R, P    \
	VFMADD213PD  ·c5(SB), R, P    \
	VFMADD213PD  ·c4(SB), R, P    \
	VFMADD213PD  ·c3(SB), R, P    \
	VFMADD213PD  ·c2(SB), R, P    \
	VFMADD213PD  ·one(SB), R, P   \
	VPADDQ       ·bias(SB), S, S  \
	VPSLLQ       $52, S, S

// EXP(T, S, R, P): P = exp(T) for clamped T.
#define EXP(T, S, R, P) \
	EXPPOLY(T, S, R, P)        \
	VFMADD213PD ·one(SB), R, P \
	VMULPD      S, P, P

// EXPM1(T, S, R, P): P = exp(T) − 1 for clamped T, accurate near 0:
// 2ᵏ·(exp(r) − 1) + (2ᵏ − 1), the second term exact.
#define EXPM1(T, S, R, P) \
	EXPPOLY(T, S, R, P)       \
	VMULPD      R, P, P       \
	VSUBPD      ·one(SB), S, R \
	VFMADD213PD R, S, P

// func expAVX2(d, a *float32, n int): d[i] = float32(exp(float64(a[i])))
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
expYloop:
	CMPQ AX, CX
	JGE expYdone
	VCVTPS2PD 0(SI)(AX*4), Y0
	CLAMP(Y0, ·expLo(SB), ·expHi(SB), Y4)
	EXP(Y0, Y1, Y2, Y3)
	VCVTPD2PSY Y3, X3
	VMOVUPS X3, 0(DI)(AX*4)
	ADDQ $4, AX
	JMP expYloop
expYdone:
	VZEROUPPER
	RET

// func sigmoidAVX2(d, a *float32, n int): d[i] = float32(1/(1+exp(−float64(a[i]))))
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
sigmoidYloop:
	CMPQ AX, CX
	JGE sigmoidYdone
	VCVTPS2PD 0(SI)(AX*4), Y0
	VMULPD ·mone(SB), Y0, Y0
	CLAMP(Y0, ·expLo(SB), ·expHi(SB), Y4)
	EXP(Y0, Y1, Y2, Y3)
	VADDPD ·one(SB), Y3, Y3
	VMOVUPD ·one(SB), Y4
	VDIVPD Y3, Y4, Y3
	VCVTPD2PSY Y3, X3
	VMOVUPS X3, 0(DI)(AX*4)
	ADDQ $4, AX
	JMP sigmoidYloop
sigmoidYdone:
	VZEROUPPER
	RET

// func tanhAVX2(d, a *float32, n int): d[i] = float32(tanh(float64(a[i]))),
// as e/(e+2) with e = exp(2x) − 1, the sign of x restored (for −0).
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
tanhYloop:
	CMPQ AX, CX
	JGE tanhYdone
	VCVTPS2PD 0(SI)(AX*4), Y6
	VADDPD Y6, Y6, Y0
	CLAMP(Y0, ·tanhLo(SB), ·tanhHi(SB), Y4)
	EXPM1(Y0, Y1, Y2, Y3)
	VADDPD ·two(SB), Y3, Y4
	VDIVPD Y4, Y3, Y3
	VANDPD ·sign(SB), Y6, Y4
	VORPD Y4, Y3, Y3
	VCVTPD2PSY Y3, X3
	VMOVUPS X3, 0(DI)(AX*4)
	ADDQ $4, AX
	JMP tanhYloop
tanhYdone:
	VZEROUPPER
	RET

// func expSumAVX2(e *float64, x *float32, m float32, n int) float64:
// e[i] = exp(float64(x[i] − m)), returning their sum.
TEXT ·expSumAVX2(SB), NOSPLIT, $0-40
	MOVQ e+0(FP), DI
	MOVQ x+8(FP), SI
	VBROADCASTSS m+16(FP), X15
	MOVQ n+24(FP), CX
	VXORPD Y5, Y5, Y5
	XORQ AX, AX
expSumYloop:
	CMPQ AX, CX
	JGE expSumYdone
	VMOVUPS 0(SI)(AX*4), X0
	VSUBPS X15, X0, X0
	VCVTPS2PD X0, Y0
	CLAMP(Y0, ·expLo(SB), ·expHi(SB), Y4)
	EXP(Y0, Y1, Y2, Y3)
	VMOVUPD Y3, 0(DI)(AX*8)
	VADDPD Y3, Y5, Y5
	ADDQ $4, AX
	JMP expSumYloop
expSumYdone:
	VEXTRACTF128 $1, Y5, X1
	VADDPD X1, X5, X5
	VUNPCKHPD X5, X5, X1
	VADDSD X1, X5, X5
	VMOVSD X5, ret+32(FP)
	VZEROUPPER
	RET

// func scaleCvtAVX2(d *float32, e *float64, s float64, n int): d[i] = float32(e[i]·s)
TEXT ·scaleCvtAVX2(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ e+8(FP), SI
	VBROADCASTSD s+16(FP), Y15
	MOVQ n+24(FP), CX
	XORQ AX, AX
scaleCvtYloop:
	CMPQ AX, CX
	JGE scaleCvtYdone
	VMULPD 0(SI)(AX*8), Y15, Y3
	VCVTPD2PSY Y3, X3
	VMOVUPS X3, 0(DI)(AX*4)
	ADDQ $4, AX
	JMP scaleCvtYloop
scaleCvtYdone:
	VZEROUPPER
	RET

// func shiftCvtAVX2(d, x *float32, m float32, ls float64, n int): d[i] = float32(float64(x[i] − m) − ls)
TEXT ·shiftCvtAVX2(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), SI
	VBROADCASTSS m+16(FP), X15
	VBROADCASTSD ls+24(FP), Y14
	MOVQ n+32(FP), CX
	XORQ AX, AX
shiftCvtYloop:
	CMPQ AX, CX
	JGE shiftCvtYdone
	VMOVUPS 0(SI)(AX*4), X0
	VSUBPS X15, X0, X0
	VCVTPS2PD X0, Y0
	VSUBPD Y14, Y0, Y0
	VCVTPD2PSY Y0, X0
	VMOVUPS X0, 0(DI)(AX*4)
	ADDQ $4, AX
	JMP shiftCvtYloop
shiftCvtYdone:
	VZEROUPPER
	RET

// func expAVX512(d, a *float32, n int): d[i] = float32(exp(float64(a[i])))
TEXT ·expAVX512(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
expZloop:
	CMPQ AX, CX
	JGE expZdone
	VCVTPS2PD 0(SI)(AX*4), Z0
	CLAMP(Z0, ·expLo(SB), ·expHi(SB), Z4)
	EXP(Z0, Z1, Z2, Z3)
	VCVTPD2PS Z3, Y3
	VMOVUPS Y3, 0(DI)(AX*4)
	ADDQ $8, AX
	JMP expZloop
expZdone:
	VZEROUPPER
	RET

// func sigmoidAVX512(d, a *float32, n int): d[i] = float32(1/(1+exp(−float64(a[i]))))
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
sigmoidZloop:
	CMPQ AX, CX
	JGE sigmoidZdone
	VCVTPS2PD 0(SI)(AX*4), Z0
	VMULPD ·mone(SB), Z0, Z0
	CLAMP(Z0, ·expLo(SB), ·expHi(SB), Z4)
	EXP(Z0, Z1, Z2, Z3)
	VADDPD ·one(SB), Z3, Z3
	VMOVUPD ·one(SB), Z4
	VDIVPD Z3, Z4, Z3
	VCVTPD2PS Z3, Y3
	VMOVUPS Y3, 0(DI)(AX*4)
	ADDQ $8, AX
	JMP sigmoidZloop
sigmoidZdone:
	VZEROUPPER
	RET

// func tanhAVX512(d, a *float32, n int): d[i] = float32(tanh(float64(a[i]))),
// as e/(e+2) with e = exp(2x) − 1, the sign of x restored (for −0).
TEXT ·tanhAVX512(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
tanhZloop:
	CMPQ AX, CX
	JGE tanhZdone
	VCVTPS2PD 0(SI)(AX*4), Z6
	VADDPD Z6, Z6, Z0
	CLAMP(Z0, ·tanhLo(SB), ·tanhHi(SB), Z4)
	EXPM1(Z0, Z1, Z2, Z3)
	VADDPD ·two(SB), Z3, Z4
	VDIVPD Z4, Z3, Z3
	VPANDQ ·sign(SB), Z6, Z4
	VPORQ Z4, Z3, Z3
	VCVTPD2PS Z3, Y3
	VMOVUPS Y3, 0(DI)(AX*4)
	ADDQ $8, AX
	JMP tanhZloop
tanhZdone:
	VZEROUPPER
	RET

// func expSumAVX512(e *float64, x *float32, m float32, n int) float64:
// e[i] = exp(float64(x[i] − m)), returning their sum.
TEXT ·expSumAVX512(SB), NOSPLIT, $0-40
	MOVQ e+0(FP), DI
	MOVQ x+8(FP), SI
	VBROADCASTSS m+16(FP), Y15
	MOVQ n+24(FP), CX
	VPXORQ Z5, Z5, Z5
	XORQ AX, AX
expSumZloop:
	CMPQ AX, CX
	JGE expSumZdone
	VMOVUPS 0(SI)(AX*4), Y0
	VSUBPS Y15, Y0, Y0
	VCVTPS2PD Y0, Z0
	CLAMP(Z0, ·expLo(SB), ·expHi(SB), Z4)
	EXP(Z0, Z1, Z2, Z3)
	VMOVUPD Z3, 0(DI)(AX*8)
	VADDPD Z3, Z5, Z5
	ADDQ $8, AX
	JMP expSumZloop
expSumZdone:
	VEXTRACTF64X4 $1, Z5, Y1
	VADDPD Y1, Y5, Y5
	VEXTRACTF128 $1, Y5, X1
	VADDPD X1, X5, X5
	VUNPCKHPD X5, X5, X1
	VADDSD X1, X5, X5
	VMOVSD X5, ret+32(FP)
	VZEROUPPER
	RET

// func scaleCvtAVX512(d *float32, e *float64, s float64, n int): d[i] = float32(e[i]·s)
TEXT ·scaleCvtAVX512(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ e+8(FP), SI
	VBROADCASTSD s+16(FP), Z15
	MOVQ n+24(FP), CX
	XORQ AX, AX
scaleCvtZloop:
	CMPQ AX, CX
	JGE scaleCvtZdone
	VMULPD 0(SI)(AX*8), Z15, Z3
	VCVTPD2PS Z3, Y3
	VMOVUPS Y3, 0(DI)(AX*4)
	ADDQ $8, AX
	JMP scaleCvtZloop
scaleCvtZdone:
	VZEROUPPER
	RET

// func shiftCvtAVX512(d, x *float32, m float32, ls float64, n int): d[i] = float32(float64(x[i] − m) − ls)
TEXT ·shiftCvtAVX512(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), SI
	VBROADCASTSS m+16(FP), Y15
	VBROADCASTSD ls+24(FP), Z14
	MOVQ n+32(FP), CX
	XORQ AX, AX
shiftCvtZloop:
	CMPQ AX, CX
	JGE shiftCvtZdone
	VMOVUPS 0(SI)(AX*4), Y0
	VSUBPS Y15, Y0, Y0
	VCVTPS2PD Y0, Z0
	VSUBPD Z14, Z0, Z0
	VCVTPD2PS Z0, Y0
	VMOVUPS Y0, 0(DI)(AX*4)
	ADDQ $8, AX
	JMP shiftCvtZloop
shiftCvtZdone:
	VZEROUPPER
	RET

// Constants, each repeated for eight float64 lanes.

DATA ·expLo+0(SB)/8, $0xc05e000000000000
DATA ·expLo+8(SB)/8, $0xc05e000000000000
DATA ·expLo+16(SB)/8, $0xc05e000000000000
DATA ·expLo+24(SB)/8, $0xc05e000000000000
DATA ·expLo+32(SB)/8, $0xc05e000000000000
DATA ·expLo+40(SB)/8, $0xc05e000000000000
DATA ·expLo+48(SB)/8, $0xc05e000000000000
DATA ·expLo+56(SB)/8, $0xc05e000000000000
GLOBL ·expLo(SB), RODATA|NOPTR, $64

DATA ·expHi+0(SB)/8, $0x405e000000000000
DATA ·expHi+8(SB)/8, $0x405e000000000000
DATA ·expHi+16(SB)/8, $0x405e000000000000
DATA ·expHi+24(SB)/8, $0x405e000000000000
DATA ·expHi+32(SB)/8, $0x405e000000000000
DATA ·expHi+40(SB)/8, $0x405e000000000000
DATA ·expHi+48(SB)/8, $0x405e000000000000
DATA ·expHi+56(SB)/8, $0x405e000000000000
GLOBL ·expHi(SB), RODATA|NOPTR, $64

DATA ·tanhLo+0(SB)/8, $0xc044000000000000
DATA ·tanhLo+8(SB)/8, $0xc044000000000000
DATA ·tanhLo+16(SB)/8, $0xc044000000000000
DATA ·tanhLo+24(SB)/8, $0xc044000000000000
DATA ·tanhLo+32(SB)/8, $0xc044000000000000
DATA ·tanhLo+40(SB)/8, $0xc044000000000000
DATA ·tanhLo+48(SB)/8, $0xc044000000000000
DATA ·tanhLo+56(SB)/8, $0xc044000000000000
GLOBL ·tanhLo(SB), RODATA|NOPTR, $64

DATA ·tanhHi+0(SB)/8, $0x4044000000000000
DATA ·tanhHi+8(SB)/8, $0x4044000000000000
DATA ·tanhHi+16(SB)/8, $0x4044000000000000
DATA ·tanhHi+24(SB)/8, $0x4044000000000000
DATA ·tanhHi+32(SB)/8, $0x4044000000000000
DATA ·tanhHi+40(SB)/8, $0x4044000000000000
DATA ·tanhHi+48(SB)/8, $0x4044000000000000
DATA ·tanhHi+56(SB)/8, $0x4044000000000000
GLOBL ·tanhHi(SB), RODATA|NOPTR, $64

DATA ·log2e+0(SB)/8, $0x3ff71547652b82fe
DATA ·log2e+8(SB)/8, $0x3ff71547652b82fe
DATA ·log2e+16(SB)/8, $0x3ff71547652b82fe
DATA ·log2e+24(SB)/8, $0x3ff71547652b82fe
DATA ·log2e+32(SB)/8, $0x3ff71547652b82fe
DATA ·log2e+40(SB)/8, $0x3ff71547652b82fe
DATA ·log2e+48(SB)/8, $0x3ff71547652b82fe
DATA ·log2e+56(SB)/8, $0x3ff71547652b82fe
GLOBL ·log2e(SB), RODATA|NOPTR, $64

DATA ·shifter+0(SB)/8, $0x4338000000000000
DATA ·shifter+8(SB)/8, $0x4338000000000000
DATA ·shifter+16(SB)/8, $0x4338000000000000
DATA ·shifter+24(SB)/8, $0x4338000000000000
DATA ·shifter+32(SB)/8, $0x4338000000000000
DATA ·shifter+40(SB)/8, $0x4338000000000000
DATA ·shifter+48(SB)/8, $0x4338000000000000
DATA ·shifter+56(SB)/8, $0x4338000000000000
GLOBL ·shifter(SB), RODATA|NOPTR, $64

DATA ·ln2hi+0(SB)/8, $0x3fe62e42fee00000
DATA ·ln2hi+8(SB)/8, $0x3fe62e42fee00000
DATA ·ln2hi+16(SB)/8, $0x3fe62e42fee00000
DATA ·ln2hi+24(SB)/8, $0x3fe62e42fee00000
DATA ·ln2hi+32(SB)/8, $0x3fe62e42fee00000
DATA ·ln2hi+40(SB)/8, $0x3fe62e42fee00000
DATA ·ln2hi+48(SB)/8, $0x3fe62e42fee00000
DATA ·ln2hi+56(SB)/8, $0x3fe62e42fee00000
GLOBL ·ln2hi(SB), RODATA|NOPTR, $64

DATA ·ln2lo+0(SB)/8, $0x3dea39ef35793c76
DATA ·ln2lo+8(SB)/8, $0x3dea39ef35793c76
DATA ·ln2lo+16(SB)/8, $0x3dea39ef35793c76
DATA ·ln2lo+24(SB)/8, $0x3dea39ef35793c76
DATA ·ln2lo+32(SB)/8, $0x3dea39ef35793c76
DATA ·ln2lo+40(SB)/8, $0x3dea39ef35793c76
DATA ·ln2lo+48(SB)/8, $0x3dea39ef35793c76
DATA ·ln2lo+56(SB)/8, $0x3dea39ef35793c76
GLOBL ·ln2lo(SB), RODATA|NOPTR, $64

DATA ·one+0(SB)/8, $0x3ff0000000000000
DATA ·one+8(SB)/8, $0x3ff0000000000000
DATA ·one+16(SB)/8, $0x3ff0000000000000
DATA ·one+24(SB)/8, $0x3ff0000000000000
DATA ·one+32(SB)/8, $0x3ff0000000000000
DATA ·one+40(SB)/8, $0x3ff0000000000000
DATA ·one+48(SB)/8, $0x3ff0000000000000
DATA ·one+56(SB)/8, $0x3ff0000000000000
GLOBL ·one(SB), RODATA|NOPTR, $64

DATA ·two+0(SB)/8, $0x4000000000000000
DATA ·two+8(SB)/8, $0x4000000000000000
DATA ·two+16(SB)/8, $0x4000000000000000
DATA ·two+24(SB)/8, $0x4000000000000000
DATA ·two+32(SB)/8, $0x4000000000000000
DATA ·two+40(SB)/8, $0x4000000000000000
DATA ·two+48(SB)/8, $0x4000000000000000
DATA ·two+56(SB)/8, $0x4000000000000000
GLOBL ·two(SB), RODATA|NOPTR, $64

DATA ·c2+0(SB)/8, $0x3fe0000000000000
DATA ·c2+8(SB)/8, $0x3fe0000000000000
DATA ·c2+16(SB)/8, $0x3fe0000000000000
DATA ·c2+24(SB)/8, $0x3fe0000000000000
DATA ·c2+32(SB)/8, $0x3fe0000000000000
DATA ·c2+40(SB)/8, $0x3fe0000000000000
DATA ·c2+48(SB)/8, $0x3fe0000000000000
DATA ·c2+56(SB)/8, $0x3fe0000000000000
GLOBL ·c2(SB), RODATA|NOPTR, $64

DATA ·c3+0(SB)/8, $0x3fc5555555555555
DATA ·c3+8(SB)/8, $0x3fc5555555555555
DATA ·c3+16(SB)/8, $0x3fc5555555555555
DATA ·c3+24(SB)/8, $0x3fc5555555555555
DATA ·c3+32(SB)/8, $0x3fc5555555555555
DATA ·c3+40(SB)/8, $0x3fc5555555555555
DATA ·c3+48(SB)/8, $0x3fc5555555555555
DATA ·c3+56(SB)/8, $0x3fc5555555555555
GLOBL ·c3(SB), RODATA|NOPTR, $64

DATA ·c4+0(SB)/8, $0x3fa5555555555555
DATA ·c4+8(SB)/8, $0x3fa5555555555555
DATA ·c4+16(SB)/8, $0x3fa5555555555555
DATA ·c4+24(SB)/8, $0x3fa5555555555555
DATA ·c4+32(SB)/8, $0x3fa5555555555555
DATA ·c4+40(SB)/8, $0x3fa5555555555555
DATA ·c4+48(SB)/8, $0x3fa5555555555555
DATA ·c4+56(SB)/8, $0x3fa5555555555555
GLOBL ·c4(SB), RODATA|NOPTR, $64

DATA ·c5+0(SB)/8, $0x3f81111111111111
DATA ·c5+8(SB)/8, $0x3f81111111111111
DATA ·c5+16(SB)/8, $0x3f81111111111111
DATA ·c5+24(SB)/8, $0x3f81111111111111
DATA ·c5+32(SB)/8, $0x3f81111111111111
DATA ·c5+40(SB)/8, $0x3f81111111111111
DATA ·c5+48(SB)/8, $0x3f81111111111111
DATA ·c5+56(SB)/8, $0x3f81111111111111
GLOBL ·c5(SB), RODATA|NOPTR, $64

DATA ·c6+0(SB)/8, $0x3f56c16c16c16c17
DATA ·c6+8(SB)/8, $0x3f56c16c16c16c17
DATA ·c6+16(SB)/8, $0x3f56c16c16c16c17
DATA ·c6+24(SB)/8, $0x3f56c16c16c16c17
DATA ·c6+32(SB)/8, $0x3f56c16c16c16c17
DATA ·c6+40(SB)/8, $0x3f56c16c16c16c17
DATA ·c6+48(SB)/8, $0x3f56c16c16c16c17
DATA ·c6+56(SB)/8, $0x3f56c16c16c16c17
GLOBL ·c6(SB), RODATA|NOPTR, $64

DATA ·c7+0(SB)/8, $0x3f2a01a01a01a01a
DATA ·c7+8(SB)/8, $0x3f2a01a01a01a01a
DATA ·c7+16(SB)/8, $0x3f2a01a01a01a01a
DATA ·c7+24(SB)/8, $0x3f2a01a01a01a01a
DATA ·c7+32(SB)/8, $0x3f2a01a01a01a01a
DATA ·c7+40(SB)/8, $0x3f2a01a01a01a01a
DATA ·c7+48(SB)/8, $0x3f2a01a01a01a01a
DATA ·c7+56(SB)/8, $0x3f2a01a01a01a01a
GLOBL ·c7(SB), RODATA|NOPTR, $64

DATA ·c8+0(SB)/8, $0x3efa01a01a01a01a
DATA ·c8+8(SB)/8, $0x3efa01a01a01a01a
DATA ·c8+16(SB)/8, $0x3efa01a01a01a01a
DATA ·c8+24(SB)/8, $0x3efa01a01a01a01a
DATA ·c8+32(SB)/8, $0x3efa01a01a01a01a
DATA ·c8+40(SB)/8, $0x3efa01a01a01a01a
DATA ·c8+48(SB)/8, $0x3efa01a01a01a01a
DATA ·c8+56(SB)/8, $0x3efa01a01a01a01a
GLOBL ·c8(SB), RODATA|NOPTR, $64

DATA ·c9+0(SB)/8, $0x3ec71de3a556c734
DATA ·c9+8(SB)/8, $0x3ec71de3a556c734
DATA ·c9+16(SB)/8, $0x3ec71de3a556c734
DATA ·c9+24(SB)/8, $0x3ec71de3a556c734
DATA ·c9+32(SB)/8, $0x3ec71de3a556c734
DATA ·c9+40(SB)/8, $0x3ec71de3a556c734
DATA ·c9+48(SB)/8, $0x3ec71de3a556c734
DATA ·c9+56(SB)/8, $0x3ec71de3a556c734
GLOBL ·c9(SB), RODATA|NOPTR, $64

DATA ·c10+0(SB)/8, $0x3e927e4fb7789f5c
DATA ·c10+8(SB)/8, $0x3e927e4fb7789f5c
DATA ·c10+16(SB)/8, $0x3e927e4fb7789f5c
DATA ·c10+24(SB)/8, $0x3e927e4fb7789f5c
DATA ·c10+32(SB)/8, $0x3e927e4fb7789f5c
DATA ·c10+40(SB)/8, $0x3e927e4fb7789f5c
DATA ·c10+48(SB)/8, $0x3e927e4fb7789f5c
DATA ·c10+56(SB)/8, $0x3e927e4fb7789f5c
GLOBL ·c10(SB), RODATA|NOPTR, $64

DATA ·c11+0(SB)/8, $0x3e5ae64567f544e4
DATA ·c11+8(SB)/8, $0x3e5ae64567f544e4
DATA ·c11+16(SB)/8, $0x3e5ae64567f544e4
DATA ·c11+24(SB)/8, $0x3e5ae64567f544e4
DATA ·c11+32(SB)/8, $0x3e5ae64567f544e4
DATA ·c11+40(SB)/8, $0x3e5ae64567f544e4
DATA ·c11+48(SB)/8, $0x3e5ae64567f544e4
DATA ·c11+56(SB)/8, $0x3e5ae64567f544e4
GLOBL ·c11(SB), RODATA|NOPTR, $64

DATA ·c12+0(SB)/8, $0x3e21eed8eff8d898
DATA ·c12+8(SB)/8, $0x3e21eed8eff8d898
DATA ·c12+16(SB)/8, $0x3e21eed8eff8d898
DATA ·c12+24(SB)/8, $0x3e21eed8eff8d898
DATA ·c12+32(SB)/8, $0x3e21eed8eff8d898
DATA ·c12+40(SB)/8, $0x3e21eed8eff8d898
DATA ·c12+48(SB)/8, $0x3e21eed8eff8d898
DATA ·c12+56(SB)/8, $0x3e21eed8eff8d898
GLOBL ·c12(SB), RODATA|NOPTR, $64

DATA ·bias+0(SB)/8, $0x00000000000003ff
DATA ·bias+8(SB)/8, $0x00000000000003ff
DATA ·bias+16(SB)/8, $0x00000000000003ff
DATA ·bias+24(SB)/8, $0x00000000000003ff
DATA ·bias+32(SB)/8, $0x00000000000003ff
DATA ·bias+40(SB)/8, $0x00000000000003ff
DATA ·bias+48(SB)/8, $0x00000000000003ff
DATA ·bias+56(SB)/8, $0x00000000000003ff
GLOBL ·bias(SB), RODATA|NOPTR, $64

DATA ·sign+0(SB)/8, $0x8000000000000000
DATA ·sign+8(SB)/8, $0x8000000000000000
DATA ·sign+16(SB)/8, $0x8000000000000000
DATA ·sign+24(SB)/8, $0x8000000000000000
DATA ·sign+32(SB)/8, $0x8000000000000000
DATA ·sign+40(SB)/8, $0x8000000000000000
DATA ·sign+48(SB)/8, $0x8000000000000000
DATA ·sign+56(SB)/8, $0x8000000000000000
GLOBL ·sign(SB), RODATA|NOPTR, $64

DATA ·mone+0(SB)/8, $0xbff0000000000000
DATA ·mone+8(SB)/8, $0xbff0000000000000
DATA ·mone+16(SB)/8, $0xbff0000000000000
DATA ·mone+24(SB)/8, $0xbff0000000000000
DATA ·mone+32(SB)/8, $0xbff0000000000000
DATA ·mone+40(SB)/8, $0xbff0000000000000
DATA ·mone+48(SB)/8, $0xbff0000000000000
DATA ·mone+56(SB)/8, $0xbff0000000000000
GLOBL ·mone(SB), RODATA|NOPTR, $64
