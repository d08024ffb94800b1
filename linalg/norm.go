package linalg

import (
	"fmt"
	"math"
	"slices"

	"github.com/vktensor/vktensor/linalg/internal/lapack"
	"github.com/vktensor/vktensor/tensor"
)

// MatrixNorm returns a norm of each matrix of a ([*, m, n] gives [*]),
// computed in float64, as torch.linalg.matrix_norm: ord is "fro"
// (Frobenius), "nuc" (sum of singular values), "2" / "-2" (largest /
// smallest singular value), "1" / "-1" (max / min absolute column sum) or
// "inf" / "-inf" (max / min absolute row sum). Other ords panic with a
// *tensor.ShapeError; the min forms of an empty matrix panic too.
//
// Differentiable. Where the norm has a kink the gradient is PyTorch's
// subgradient: "fro" gives A/‖A‖ (0 at A = 0); "nuc" gives U·Vh of the
// thin SVD, all min(m, n) pairs (at a rank-deficient A, one subgradient
// among many); "2" and "-2" give u·vᵀ of the largest / smallest singular
// value chosen by the SVD (at a repeated singular value, one subgradient);
// "1", "-1", "inf" and "-inf" give sign(A) on the extreme columns or rows,
// split evenly between tied ones (as amax / amin), with sign(0) = 0 (as
// Abs). The gradient is computed in float64 on the host, like the norm.
func MatrixNorm(a *tensor.Tensor, ord string) *tensor.Tensor {
	const op = "MatrixNorm"
	switch ord {
	case "fro", "nuc", "1", "-1", "2", "-2", "inf", "-inf":
	default:
		shapePanic(op, fmt.Sprintf("ord %q is not one of fro, nuc, 1, -1, 2, -2, inf, -inf", ord), a.Shape())
	}
	A := matrices(op, a)
	m, n := A.m, A.n
	if (m == 0 || n == 0) && ord[0] == '-' {
		shapePanic(op, fmt.Sprintf("ord %q of an empty matrix", ord), a.Shape())
	}
	out := make([]float32, A.count)
	err := A.err
	if err == nil {
		err = forEach(op, A.batch, A.count, func(i int) (string, error) {
			x := A.mat(i)
			var v float64
			switch ord {
			case "fro":
				var s float64
				for _, e := range x {
					s += float64(e) * float64(e)
				}
				v = math.Sqrt(s)
			case "nuc", "2", "-2":
				s, _, _, ok := lapack.SVD(m, n, to64(x), false)
				if !ok {
					return "", ErrNoConvergence
				}
				switch {
				case len(s) == 0:
				case ord == "nuc":
					for _, e := range s {
						v += e
					}
				case ord == "2":
					v = s[0]
				default:
					v = s[len(s)-1]
				}
			case "1", "-1", "inf", "-inf":
				rows := ord == "inf" || ord == "-inf"
				outer, inner := n, m // column sums
				at := func(o, in int) float32 { return x[in*n+o] }
				if rows {
					outer, inner = m, n
					at = func(o, in int) float32 { return x[o*n+in] }
				}
				v = math.Inf(1)
				if ord[0] != '-' {
					v = 0
				}
				for o := range outer {
					var s float64
					for in := range inner {
						s += math.Abs(float64(at(o, in)))
					}
					if ord[0] == '-' {
						v = min(v, s)
					} else {
						v = max(v, s)
					}
				}
			}
			out[i] = float32(v)
			return "", nil
		})
	}
	nrm := result(a.Backend(), out, err, A.batch...)
	return tensor.Function("linalg.MatrixNorm", nrm, []*tensor.Tensor{a}, func(g *tensor.Tensor) []*tensor.Tensor {
		d, err := matrixNormGrad(op, A, ord)
		dt := result(a.Backend(), d, err, a.Shape()...)
		return []*tensor.Tensor{g.Reshape(shape(A.batch, 1, 1)...).Mul(dt)}
	})
}

