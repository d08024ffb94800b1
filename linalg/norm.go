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
// *tensor.ShapeError; the min forms of an empty matrix panic too. Not
// differentiable.
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
	return result(a.Backend(), out, err, A.batch...)
}

// VectorNorm returns the ord-norm of x over axes (every axis when none is
// given; negative axes count from the end), computed in float64, as
// torch.linalg.vector_norm: ord p > 0 gives (Σ|x|ᵖ)^(1/p), math.Inf(1)
// max|x|, math.Inf(-1) min|x|, 0 the number of non-zero elements, and p < 0
// (Σ|x|ᵖ)^(1/p). The reduced axes are removed from the shape. Not
// differentiable.
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
	return result(x.Backend(), out, err, slices.Clone(keep)...)
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
