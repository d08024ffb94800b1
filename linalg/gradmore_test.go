package linalg_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/vktensor/vktensor/linalg"
	"github.com/vktensor/vktensor/tensor"
)

// The gradient checks of QR, SVD, Eigh's eigenvectors, Lstsq, Pinv and the
// norms (run by testGrad with the cases of gradCases).
//
// Singular vectors, eigenvectors and the columns of Q are defined up to
// sign; both sides of a check fix the sign the same way (the entry of
// largest magnitude of each column positive), a choice that is locally
// constant and so does not change the derivative.

// colSigns returns, for each column of every r×c matrix of d (flattened),
// the sign that makes its entry of largest magnitude positive.
func colSigns(d []float64, r, c int) []float64 {
	var out []float64
	for b := 0; b < len(d); b += r * c {
		for j := range c {
			best := 0.0
			for i := range r {
				if v := d[b+i*c+j]; math.Abs(v) > math.Abs(best) {
					best = v
				}
			}
			out = append(out, math.Copysign(1, best))
		}
	}
	return out
}

// signsOf is colSigns of the tensor x ([*, r, c]) as a constant [*, c] tensor.
func signsOf(x *tensor.Tensor) *tensor.Tensor {
	d, err := x.Detach().Data()
	if err != nil {
		panic(err)
	}
	sh := x.Shape()
	r, c := sh[len(sh)-2], sh[len(sh)-1]
	d64 := make([]float64, len(d))
	for i, v := range d {
		d64[i] = float64(v)
	}
	s := colSigns(d64, r, c)
	s32 := make([]float32, len(s))
	for i, v := range s {
		s32[i] = float32(v)
	}
	return tensor.On(x.Backend()).FromSlice(s32, append(slices.Clone(sh[:len(sh)-2]), c)...)
}

// flat concatenates the tensors, flattened.
func flat(ts ...*tensor.Tensor) *tensor.Tensor {
	fs := make([]*tensor.Tensor, len(ts))
	for i, t := range ts {
		fs[i] = t.Flatten()
	}
	return tensor.Concat(0, fs...)
}

// scaleCols multiplies column j of every r×c matrix of d by s[matrix·c + j].
func scaleCols(d []float64, r, c int, s []float64) {
	for b := 0; b*r*c < len(d); b++ {
		for i := range r {
			for j := range c {
				d[b*r*c+i*c+j] *= s[b*c+j]
			}
		}
	}
}

// scaleRows multiplies row i of every r×c matrix of d by s[matrix·r + i].
func scaleRows(d []float64, r, c int, s []float64) {
	for b := 0; b*r*c < len(d); b++ {
		for i := range r {
			for j := range c {
				d[b*r*c+i*c+j] *= s[b*r+i]
			}
		}
	}
}

// qrRef is the reduced QR of the m×n a in float64 (modified Gram–Schmidt
// on the leading k columns, R = Qᵀ·A), with Q's columns sign-fixed.
func qrRef(m, n int, a []float64) (q, r []float64) {
	k := min(m, n)
	q = make([]float64, m*k)
	for j := range k {
		for i := range m {
			q[i*k+j] = a[i*n+j]
		}
		for p := range j {
			var d float64
			for i := range m {
				d += q[i*k+p] * q[i*k+j]
			}
			for i := range m {
				q[i*k+j] -= d * q[i*k+p]
			}
		}
		var nr float64
		for i := range m {
			nr += q[i*k+j] * q[i*k+j]
		}
		nr = math.Sqrt(nr)
		for i := range m {
			q[i*k+j] /= nr
		}
	}
	s := colSigns(q, m, k)
	scaleCols(q, m, k, s)
	r = make([]float64, k*n)
	for i := range k {
		for j := range n {
			for t := range m {
				r[i*n+j] += q[t*k+i] * a[t*n+j]
			}
		}
	}
	return q, r
}

// svdRef is the thin SVD of the m×n a in float64 (gonum), with U's columns
// sign-fixed and Vh's rows following them.
func svdRef(m, n int, a []float64) (u, s, vh []float64) {
	var f mat.SVD
	if !f.Factorize(mat.NewDense(m, n, slices.Clone(a)), mat.SVDThin) {
		panic("reference SVD failed")
	}
	k := min(m, n)
	var um, vm mat.Dense
	f.UTo(&um)
	f.VTo(&vm)
	u = slices.Clone(um.RawMatrix().Data)
	sg := colSigns(u, m, k)
	scaleCols(u, m, k, sg)
	vh = slices.Clone(mat.DenseCopyOf(vm.T()).RawMatrix().Data)
	scaleRows(vh, k, n, sg)
	return u, f.Values(nil), vh
}

