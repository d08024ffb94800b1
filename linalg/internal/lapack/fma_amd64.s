//go:build amd64 && !purego

#include "textflag.h"

// func rotFMA(c, s float64, x, y *float64, n int)
// (x, y) ← (c·x + s·y, c·y − s·x), 8 elements per iteration.
TEXT ·rotFMA(SB), NOSPLIT, $0-40
	VBROADCASTSD c+0(FP), Y0
	VBROADCASTSD s+8(FP), Y1
	MOVQ x+16(FP), DI
	MOVQ y+24(FP), SI
	MOVQ n+32(FP), CX
	XORQ AX, AX
rotloop:
	VMOVUPD (DI)(AX*8), Y2
	VMOVUPD (SI)(AX*8), Y3
	VMOVUPD 32(DI)(AX*8), Y6
	VMOVUPD 32(SI)(AX*8), Y7
	VMULPD Y0, Y2, Y4
	VFMADD231PD Y1, Y3, Y4 // c·x + s·y
	VMULPD Y0, Y3, Y5
	VFNMADD231PD Y1, Y2, Y5 // c·y − s·x
	VMULPD Y0, Y6, Y8
	VFMADD231PD Y1, Y7, Y8
	VMULPD Y0, Y7, Y9
	VFNMADD231PD Y1, Y6, Y9
	VMOVUPD Y4, (DI)(AX*8)
	VMOVUPD Y5, (SI)(AX*8)
	VMOVUPD Y8, 32(DI)(AX*8)
	VMOVUPD Y9, 32(SI)(AX*8)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT rotloop
	VZEROUPPER
	RET

// func axpyFMA(alpha float64, x, y *float64, n int)
TEXT ·axpyFMA(SB), NOSPLIT, $0-32
	VBROADCASTSD alpha+0(FP), Y0
	MOVQ x+8(FP), DI
	MOVQ y+16(FP), SI
	MOVQ n+24(FP), CX
	XORQ AX, AX
axpyloop:
	VMOVUPD (SI)(AX*8), Y2
	VMOVUPD 32(SI)(AX*8), Y3
	VFMADD231PD (DI)(AX*8), Y0, Y2
	VFMADD231PD 32(DI)(AX*8), Y0, Y3
	VMOVUPD Y2, (SI)(AX*8)
	VMOVUPD Y3, 32(SI)(AX*8)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT axpyloop
	VZEROUPPER
	RET

// func dotFMA(x, y *float64, n int) float64
// Four accumulators of 4 lanes, summed pairwise at the end.
TEXT ·dotFMA(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ AX, AX
dotloop:
	VMOVUPD (DI)(AX*8), Y4
	VMOVUPD 32(DI)(AX*8), Y5
	VMOVUPD 64(DI)(AX*8), Y6
	VMOVUPD 96(DI)(AX*8), Y7
	VFMADD231PD (SI)(AX*8), Y4, Y0
	VFMADD231PD 32(SI)(AX*8), Y5, Y1
	VFMADD231PD 64(SI)(AX*8), Y6, Y2
	VFMADD231PD 96(SI)(AX*8), Y7, Y3
	ADDQ $16, AX
	CMPQ AX, CX
	JLT dotloop
	VADDPD Y1, Y0, Y0
	VADDPD Y3, Y2, Y2
	VADDPD Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0
	MOVSD X0, ret+24(FP)
	VZEROUPPER
	RET
