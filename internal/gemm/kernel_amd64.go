//go:build !purego

package gemm

import "golang.org/x/sys/cpu"

// pickKernel returns the AVX2/FMA assembly kernel when the CPU has both
// extensions (and the OS saves YMM state, which cpu checks), else the
// portable one.
func pickKernel() kernelFunc {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return kernelAVX2
	}
	return kernelGeneric
}

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
