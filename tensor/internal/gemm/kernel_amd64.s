//go:build !purego

#include "textflag.h"

// One k step: two 8-wide loads of B, six broadcasts of A, twelve FMAs into
// the accumulators Y4..Y15 (row r in Y(4+2r), Y(5+2r)). The broadcasts
// alternate between Y2 and Y3 so consecutive rows do not serialise on one
// register.
#define STEP(AO, BO, BO2, A1, A2, A3, A4, A5) \
	VMOVUPS      BO(DI), Y0         \
	VMOVUPS      BO2(DI), Y1        \
	VBROADCASTSS AO(SI), Y2         \
	VFMADD231PS  Y0, Y2, Y4         \
	VFMADD231PS  Y1, Y2, Y5         \
	VBROADCASTSS A1(SI), Y3         \
	VFMADD231PS  Y0, Y3, Y6         \
	VFMADD231PS  Y1, Y3, Y7         \
	VBROADCASTSS A2(SI), Y2         \
	VFMADD231PS  Y0, Y2, Y8         \
	VFMADD231PS  Y1, Y2, Y9         \
	VBROADCASTSS A3(SI), Y3         \
	VFMADD231PS  Y0, Y3, Y10        \
	VFMADD231PS  Y1, Y3, Y11        \
	VBROADCASTSS A4(SI), Y2         \
	VFMADD231PS  Y0, Y2, Y12        \
	VFMADD231PS  Y1, Y2, Y13        \
	VBROADCASTSS A5(SI), Y3         \
	VFMADD231PS  Y0, Y3, Y14        \
	VFMADD231PS  Y1, Y3, Y15

// Store (or add) one row of the tile and advance to the next row.
#define STOREROW(L, H) \
	VMOVUPS L, (R8)    \
	VMOVUPS H, 32(R8)  \
	ADDQ    R9, R8

#define ADDROW(L, H) \
	VADDPS  (R8), L, L    \
	VADDPS  32(R8), H, H  \
	VMOVUPS L, (R8)       \
	VMOVUPS H, 32(R8)     \
	ADDQ    R9, R8

// func sgemmKernel6x16(k int, a, b, c *float32, ldc int, accum bool)
TEXT ·sgemmKernel6x16(SB), NOSPLIT, $0-41
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), R8
	MOVQ ldc+32(FP), R9
	SHLQ $2, R9

	// Pull the C tile toward L1 while the FMAs run.
	MOVQ R8, R10
	PREFETCHT0 (R10)
	PREFETCHT0 60(R10)
	ADDQ R9, R10
	PREFETCHT0 (R10)
	PREFETCHT0 60(R10)
	ADDQ R9, R10
	PREFETCHT0 (R10)
	PREFETCHT0 60(R10)
	ADDQ R9, R10
	PREFETCHT0 (R10)
	PREFETCHT0 60(R10)
	ADDQ R9, R10
	PREFETCHT0 (R10)
	PREFETCHT0 60(R10)
	ADDQ R9, R10
	PREFETCHT0 (R10)
	PREFETCHT0 60(R10)

	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

	MOVQ CX, BX
	SHRQ $2, BX
	JZ   tail

loop4:
	// Four k steps per iteration: 96 bytes of A, 256 bytes of B.
	STEP(0, 0, 32, 4, 8, 12, 16, 20)
	STEP(24, 64, 96, 28, 32, 36, 40, 44)
	STEP(48, 128, 160, 52, 56, 60, 64, 68)
	STEP(72, 192, 224, 76, 80, 84, 88, 92)
	ADDQ $96, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  loop4

tail:
	ANDQ $3, CX
	JZ   done

loop1:
	STEP(0, 0, 32, 4, 8, 12, 16, 20)
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop1

done:
	CMPB accum+40(FP), $0
	JEQ  store
	ADDROW(Y4, Y5)
	ADDROW(Y6, Y7)
	ADDROW(Y8, Y9)
	ADDROW(Y10, Y11)
	ADDROW(Y12, Y13)
	ADDROW(Y14, Y15)
	VZEROUPPER
	RET

store:
	STOREROW(Y4, Y5)
	STOREROW(Y6, Y7)
	STOREROW(Y8, Y9)
	STOREROW(Y10, Y11)
	STOREROW(Y12, Y13)
	STOREROW(Y14, Y15)
	VZEROUPPER
	RET