// matrixNormGrad returns ∂‖A‖/∂A for every matrix of A (the subgradients
// documented at MatrixNorm), in float64 rounded to float32.
func matrixNormGrad(op string, A stack, ord string) ([]float32, error) {
	m, n := A.m, A.n
	d := make([]float32, len(A.data))
	err := forEach(op, A.batch, A.count, func(i int) (string, error) {
		x, di := A.mat(i), d[i*m*n:(i+1)*m*n]
		switch ord {
		case "fro":
			var s float64
			for _, e := range x {
				s += float64(e) * float64(e)
			}
			if s > 0 {
				nv := math.Sqrt(s)
				for j, e := range x {
					di[j] = float32(float64(e) / nv)
				}
			}
		case "nuc", "2", "-2":
			k := min(m, n)
			if k == 0 {
				return "", nil
			}
			_, ut, vt, ok := lapack.SVD(m, n, to64(x), true)
			if !ok {
				return "", ErrNoConvergence
			}
			lo, hi := 0, k
			switch ord {
			case "2":
				hi = 1
			case "-2":
				lo = k - 1
			}
			g := make([]float64, m*n)
			for j := lo; j < hi; j++ { // Σ u_j·v_jᵀ
				for r := range m {
					f := ut[j*m+r]
					for c := range n {
						g[r*n+c] += f * vt[j*n+c]
					}
				}
			}
			to32(di, g)
		default: // "1", "-1", "inf", "-inf"
			rows := ord == "inf" || ord == "-inf"
			outer, inner := n, m
			at := func(o, in int) int { return in*n + o }
			if rows {
				outer, inner = m, n
				at = func(o, in int) int { return o*n + in }
			}
			sums := make([]float64, outer)
			for o := range outer {
				for in := range inner {
					sums[o] += math.Abs(float64(x[at(o, in)]))
				}
			}
			if outer == 0 {
				return "", nil
			}
			v := sums[0]
			for _, s := range sums {
				if ord[0] == '-' {
					v = min(v, s)
				} else {
					v = max(v, s)
				}
			}
			var ties float64
			for _, s := range sums {
				if s == v {
					ties++
				}
			}
			for o, s := range sums {
				if s != v {
					continue
				}
				for in := range inner {
					j := at(o, in)
					di[j] = float32(sign(float64(x[j])) / ties)
				}
			}
		}
		return "", nil
	})
	return d, err
}

