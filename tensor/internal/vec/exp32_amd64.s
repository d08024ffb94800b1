//go:build !purego

#include "textflag.h"

// The float32 exponential of ExpSum32 (see exp32.go): t = x − m clamped
// below at −104 (a NaN stays NaN: MAXPS returns its second source, t,
// when either is NaN), k = round(t·log2 e) by the 1.5·2²³ shifter,
// r = t − k·ln 2 with ln 2 in two parts (|r| ≤ 0.347), the Taylor
// polynomial of exp(r) of degree 7 in Horner form with FMAs, then the
// product with 2ᵏ rounded once, into the denormals where it falls there.
// The float32 results are summed in two float64 accumulators.

// func expSum32AVX512(d, x *float32, m float32, n int) float64
// n is a multiple of 16.
TEXT ·expSum32AVX512(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), SI
	VBROADCASTSS m+16(FP), Z16
	MOVQ n+24(FP), CX
	VMOVUPS ·f32lo(SB), Z17
	VPXORQ Z29, Z29, Z29
	VPXORQ Z30, Z30, Z30
	XORQ AX, AX
es32z:
	CMPQ AX, CX
	JGE es32zdone
	VMOVUPS (SI)(AX*4), Z0
	VSUBPS Z16, Z0, Z0
	VMAXPS Z0, Z17, Z0
	VMOVUPS ·f32shifter(SB), Z1
	VFMADD231PS ·f32log2e(SB), Z0, Z1
	VSUBPS ·f32shifter(SB), Z1, Z1
	VMOVAPS Z0, Z2
	VFNMADD231PS ·f32ln2hi(SB), Z1, Z2
	VFNMADD231PS ·f32ln2lo(SB), Z1, Z2
	VMOVUPS ·f32c7(SB), Z3
	VFMADD213PS ·f32c6(SB), Z2, Z3
	VFMADD213PS ·f32c5(SB), Z2, Z3
	VFMADD213PS ·f32c4(SB), Z2, Z3
	VFMADD213PS ·f32c3(SB), Z2, Z3
	VFMADD213PS ·f32c2(SB), Z2, Z3
	VFMADD213PS ·f32one(SB), Z2, Z3
	VFMADD213PS ·f32one(SB), Z2, Z3
	VSCALEFPS Z1, Z3, Z3
	VMOVUPS Z3, (DI)(AX*4)
	VCVTPS2PD Y3, Z4
	VADDPD Z4, Z29, Z29
	VEXTRACTF64X4 $1, Z3, Y5
	VCVTPS2PD Y5, Z5
	VADDPD Z5, Z30, Z30
	ADDQ $16, AX
	JMP es32z
es32zdone:
	VADDPD Z30, Z29, Z29
	VMOVAPD Z29, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VUNPCKHPD X0, X0, X1
	VADDSD X1, X0, X0
	VMOVSD X0, ret+32(FP)
	VZEROUPPER
	RET

// func expSum32AVX2(d, x *float32, m float32, n int) float64
// n is a multiple of 8. Without VSCALEFPS, 2ᵏ is applied as 2^⌊k/2⌋ (exact:
// the product stays normal) and then 2^(k−⌊k/2⌋), which rounds once.
TEXT ·expSum32AVX2(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), SI
	VBROADCASTSS m+16(FP), Y15
	MOVQ n+24(FP), CX
	VXORPD Y13, Y13, Y13
	VXORPD Y14, Y14, Y14
	XORQ AX, AX
es32y:
	CMPQ AX, CX
	JGE es32ydone
	VMOVUPS (SI)(AX*4), Y0
	VSUBPS Y15, Y0, Y0
	VMOVUPS ·f32lo(SB), Y1
	VMAXPS Y0, Y1, Y0
	VMOVUPS ·f32shifter(SB), Y1
	VFMADD231PS ·f32log2e(SB), Y0, Y1
	VSUBPS ·f32shifter(SB), Y1, Y1
	VMOVAPS Y0, Y2
	VFNMADD231PS ·f32ln2hi(SB), Y1, Y2
	VFNMADD231PS ·f32ln2lo(SB), Y1, Y2
	VMOVUPS ·f32c7(SB), Y3
	VFMADD213PS ·f32c6(SB), Y2, Y3
	VFMADD213PS ·f32c5(SB), Y2, Y3
	VFMADD213PS ·f32c4(SB), Y2, Y3
	VFMADD213PS ·f32c3(SB), Y2, Y3
	VFMADD213PS ·f32c2(SB), Y2, Y3
	VFMADD213PS ·f32one(SB), Y2, Y3
	VFMADD213PS ·f32one(SB), Y2, Y3
	VCVTPS2DQ Y1, Y4
	VPSRAD $1, Y4, Y5
	VPSUBD Y5, Y4, Y4
	VPADDD ·f32bias(SB), Y5, Y5
	VPSLLD $23, Y5, Y5
	VPADDD ·f32bias(SB), Y4, Y4
	VPSLLD $23, Y4, Y4
	VMULPS Y5, Y3, Y3
	VMULPS Y4, Y3, Y3
	VMOVUPS Y3, (DI)(AX*4)
	VCVTPS2PD X3, Y4
	VADDPD Y4, Y13, Y13
	VEXTRACTF128 $1, Y3, X5
	VCVTPS2PD X5, Y5
	VADDPD Y5, Y14, Y14
	ADDQ $8, AX
	JMP es32y
es32ydone:
	VADDPD Y14, Y13, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VUNPCKHPD X0, X0, X1
	VADDSD X1, X0, X0
	VMOVSD X0, ret+32(FP)
	VZEROUPPER
	RET

// Constants, each repeated for sixteen float32 lanes.

#define F32(name, bits) \
	DATA name+0(SB)/4, $bits; DATA name+4(SB)/4, $bits; DATA name+8(SB)/4, $bits; DATA name+12(SB)/4, $bits; \
	DATA name+16(SB)/4, $bits; DATA name+20(SB)/4, $bits; DATA name+24(SB)/4, $bits; DATA name+28(SB)/4, $bits; \
	DATA name+32(SB)/4, $bits; DATA name+36(SB)/4, $bits; DATA name+40(SB)/4, $bits; DATA name+44(SB)/4, $bits; \
	DATA name+48(SB)/4, $bits; DATA name+52(SB)/4, $bits; DATA name+56(SB)/4, $bits; DATA name+60(SB)/4, $bits; \
	GLOBL name(SB), RODATA|NOPTR, $64

F32(·f32lo, 0xc2d00000)
F32(·f32shifter, 0x4b400000)
F32(·f32log2e, 0x3fb8aa3b)
F32(·f32ln2hi, 0x3f318000)
F32(·f32ln2lo, 0xb95e8083)
F32(·f32one, 0x3f800000)
F32(·f32c2, 0x3f000000)
F32(·f32c3, 0x3e2aaaab)
F32(·f32c4, 0x3d2aaaab)
F32(·f32c5, 0x3c088889)
F32(·f32c6, 0x3ab60b61)
F32(·f32c7, 0x39500d01)
F32(·f32bias, 0x0000007f)
