//go:build !purego

#include "textflag.h"

// The AVX-512 micro-kernel: a 12×32 tile of C in 24 Z registers (row r in
// Z(4+2r), Z(5+2r)), enough independent accumulators to keep both FMA
// ports busy through their latency. One k step: two 16-wide loads of B,
// twelve broadcasts of A alternating between Z2 and Z3, 24 FMAs.

#define ROW(AO, BC, L, H) \
	VBROADCASTSS AO(SI), BC \
	VFMADD231PS  Z0, BC, L  \
	VFMADD231PS  Z1, BC, H

#define ZSTEP \
	VMOVUPS (DI), Z0               \
	VMOVUPS 64(DI), Z1             \
	ADDQ    R10, DI                \
	ROW(0, Z2, Z4, Z5)             \
	ROW(4, Z3, Z6, Z7)             \
	ROW(8, Z2, Z8, Z9)             \
	ROW(12, Z3, Z10, Z11)          \
	ROW(16, Z2, Z12, Z13)          \
	ROW(20, Z3, Z14, Z15)          \
	ROW(24, Z2, Z16, Z17)          \
	ROW(28, Z3, Z18, Z19)          \
	ROW(32, Z2, Z20, Z21)          \
	ROW(36, Z3, Z22, Z23)          \
	ROW(40, Z2, Z24, Z25)          \
	ROW(44, Z3, Z26, Z27)          \
	ADDQ    $48, SI

#define ZSTORE(L, H) \
	VMOVUPS L, (R8)   \
	VMOVUPS H, 64(R8) \
	ADDQ    R9, R8

#define ZADD(L, H) \
	VADDPS  (R8), L, L   \
	VADDPS  64(R8), H, H \
	VMOVUPS L, (R8)      \
	VMOVUPS H, 64(R8)    \
	ADDQ    R9, R8

// func sgemmKernel12x32(k int, a, b *float32, ldb int, c *float32, ldc int, accum bool)
// The rows of B are ldb elements apart: 32 for a packed sliver, the
// matrix's row stride when B is read in place.
TEXT ·sgemmKernel12x32(SB), NOSPLIT, $0-49
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ ldb+24(FP), R10
	SHLQ $2, R10
	MOVQ c+32(FP), R8
	MOVQ ldc+40(FP), R9
	SHLQ $2, R9

	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27

loop:
	ZSTEP
	DECQ CX
	JNZ  loop

	CMPB accum+48(FP), $0
	JEQ  store
	ZADD(Z4, Z5)
	ZADD(Z6, Z7)
	ZADD(Z8, Z9)
	ZADD(Z10, Z11)
	ZADD(Z12, Z13)
	ZADD(Z14, Z15)
	ZADD(Z16, Z17)
	ZADD(Z18, Z19)
	ZADD(Z20, Z21)
	ZADD(Z22, Z23)
	ZADD(Z24, Z25)
	ZADD(Z26, Z27)
	VZEROUPPER
	RET

store:
	ZSTORE(Z4, Z5)
	ZSTORE(Z6, Z7)
	ZSTORE(Z8, Z9)
	ZSTORE(Z10, Z11)
	ZSTORE(Z12, Z13)
	ZSTORE(Z14, Z15)
	ZSTORE(Z16, Z17)
	ZSTORE(Z18, Z19)
	ZSTORE(Z20, Z21)
	ZSTORE(Z22, Z23)
	ZSTORE(Z24, Z25)
	ZSTORE(Z26, Z27)
	VZEROUPPER
	RET

// The 8×32 AVX-512 micro-kernel, for products whose row count is a
// multiple of 8 but not of 12 (the CNN's 32 and 64 output channels), where
// the 12×32 tile would spend a ninth of its work on padding: the same k
// step with eight rows in Z4–Z19. Sixteen accumulators still cover the
// FMA latency.
#define ZSTEP8 \
	VMOVUPS (DI), Z0               \
	VMOVUPS 64(DI), Z1             \
	ADDQ    R10, DI                \
	ROW(0, Z2, Z4, Z5)             \
	ROW(4, Z3, Z6, Z7)             \
	ROW(8, Z2, Z8, Z9)             \
	ROW(12, Z3, Z10, Z11)          \
	ROW(16, Z2, Z12, Z13)          \
	ROW(20, Z3, Z14, Z15)          \
	ROW(24, Z2, Z16, Z17)          \
	ROW(28, Z3, Z18, Z19)          \
	ADDQ    $32, SI

// func sgemmKernel8x32(k int, a, b *float32, ldb int, c *float32, ldc int, accum bool)
TEXT ·sgemmKernel8x32(SB), NOSPLIT, $0-49
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ ldb+24(FP), R10
	SHLQ $2, R10
	MOVQ c+32(FP), R8
	MOVQ ldc+40(FP), R9
	SHLQ $2, R9

	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19

loop8:
	ZSTEP8
	DECQ CX
	JNZ  loop8

	CMPB accum+48(FP), $0
	JEQ  store8
	ZADD(Z4, Z5)
	ZADD(Z6, Z7)
	ZADD(Z8, Z9)
	ZADD(Z10, Z11)
	ZADD(Z12, Z13)
	ZADD(Z14, Z15)
	ZADD(Z16, Z17)
	ZADD(Z18, Z19)
	VZEROUPPER
	RET

store8:
	ZSTORE(Z4, Z5)
	ZSTORE(Z6, Z7)
	ZSTORE(Z8, Z9)
	ZSTORE(Z10, Z11)
	ZSTORE(Z12, Z13)
	ZSTORE(Z14, Z15)
	ZSTORE(Z16, Z17)
	ZSTORE(Z18, Z19)
	VZEROUPPER
	RET