// sign is −1, 0 or 1 by the sign of x.
func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// VectorNorm returns the ord-norm of x over axes (every axis when none is
// given; negative axes count from the end), computed in float64, as
// torch.linalg.vector_norm: ord p > 0 gives (Σ|x|ᵖ)^(1/p), math.Inf(1)
// max|x|, math.Inf(-1) min|x|, 0 the number of non-zero elements, and p < 0
// (Σ|x|ᵖ)^(1/p). The reduced axes are removed from the shape.
//
// Differentiable, with PyTorch's gradient (computed in float64 on the
// host): ord 0 passes none; ±Inf gives sign(x) on the elements of extreme
// |x|, split evenly between tied ones; 2 gives x/‖x‖; any other p gives
// sign(x)·|x|^(p−1)/‖x‖^(p−1). A zero norm, and for p < 1 a zero element,
// gets gradient 0 (the subgradient choice of PyTorch; sign(0) = 0).
func VectorNorm(x *tensor.Tensor, ord float64, axes ...int) *tensor.Tensor {
	const op = "VectorNorm"
	if math.IsNaN(ord) {
		shapePanic(op, "ord is NaN", x.Shape())
	}
	sh := x.Shape()
	red := make([]bool, len(sh))
	if len(axes) == 0 {
		for i := range red {
			red[i] = true
		}
	}
	for _, ax := range axes {
		a := ax
		if a < 0 {
			a += len(sh)
		}
		if a < 0 || a >= len(sh) || red[a] {
			shapePanic(op, fmt.Sprintf("axes %v are out of range or repeated", axes), sh)
		}
		red[a] = true
	}
	var perm, keep []int
	inner := 1
	for i, r := range red {
		if !r {
			perm = append(perm, i)
			keep = append(keep, sh[i])
		}
	}
	for i, r := range red {
		if r {
			perm = append(perm, i)
			inner *= sh[i]
		}
	}
	if inner == 0 && ord < 0 {
		shapePanic(op, fmt.Sprintf("ord %v over an empty axis", ord), sh)
	}
	xd := x.Detach()
	if len(perm) > 0 {
		xd = xd.Permute(perm...)
	}
	data, err := xd.Data()
	count := prod(keep)
	if err != nil {
		data = make([]float32, count*inner)
	}
	out := make([]float32, count)
	for i := range out {
		out[i] = float32(vnorm(data[i*inner:(i+1)*inner], ord))
	}
	nrm := result(x.Backend(), out, err, slices.Clone(keep)...)
	return tensor.Function("linalg.VectorNorm", nrm, []*tensor.Tensor{x}, func(g *tensor.Tensor) []*tensor.Tensor {
		d := make([]float32, len(data))
		for i := range count {
			vnormGrad(d[i*inner:(i+1)*inner], data[i*inner:(i+1)*inner], ord)
		}
		ps := make([]int, len(perm)) // the shape of xd
		inv := make([]int, len(perm))
		for i, p := range perm {
			ps[i] = sh[p]
			inv[p] = i
		}
		gs := slices.Clone(keep)
		for range len(perm) - len(keep) {
			gs = append(gs, 1)
		}
		gx := result(x.Backend(), d, err, ps...).Mul(g.Reshape(gs...))
		if len(perm) > 0 {
			gx = gx.Permute(inv...)
		}
		return []*tensor.Tensor{gx}
	})
}

// vnormGrad writes ∂‖v‖/∂v into d (the subgradients documented at
// VectorNorm), in float64 rounded to float32.
func vnormGrad(d, v []float32, ord float64) {
	nv := vnorm(v, ord)
	switch {
	case ord == 0:
	case math.IsInf(ord, 0):
		var ties float64
		for _, e := range v {
			if math.Abs(float64(e)) == nv {
				ties++
			}
		}
		for i, e := range v {
			if math.Abs(float64(e)) == nv {
				d[i] = float32(sign(float64(e)) / ties)
			}
		}
	case nv == 0 || math.IsInf(nv, 0):
	case ord == 2:
		for i, e := range v {
			d[i] = float32(float64(e) / nv)
		}
	default:
		scale := math.Pow(nv, ord-1)
		for i, e := range v {
			if e != 0 {
				a := math.Abs(float64(e))
				d[i] = float32(sign(float64(e)) * math.Pow(a, ord-1) / scale)
			}
		}
	}
}

// vnorm is the ord-norm of v in float64.
func vnorm(v []float32, ord float64) float64 {
	switch {
	case math.IsInf(ord, 0):
		if len(v) == 0 {
			return 0
		}
		r := math.Abs(float64(v[0]))
		for _, e := range v[1:] {
			if ord > 0 {
				r = max(r, math.Abs(float64(e)))
			} else {
				r = min(r, math.Abs(float64(e)))
			}
		}
		return r
	case ord == 0:
		var c float64
		for _, e := range v {
			if e != 0 {
				c++
			}
		}
		return c
	case ord == 2:
		var scale, ss float64 = 0, 1
		for _, e := range v {
			if e == 0 {
				continue
			}
			a := math.Abs(float64(e))
			if a > scale {
				ss = 1 + ss*(scale/a)*(scale/a)
				scale = a
			} else {
				ss += (a / scale) * (a / scale)
			}
		}
		return scale * math.Sqrt(ss)
	default:
		var s float64
		for _, e := range v {
			s += math.Pow(math.Abs(float64(e)), ord)
		}
		return math.Pow(s, 1/ord)
	}
}
