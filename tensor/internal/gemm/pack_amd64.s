//go:build !purego

#include "textflag.h"

// func spreadRowAVX(dst *float32, step int, src *float32, width, count int)
// Copies count runs of width floats (a multiple of 8) from src, one after
// another, to dst, dst + step, dst + 2·step, … (step in floats): one row
// of a row-major B into its place in count packed slivers.
TEXT ·spreadRowAVX(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ step+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ width+24(FP), DX
	SHLQ $2, DX
	MOVQ count+32(FP), CX
	TESTQ CX, CX
	JEQ  done

run:
	XORQ AX, AX

chunk:
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, DX
	JLT     chunk
	ADDQ    DX, SI
	ADDQ    R8, DI
	DECQ    CX
	JNZ     run

done:
	VZEROUPPER
	RET
