// Package linalg is linear algebra beyond matmul over tensors: solving
// linear systems, inverses and determinants, the Cholesky, QR, symmetric
// eigen- and singular value decompositions, least squares, pseudo-inverses
// and norms, with the semantics of torch.linalg (and NumPy's linalg).
//
// # Conventions
//
// Shapes. A matrix is the last two axes of a tensor, [m, n]; the leading
// axes, written *, index a batch of matrices, and every function applies to
// each matrix of the batch independently. A function of two operands
// (Solve, Lstsq) broadcasts their batch axes. A right-hand side B of Solve
// and Lstsq is a batch of vectors, [*, m], when it is 1-D or has the shape
// of A without its last axis; otherwise it is a batch of matrices [*, m, k].
// Results are new contiguous tensors on the backend of the input.
//
// Element types. Every function computes in float32 with float64 where
// said below, whatever the inputs' dtype: Float16, BFloat16 and Int32
// inputs are converted to Float32 first (exactly), and results are Float32,
// as NumPy's linalg turns integer input into floating point. Gradients
// reach a 16-bit input converted back to its dtype.
//
// Conventions of the decompositions: Cholesky is lower (A = L·Lᵀ); QR is
// reduced (Q [*, m, k], R [*, k, n], k = min(m, n)); Eigh reads the lower
// triangle and returns ascending eigenvalues with eigenvectors in the
// columns of V; SVD is thin and descending (A = U·diag(S)·Vh).
//
// Errors. Shapes that do not fit (a non-square matrix given to Solve, a
// right-hand side with the wrong number of rows, an unknown norm) are
// programming errors: the function panics with a *tensor.ShapeError (or a
// *tensor.BackendError for operands on different backends). A matrix for
// which the function has no answer — singular for Solve and Inv, not
// positive definite for Cholesky, rank-deficient for Lstsq, an iteration
// that does not converge — is a runtime failure: the result tensors carry
// an *Error (their Err and Data return it) that names the op and the index
// of the failing matrix in the batch, and wraps one of ErrSingular,
// ErrNotPositiveDefinite, ErrRankDeficient or ErrNoConvergence for
// errors.Is. No function returns NaN in place of an error (a NaN in the
// input propagates to the result, except in Cholesky, which reports it as
// not positive definite). A failure the input already carries is carried
// by the results.
//
// Autograd. Every function is differentiable and records its backward
// pass with tensor.Function, written in tensor ops and this package's
// functions (a function with several results records one node per result;
// the gradients add up). The rules are torch.linalg's: Cholesky, Eigh and
// QR's gradients are the symmetric ones where A is read as symmetric;
// gradients through singular vectors and eigenvectors are finite only for
// distinct singular values / eigenvalues and meaningful only for a loss
// that does not depend on their signs; QR needs its leading min(m, n)
// columns independent and Lstsq a full-rank A; Pinv assumes a locally
// constant rank; at the kinks of the norms the subgradients are PyTorch's
// (see MatrixNorm and VectorNorm). The norms' gradients are computed on the
// host in float64 like the norms.
//
// # What runs where
//
// On the CPU backend, and on a GPU backend for matrices below order 512,
// every function computes on the host: it reads its operands with Data
// (for a GPU tensor, one copy device → host that waits for the ops
// computing it), computes in pure Go and puts its results on the operands'
// backend with FromSlice (one copy host → device for a GPU backend). A
// backward pass is tensor ops on the backend plus such host round trips for
// the linalg calls in it.
//
// On the host, LU (Solve, Inv, Det, SlogDet), Cholesky and QR (QR, Lstsq)
// are blocked: each panel (16 to 64 columns, by algorithm and size) is
// factored in float64 and the trailing update runs as a float32 matrix
// product through the packed gemm of the CPU backend. Their factors
// therefore carry float32 rounding; Solve and Lstsq refine their solutions
// in float64 against A, and the triangular solves, determinants and
// least-squares substitutions run in float64. Inv forms U⁻¹·L⁻¹·P from the
// factors with float32 products (the triangular inverses by recursive 2×2
// block inversion, diagonal blocks of 64 inverted in float64), so its
// backward error is float32 rounding too. Eigh, SVD, Pinv and the
// matrix norms built on the SVD run wholly in float64. Results are rounded
// to float32. Matrices of a batch are processed in parallel.
//
// On a GPU backend, from order 512 (the smaller dimension for QR),
// Cholesky, LU (Solve, Inv, Det, SlogDet) and QR run blocked with the
// matrix left on the device, in panels of 128 columns; Cholesky and QR
// take a batch in the same device ops (one panel copy and one batched
// product per step for all its matrices), LU one matrix after the other
// (each has its own row interchanges). For each panel:
//
//   - the panel (the leading 128 columns of the trailing matrix, at most
//     n×128 per matrix) is copied device → host and factored there in
//     float64 (the matrices of a batch in parallel):
//     Cholesky's [L11; L21], LU with partial pivoting, or the Householder
//     reflectors of QR in compact form I − V·T·Vᵀ;
//   - its factors are copied host → device (L21; L11⁻¹, L21 and the row
//     permutation of the panel for LU; V and T for QR);
//   - the trailing update runs on the device as tensor matrix products:
//     A22 − L21·L21ᵀ (Cholesky); the rows interchanged by IndexSelect,
//     U12 = L11⁻¹·A12 and A22 − L21·U12 (LU); A − V·(Tᵀ·(Vᵀ·A)) (QR).
//
// The products use the device's matrix product precision (Highest unless
// changed with Device.SetMatMulPrecision). What else is copied: Cholesky
// and QR assemble L, and Q and R, on the device (Q from the reflectors,
// last panel first), so nothing more crosses. For Solve and Inv, LU
// copies each U12 row block device → host, so that the host holds the
// factors: Solve finishes there (float64 substitution, with B copied down
// and X up); Det and SlogDet need only U's diagonal, which the panels
// hold, and copy nothing more. Solve on this path does not refine its
// solution (A stays on the device): its backward error is float32
// rounding, as LU's, and its forward error grows with the condition number
// of A. Inv copies the factors up once (n², the size of its result, which
// then never crosses) and forms A⁻¹ = U⁻¹·L⁻¹·P on the device: the
// triangular inverses by recursive 2×2 block inversion (X21 =
// −X22·T21·X11) down to diagonal blocks of 128, inverted on the host in
// float64 and copied up, and P as a gather of columns. Everything else
// (Eigh, SVD, Lstsq, Pinv, the norms, and the backward passes' linalg
// calls below the threshold) computes on the host as above.
package linalg