// eighRef is the eigendecomposition of the lower triangle of the n×n a
// (gonum), with V's columns sign-fixed.
func eighRef(n int, a []float64) (w, v []float64) {
	var e mat.EigenSym
	if !e.Factorize(sym(mat.NewDense(n, n, slices.Clone(a))), true) {
		panic("reference Eigh failed")
	}
	var vm mat.Dense
	e.VectorsTo(&vm)
	v = slices.Clone(vm.RawMatrix().Data)
	scaleCols(v, n, n, colSigns(v, n, n))
	return e.Values(nil), v
}

// pinvRef is A⁺ of a full-rank m×n a: (AᵀA)⁻¹Aᵀ or Aᵀ(AAᵀ)⁻¹.
func pinvRef(m, n int, a []float64) []float64 {
	am := mat.NewDense(m, n, slices.Clone(a))
	var g, gi, p mat.Dense
	if m >= n {
		g.Mul(am.T(), am)
		if err := gi.Inverse(&g); err != nil {
			panic(err)
		}
		p.Mul(&gi, am.T())
	} else {
		g.Mul(am, am.T())
		if err := gi.Inverse(&g); err != nil {
			panic(err)
		}
		p.Mul(am.T(), &gi)
	}
	return p.RawMatrix().Data
}

// batched applies f to each r×c matrix of x and concatenates the results.
func batched(x []float64, r, c int, f func(a []float64) []float64) []float64 {
	var out []float64
	for i := 0; i < len(x); i += r * c {
		out = append(out, f(x[i:i+r*c])...)
	}
	return out
}

func qrCase(name string, b, m, n int) gradCase {
	return gradCase{name, [][]int{{b, m, n}}, []string{"normal"},
		func(x []*tensor.Tensor) *tensor.Tensor {
			q, r := linalg.QR(x[0])
			s := signsOf(q)
			return flat(q.Mul(s.Unsqueeze(-2)), r.Mul(s.Unsqueeze(-1)))
		},
		func(x [][]float64) []float64 {
			var qs, rs []float64
			batched(x[0], m, n, func(a []float64) []float64 {
				q, r := qrRef(m, n, a)
				qs, rs = append(qs, q...), append(rs, r...)
				return nil
			})
			return append(qs, rs...)
		}}
}

func svdCase(name string, b, m, n int) gradCase {
	return gradCase{name, [][]int{{b, m, n}}, []string{"normal"},
		func(x []*tensor.Tensor) *tensor.Tensor {
			u, s, vh := linalg.SVD(x[0])
			sg := signsOf(u)
			return flat(u.Mul(sg.Unsqueeze(-2)), s, vh.Mul(sg.Unsqueeze(-1)))
		},
		func(x [][]float64) []float64 {
			var us, ss, vs []float64
			batched(x[0], m, n, func(a []float64) []float64 {
				u, s, vh := svdRef(m, n, a)
				us, ss, vs = append(us, u...), append(ss, s...), append(vs, vh...)
				return nil
			})
			return slices.Concat(us, ss, vs)
		}}
}

// lstsqRef is A⁺·B for each pair of a batch (A m×n, B m×k).
func lstsqRef(bt, m, n, k int, a, b []float64) []float64 {
	var out []float64
	for i := range bt {
		p := mat.NewDense(n, m, pinvRef(m, n, a[i*m*n:(i+1)*m*n]))
		var x mat.Dense
		x.Mul(p, mat.NewDense(m, k, b[i*m*k:(i+1)*m*k]))
		out = append(out, x.RawMatrix().Data...)
	}
	return out
}

// matNormRef is the ord-norm of the m×n a in float64.
func matNormRef(m, n int, a []float64, ord string) float64 {
	switch ord {
	case "fro":
		var s float64
		for _, v := range a {
			s += v * v
		}
		return math.Sqrt(s)
	case "nuc", "2", "-2":
		var f mat.SVD
		f.Factorize(mat.NewDense(m, n, slices.Clone(a)), mat.SVDNone)
		s := f.Values(nil)
		switch ord {
		case "2":
			return s[0]
		case "-2":
			return s[len(s)-1]
		}
		var t float64
		for _, v := range s {
			t += v
		}
		return t
	}
	rows := ord == "inf" || ord == "-inf"
	best := math.Inf(1)
	if ord[0] != '-' {
		best = 0
	}
	outer, inner := n, m
	if rows {
		outer, inner = m, n
	}
	for o := range outer {
		var s float64
		for i := range inner {
			if rows {
				s += math.Abs(a[o*n+i])
			} else {
				s += math.Abs(a[i*n+o])
			}
		}
		if ord[0] == '-' {
			best = min(best, s)
		} else {
			best = max(best, s)
		}
	}
	return best
}

