package linalg

import (
	"fmt"
	"math"
	"slices"

	"github.com/vktensor/vktensor/linalg/internal/lapack"
	"github.com/vktensor/vktensor/tensor"
)

// rhs interprets b as the right-hand side of a system with matrices of m
// rows and leading axes aBatch (torch.linalg's rule): b is a batch of
// vectors when it is 1-D or has the shape of a without its last axis, and a
// batch of m×k matrices otherwise. It returns b as matrices (a vector
// gaining a trailing axis of 1), the broadcast batch shape and whether b was
// a vector.
func rhs(op string, a, b *tensor.Tensor, m int) (bm *tensor.Tensor, batch []int, vector bool) {
	as, bs := a.Shape(), b.Shape()
	vector = len(bs) == 1 || (len(bs) == len(as)-1 && slices.Equal(bs, as[:len(as)-1]))
	bm = b.Detach()
	if vector {
		bm = bm.Unsqueeze(len(bs))
	}
	ms := bm.Shape()
	if len(ms) < 2 {
		shapePanic(op, "do not fit: B is 0-d", as, bs)
	}
	if ms[len(ms)-2] != m {
		shapePanic(op, fmt.Sprintf("do not fit: A has %d rows, B %d", m, ms[len(ms)-2]), as, bs)
	}
	batch, err := tensor.BroadcastShapes("linalg."+op, as[:len(as)-2], ms[:len(ms)-2])
	if err != nil {
		panic(err)
	}
	return bm, batch, vector
}

// Solve returns X with A·X = B for square A ([*, n, n]) and B ([*, n, k],
// or [*, n] / [n] for a batch of vectors, giving X [*, n]); the batch axes
// broadcast. A singular matrix (an exact zero pivot) is an *Error with
// ErrSingular carried by X. Differentiable in both operands.
//
// The LU factorization's trailing updates run in float32; the solution is
// then refined in float64 against A (up to two steps), so for
// well-conditioned A it is accurate to float32 rounding. For ill-conditioned
// A the backward error ‖A·X − B‖/(‖A‖·‖X‖) stays at float32 rounding (LU
// with partial pivoting is backward stable) while the error in X grows with
// the condition number; only an exact zero pivot is an error. On a GPU
// backend from order 512 the factorization runs on the device and the
// solution is not refined (see "What runs where" in the package doc).
func Solve(a, b *tensor.Tensor) *tensor.Tensor {
	const op = "Solve"
	sameBackend(op, a, b)
	n := squareSize(op, a)
	bm, batch, vector := rhs(op, a, b, n)
	k := bm.Shape()[bm.Rank()-1]
	B := matrices(op, bm.BroadcastTo(shape(batch, n, k)...))
	out := make([]float32, B.count*n*k)
	var err error
	if onDevice(a, n) {
		// The factors of a's own matrices, then float64 substitution for
		// each matrix of the broadcast batch (no refinement: A stays on
		// the device).
		f, ferr := luAll(a.Detach(), true)
		err = firstErr(ferr, B.err)
		if err == nil {
			lu64 := make([][]float64, len(f.lu))
			for j, lu := range f.lu {
				lu64[j] = to64(lu)
			}
			as := a.Shape()
			err = forEach(op, batch, B.count, func(i int) (string, error) {
				j := srcMatrix(batch, as[:len(as)-2], i)
				if z := f.zero[j]; z >= 0 {
					return singular(z), ErrSingular
				}
				x := to64(B.mat(i))
				lapack.LUSolve(n, k, lu64[j], f.piv[j], x)
				to32(out[i*n*k:(i+1)*n*k], x)
				return "", nil
			})
		}
	} else {
		A := matrices(op, a.Detach().BroadcastTo(shape(batch, n, n)...))
		err = firstErr(A.err, B.err)
		if err == nil {
			err = forEach(op, batch, A.count, func(i int) (string, error) {
				x, z := lapack.Solve(n, k, A.mat(i), B.mat(i))
				if z >= 0 {
					return singular(z), ErrSingular
				}
				to32(out[i*n*k:(i+1)*n*k], x)
				return "", nil
			})
		}
	}
	xs := shape(batch, n, k)
	if vector {
		xs = shape(batch, n)
	}
	x := result(a.Backend(), out, err, xs...)
	return tensor.Function("linalg.Solve", x, []*tensor.Tensor{a, b}, func(g *tensor.Tensor) []*tensor.Tensor {
		// X = A⁻¹B: gB = A⁻ᵀ·gX, gA = −gB·Xᵀ.
		xm := x.Detach()
		if vector {
			g, xm = g.Unsqueeze(-1), xm.Unsqueeze(-1)
		}
		gb := Solve(mT(a.Detach()), g)
		ga := gb.MatMul(mT(xm)).Neg()
		if vector {
			gb = gb.Squeeze(-1)
		}
		return []*tensor.Tensor{sumTo(ga, a.Shape()), sumTo(gb, b.Shape())}
	})
}

// singular is the detail of a zero pivot of LU.
func singular(z int) string { return fmt.Sprintf("U[%d,%d] = 0", z, z) }

