package cpu

import "github.com/vktensor/vktensor/tensor/internal/gemm"

// Matrix is a strided float32 matrix view over a plain slice, for Sgemm:
// element (i, j) is Data[Off + i*RS + j*CS]; RS and CS may be any
// non-negative values (a transposed view has RS = 1, CS = ld).
type Matrix = gemm.Matrix

// Sgemm sets c = a·b (c += a·b with accumulate) for an m×k a, k×n b and
// m×n c: the packed, cache-blocked matrix multiply of the CPU backend's
// MatMul, on plain slices, for code that keeps its own float32 arrays
// (the blocked factorizations of package linalg). It uses every core when
// the product is large, is safe for concurrent calls, and panics when a
// view reaches outside its Data. c must not overlap a or b.
func Sgemm(m, n, k int, a, b, c Matrix, accumulate bool) { gemm.Sgemm(m, n, k, a, b, c, accumulate) }
