//go:build amd64 && !purego

package lapack

import "golang.org/x/sys/cpu"

// The level-1 kernels below run 4 float64 lanes with fused multiply-adds
// where the CPU has AVX2 and FMA (the vector accumulations of Eigh and SVD
// spend most of their time in rot); their results differ from the portable
// loops' by the roundings an FMA saves.
var hasFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// rotFMA is rot on the first n elements (n a positive multiple of 8).
//
//go:noescape
func rotFMA(c, s float64, x, y *float64, n int)

// axpyFMA is axpy on the first n elements (n a positive multiple of 8).
//
//go:noescape
func axpyFMA(alpha float64, x, y *float64, n int)

// dotFMA is dot on the first n elements (n a positive multiple of 16).
//
//go:noescape
func dotFMA(x, y *float64, n int) float64