// vecNormRef is the ord-norm over axes 0 and 2 of x [3, 4, 5] (result [4]).
func vecNormRef(x []float64, ord float64) []float64 {
	out := make([]float64, 4)
	for j := range 4 {
		var v []float64
		for i := range 3 {
			for k := range 5 {
				v = append(v, x[i*20+j*5+k])
			}
		}
		switch {
		case math.IsInf(ord, 1):
			for _, e := range v {
				out[j] = max(out[j], math.Abs(e))
			}
		case math.IsInf(ord, -1):
			out[j] = math.Inf(1)
			for _, e := range v {
				out[j] = min(out[j], math.Abs(e))
			}
		default:
			var s float64
			for _, e := range v {
				s += math.Pow(math.Abs(e), ord)
			}
			out[j] = math.Pow(s, 1/ord)
		}
	}
	return out
}

func moreGradCases() []gradCase {
	cs := []gradCase{
		qrCase("QR tall", 2, 5, 3), qrCase("QR square", 2, 4, 4), qrCase("QR wide", 2, 3, 5),
		svdCase("SVD tall", 2, 5, 3), svdCase("SVD square", 2, 4, 4), svdCase("SVD wide", 2, 3, 5),
		{"SVD values", [][]int{{2, 4, 6}}, []string{"normal"},
			func(x []*tensor.Tensor) *tensor.Tensor { _, s, _ := linalg.SVD(x[0]); return s },
			func(x [][]float64) []float64 {
				return batched(x[0], 4, 6, func(a []float64) []float64 { _, s, _ := svdRef(4, 6, a); return s })
			}},
		{"Eigh vectors", [][]int{{2, 5, 5}}, []string{"sym"},
			func(x []*tensor.Tensor) *tensor.Tensor {
				w, v := linalg.Eigh(x[0])
				return flat(w, v.Mul(signsOf(v).Unsqueeze(-2)))
			},
			func(x [][]float64) []float64 {
				var ws, vs []float64
				batched(x[0], 5, 5, func(a []float64) []float64 {
					w, v := eighRef(5, a)
					ws, vs = append(ws, w...), append(vs, v...)
					return nil
				})
				return append(ws, vs...)
			}},
		{"Pinv tall", [][]int{{2, 5, 3}}, []string{"normal"},
			func(x []*tensor.Tensor) *tensor.Tensor { return linalg.Pinv(x[0]) },
			func(x [][]float64) []float64 {
				return batched(x[0], 5, 3, func(a []float64) []float64 { return pinvRef(5, 3, a) })
			}},
		{"Pinv wide", [][]int{{2, 3, 5}}, []string{"normal"},
			func(x []*tensor.Tensor) *tensor.Tensor { return linalg.Pinv(x[0]) },
			func(x [][]float64) []float64 {
				return batched(x[0], 3, 5, func(a []float64) []float64 { return pinvRef(3, 5, a) })
			}},
		{"Lstsq tall", [][]int{{2, 6, 3}, {2, 6, 2}}, []string{"normal", "normal"},
			func(x []*tensor.Tensor) *tensor.Tensor { return linalg.Lstsq(x[0], x[1]) },
			func(x [][]float64) []float64 { return lstsqRef(2, 6, 3, 2, x[0], x[1]) }},
		{"Lstsq wide", [][]int{{2, 3, 5}, {2, 3, 2}}, []string{"normal", "normal"},
			func(x []*tensor.Tensor) *tensor.Tensor { return linalg.Lstsq(x[0], x[1]) },
			func(x [][]float64) []float64 { return lstsqRef(2, 3, 5, 2, x[0], x[1]) }},
		{"Lstsq broadcast vector", [][]int{{2, 6, 3}, {6}}, []string{"normal", "normal"},
			func(x []*tensor.Tensor) *tensor.Tensor { return linalg.Lstsq(x[0], x[1]) },
			func(x [][]float64) []float64 { return lstsqRef(2, 6, 3, 1, x[0], slices.Concat(x[1], x[1])) }},
	}
	for _, ord := range []string{"fro", "nuc", "2", "-2", "1", "-1", "inf", "-inf"} {
		cs = append(cs, gradCase{"MatrixNorm " + ord, [][]int{{3, 4, 5}}, []string{"normal"},
			func(x []*tensor.Tensor) *tensor.Tensor { return linalg.MatrixNorm(x[0], ord) },
			func(x [][]float64) []float64 {
				return batched(x[0], 4, 5, func(a []float64) []float64 { return []float64{matNormRef(4, 5, a, ord)} })
			}})
	}
	for _, ord := range []float64{2, 1, 3, 0.5, -1, math.Inf(1), math.Inf(-1)} {
		cs = append(cs, gradCase{"VectorNorm " + fmtOrd(ord), [][]int{{3, 4, 5}}, []string{"normal"},
			func(x []*tensor.Tensor) *tensor.Tensor { return linalg.VectorNorm(x[0], ord, 0, -1) },
			func(x [][]float64) []float64 { return vecNormRef(x[0], ord) }})
	}
	return cs
}

