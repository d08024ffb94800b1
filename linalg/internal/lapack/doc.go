// Package lapack holds the dense numeric kernels behind package linalg: LU,
// Cholesky, QR, the symmetric eigenproblem and the SVD, on row-major
// matrices in host memory. It is written from the textbook algorithms
// (Golub & Van Loan, Matrix Computations, 4th ed.), not from LAPACK's
// sources.
//
// Precision. The factorizations that are blocked (LU, Cholesky, QR) keep
// the matrix in float32, the element type of the tensors: each panel is
// factored in float64 on a copy, and the trailing update, where almost all
// the work is, runs as a float32 matrix product through cpu.Sgemm (the
// CPU backend's packed gemm). Their factors therefore carry float32 rounding
// (backward error of order n·2⁻²⁴), which is the precision of the data;
// Solve adds a float64 iterative refinement on top. The symmetric
// eigensolver and the SVD run wholly in float64 (Householder reduction to
// tridiagonal or bidiagonal form, then implicit-shift QR iterations; up to
// order JacobiMax, Jacobi rotations instead, see jacobi.go).
//
// Sizes up to the panel width (16 to 64 columns, see panelWidth) run
// unblocked, in float64 throughout.
package lapack
