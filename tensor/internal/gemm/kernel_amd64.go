//go:build !purego

package gemm

import (
	"os"

	"golang.org/x/sys/cpu"
)

// pickKernel returns the AVX-512 assembly kernel when the CPU has
// AVX-512F (and the OS saves ZMM state, which cpu checks) and VKT_NO_AVX512
// is unset, else the AVX2/FMA one when the CPU has both extensions, else
// the portable one.
func pickKernel() microKernel {
	ks := kernels()
	return ks[len(ks)-1]
}

// kernels lists the kernels this machine can run, the portable one first
// and the preferred one last.
func kernels() []microKernel {
	ks := []microKernel{generic}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, microKernel{fn: kernelAVX2, mr: mr, nr: nr, name: "avx2"})
	}
	if cpu.X86.HasAVX512F && os.Getenv("VKT_NO_AVX512") == "" {
		k8 := microKernel{fn: kernelAVX512x8, mr: 8, nr: 32, name: "avx512-8x32", direct: directAVX512x8}
		ks = append(ks, k8, microKernel{fn: kernelAVX512, mr: 12, nr: 32, name: "avx512", direct: directAVX512, narrow: &k8})
	}
	return ks
}

// kernelAVX512 checks the slice bounds once, then runs the 12×32 assembly
// kernel.
func kernelAVX512(k int, a, b, c []float32, ldc int, accum bool) {
	if k <= 0 {
		panic("gemm: kernel called with k <= 0")
	}
	_ = a[k*12-1]
	_ = b[k*32-1]
	_ = c[11*ldc+31]
	sgemmKernel12x32(k, &a[0], &b[0], 32, &c[0], ldc, accum)
}

// directAVX512 is kernelAVX512 reading B in place, rows ldb apart.
func directAVX512(k int, a, b []float32, ldb int, c []float32, ldc int, accum bool) {
	if k <= 0 {
		panic("gemm: kernel called with k <= 0")
	}
	_ = a[k*12-1]
	_ = b[(k-1)*ldb+31]
	_ = c[11*ldc+31]
	sgemmKernel12x32(k, &a[0], &b[0], ldb, &c[0], ldc, accum)
}

// kernelAVX512x8 is kernelAVX512 with an 8×32 tile.
func kernelAVX512x8(k int, a, b, c []float32, ldc int, accum bool) {
	if k <= 0 {
		panic("gemm: kernel called with k <= 0")
	}
	_ = a[k*8-1]
	_ = b[k*32-1]
	_ = c[7*ldc+31]
	sgemmKernel8x32(k, &a[0], &b[0], 32, &c[0], ldc, accum)
}

// directAVX512x8 is kernelAVX512x8 reading B in place, rows ldb apart.
func directAVX512x8(k int, a, b []float32, ldb int, c []float32, ldc int, accum bool) {
	if k <= 0 {
		panic("gemm: kernel called with k <= 0")
	}
	_ = a[k*8-1]
	_ = b[(k-1)*ldb+31]
	_ = c[7*ldc+31]
	sgemmKernel8x32(k, &a[0], &b[0], ldb, &c[0], ldc, accum)
}

// sgemmKernel8x32 is sgemmKernel12x32 for an 8×32 tile.
//
//go:noescape
func sgemmKernel8x32(k int, a, b *float32, ldb int, c *float32, ldc int, accum bool)

// sgemmKernel12x32 is sgemmKernel6x16 for a 12×32 tile, with B's row
// stride ldb.
//
//go:noescape
func sgemmKernel12x32(k int, a, b *float32, ldb int, c *float32, ldc int, accum bool)

// kernelAVX2 checks the slice bounds once, then runs the assembly kernel,
// which does no bounds checking of its own.
func kernelAVX2(k int, a, b, c []float32, ldc int, accum bool) {
	if k <= 0 {
		panic("gemm: kernel called with k <= 0")
	}
	_ = a[k*mr-1]
	_ = b[k*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	sgemmKernel6x16(k, &a[0], &b[0], &c[0], ldc, accum)
}

// sgemmKernel6x16 computes the 6×16 product of packed slivers a (6 floats
// per k step) and b (16 floats per k step), k >= 1, and stores it into c
// (row stride ldc elements), or adds it to c when accum is set.
//
//go:noescape
func sgemmKernel6x16(k int, a, b, c *float32, ldc int, accum bool)

// spreadRow copies count runs of width floats, consecutive in src, to
// dst[0:], dst[step:], dst[2·step:], …: one row of a row-major B into
// count packed slivers, in one call rather than one memmove per sliver.
// It reports false, copying nothing, without AVX or when width is not a
// multiple of 8.
func spreadRow(dst []float32, step int, src []float32, width, count int) bool {
	if !cpu.X86.HasAVX || width%8 != 0 || count <= 0 {
		return false
	}
	_ = dst[(count-1)*step+width-1]
	_ = src[count*width-1]
	spreadRowAVX(&dst[0], step, &src[0], width, count)
	return true
}

//go:noescape
func spreadRowAVX(dst *float32, step int, src *float32, width, count int)