// squareSize returns n for a batch of n×n matrices, panicking otherwise.
func squareSize(op string, a *tensor.Tensor) int {
	sh := a.Shape()
	if len(sh) < 2 {
		shapePanic(op, "is not a matrix or a batch of matrices (rank < 2)", sh)
	}
	if sh[len(sh)-1] != sh[len(sh)-2] {
		shapePanic(op, "is not a batch of square matrices", sh)
	}
	return sh[len(sh)-1]
}

// Inv returns the inverse of each square matrix of a ([*, n, n]). A
// singular matrix is an *Error with ErrSingular carried by the result.
// Differentiable. A⁻¹ = U⁻¹·L⁻¹·P from the LU factors, with float32
// products: its backward error ‖A·X − I‖/(‖A‖·‖X‖) is float32 rounding.
func Inv(a *tensor.Tensor) *tensor.Tensor {
	const op = "Inv"
	n := squareSize(op, a)
	var y *tensor.Tensor
	if onDevice(a, n) {
		y = invOnDevice(op, a)
	} else {
		A := matrices(op, a)
		out := make([]float32, A.count*n*n)
		err := A.err
		if err == nil {
			err = forEach(op, A.batch, A.count, func(i int) (string, error) {
				x, z := lapack.Inv(n, A.mat(i))
				if z >= 0 {
					return singular(z), ErrSingular
				}
				copy(out[i*n*n:(i+1)*n*n], x)
				return "", nil
			})
		}
		y = result(a.Backend(), out, err, a.Shape()...)
	}
	return tensor.Function("linalg.Inv", y, []*tensor.Tensor{a}, func(g *tensor.Tensor) []*tensor.Tensor {
		yt := mT(y.Detach()) // gA = −Y⁻ᵀ·gY·Y⁻ᵀ
		return []*tensor.Tensor{yt.MatMul(g).MatMul(yt).Neg()}
	})
}

// slogdet returns sign and log|det| of every matrix of a, in float64.
func slogdet(op string, a *tensor.Tensor) (A stack, sign, logabs []float64) {
	n := squareSize(op, a)
	if onDevice(a, n) {
		sh := a.Shape()
		A = stack{batch: slices.Clone(sh[:len(sh)-2]), m: n, n: n}
		A.count = prod(A.batch)
		sign, logabs = make([]float64, A.count), make([]float64, A.count)
		var f deviceLU
		if f, A.err = luAll(a, false); A.err == nil {
			for i := range A.count {
				sign[i], logabs[i] = lapack.Det(n, f.lu[i], f.piv[i])
			}
		}
		return A, sign, logabs
	}
	A = matrices(op, a)
	sign, logabs = make([]float64, A.count), make([]float64, A.count)
	if A.err == nil {
		forEach(op, A.batch, A.count, func(i int) (string, error) {
			lu := slices.Clone(A.mat(i))
			piv := make([]int, n)
			lapack.LU(n, lu, piv)
			sign[i], logabs[i] = lapack.Det(n, lu, piv)
			return "", nil
		})
	}
	return A, sign, logabs
}

// Det returns the determinant of each square matrix of a ([*, n, n] gives
// [*]; 1 for 0×0), from its LU factorization; a singular matrix gives 0.
// Differentiable where A is invertible (the gradient det(A)·A⁻ᵀ of a
// singular A carries ErrSingular). The result overflows to ±Inf where the
// determinant is beyond float32; SlogDet does not.
func Det(a *tensor.Tensor) *tensor.Tensor {
	A, sign, logabs := slogdet("Det", a)
	out := make([]float32, A.count)
	for i := range out {
		out[i] = float32(sign[i] * math.Exp(logabs[i]))
	}
	d := result(a.Backend(), out, A.err, A.batch...)
	return tensor.Function("linalg.Det", d, []*tensor.Tensor{a}, func(g *tensor.Tensor) []*tensor.Tensor {
		s := g.Mul(d.Detach()).Reshape(shape(A.batch, 1, 1)...)
		return []*tensor.Tensor{s.Mul(mT(Inv(a.Detach())))}
	})
}

// SlogDet returns the sign (−1, 0 or 1) and the natural logarithm of the
// absolute value of the determinant of each square matrix of a ([*, n, n]
// gives two [*]); a singular matrix gives sign 0 and logabsdet −Inf, not an
// error. logabsdet is differentiable (gradient A⁻ᵀ); sign is not.
func SlogDet(a *tensor.Tensor) (sign, logabsdet *tensor.Tensor) {
	A, s, l := slogdet("SlogDet", a)
	s32, l32 := make([]float32, A.count), make([]float32, A.count)
	to32(s32, s)
	to32(l32, l)
	sign = result(a.Backend(), s32, A.err, A.batch...)
	logabsdet = result(a.Backend(), l32, A.err, A.batch...)
	logabsdet = tensor.Function("linalg.SlogDet", logabsdet, []*tensor.Tensor{a}, func(g *tensor.Tensor) []*tensor.Tensor {
		return []*tensor.Tensor{g.Reshape(shape(A.batch, 1, 1)...).Mul(mT(Inv(a.Detach())))}
	})
	return sign, logabsdet
}