func fmtOrd(p float64) string {
	switch {
	case math.IsInf(p, 1):
		return "inf"
	case math.IsInf(p, -1):
		return "-inf"
	}
	return fmt.Sprint(p)
}

// TestNormSubgradients checks the documented choices at the kinks of the
// norms: ties split evenly, sign(0) = 0, a zero norm passes 0. The wanted
// gradients are what PyTorch 1.13 gives for the same inputs.
func TestNormSubgradients(t *testing.T) {
	d := tensor.CPU()
	grad := func(x *tensor.Tensor, f func(*tensor.Tensor) *tensor.Tensor) []float32 {
		t.Helper()
		x.SetRequiresGrad(true)
		if err := f(x).Sum().Backward(); err != nil {
			t.Fatal(err)
		}
		g, err := x.Grad().Data()
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	cases := []struct {
		name string
		x    *tensor.Tensor
		f    func(*tensor.Tensor) *tensor.Tensor
		want []float32
	}{
		{"VectorNorm inf, tied", d.FromSlice([]float32{3, -3, 1, 0}, 4),
			func(x *tensor.Tensor) *tensor.Tensor { return linalg.VectorNorm(x, math.Inf(1)) }, []float32{0.5, -0.5, 0, 0}},
		{"VectorNorm 1, zero element", d.FromSlice([]float32{2, 0, -1}, 3),
			func(x *tensor.Tensor) *tensor.Tensor { return linalg.VectorNorm(x, 1) }, []float32{1, 0, -1}},
		{"VectorNorm 2 of zero", d.Zeros(3),
			func(x *tensor.Tensor) *tensor.Tensor { return linalg.VectorNorm(x, 2) }, []float32{0, 0, 0}},
		{"VectorNorm 0", d.FromSlice([]float32{2, 0, -1}, 3),
			func(x *tensor.Tensor) *tensor.Tensor { return linalg.VectorNorm(x, 0) }, []float32{0, 0, 0}},
		{"VectorNorm 0.5, zero element", d.FromSlice([]float32{2, 0, -1}, 3),
			func(x *tensor.Tensor) *tensor.Tensor { return linalg.VectorNorm(x, 0.5) }, []float32{1.7071068, 0, -2.4142136}},
		{"VectorNorm -1, zero element (zero norm)", d.FromSlice([]float32{2, 0, -1}, 3),
			func(x *tensor.Tensor) *tensor.Tensor { return linalg.VectorNorm(x, -1) }, []float32{0, 0, 0}},
		{"MatrixNorm 1, tied columns", d.FromSlice([]float32{1, -2, 0, 1, 0, 1}, 2, 3),
			func(x *tensor.Tensor) *tensor.Tensor { return linalg.MatrixNorm(x, "1") }, []float32{0.5, -0.5, 0, 0.5, 0, 0}},
		{"MatrixNorm -inf, tied rows", d.FromSlice([]float32{1, -1, 0, 2}, 2, 2),
			func(x *tensor.Tensor) *tensor.Tensor { return linalg.MatrixNorm(x, "-inf") }, []float32{0.5, -0.5, 0, 0.5}},
		{"MatrixNorm fro of zero", d.Zeros(2, 2),
			func(x *tensor.Tensor) *tensor.Tensor { return linalg.MatrixNorm(x, "fro") }, []float32{0, 0, 0, 0}},
		{"MatrixNorm nuc of diag(2, -3)", d.FromSlice([]float32{2, 0, 0, -3}, 2, 2),
			func(x *tensor.Tensor) *tensor.Tensor { return linalg.MatrixNorm(x, "nuc") }, []float32{1, 0, 0, -1}},
	}
	for _, c := range cases {
		got := grad(c.x, c.f)
		for i := range c.want {
			if math.Abs(float64(got[i]-c.want[i])) > 1e-6 {
				t.Errorf("%s: gradient %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
}
