package linalg_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/vktensor/vktensor/linalg"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// gradCase is a differentiable function checked against central finite
// differences of a float64 reference (gonum) on the host.
type gradCase struct {
	name   string
	shapes [][]int
	kind   []string // per input: "normal", "wellcond", "spd" or "sym"
	f      func(x []*tensor.Tensor) *tensor.Tensor
	ref    func(x [][]float64) []float64 // the same function in float64, flattened
}

// each applies f to the n×n matrices of x (a flattened batch) and
// concatenates the results.
func each(x []float64, n int, f func(a *mat.Dense) []float64) []float64 {
	var out []float64
	for i := 0; i < len(x); i += n * n {
		out = append(out, f(mat.NewDense(n, n, append([]float64(nil), x[i:i+n*n]...)))...)
	}
	return out
}

func sym(a *mat.Dense) *mat.SymDense {
	n, _ := a.Dims()
	s := mat.NewSymDense(n, nil)
	for i := range n {
		for j := 0; j <= i; j++ {
			s.SetSym(i, j, a.At(i, j)) // the lower triangle, as linalg reads it
		}
	}
	return s
}

func gradCases() []gradCase {
	const n = 4
	return append([]gradCase{
		{"Solve", [][]int{{2, n, n}, {2, n, 3}}, []string{"wellcond", "normal"},
			func(x []*tensor.Tensor) *tensor.Tensor { return linalg.Solve(x[0], x[1]) },
			func(x [][]float64) []float64 {
				var out []float64
				for b := range 2 {
					var s mat.Dense
					s.Solve(mat.NewDense(n, n, x[0][b*n*n:(b+1)*n*n]), mat.NewDense(n, 3, x[1][b*n*3:(b+1)*n*3]))
					out = append(out, s.RawMatrix().Data...)
				}
				return out
			}},
		{"Solve broadcast", [][]int{{n, n}, {3, n, 2}}, []string{"wellcond", "normal"},
			func(x []*tensor.Tensor) *tensor.Tensor { return linalg.Solve(x[0].Unsqueeze(0), x[1]) },
			func(x [][]float64) []float64 {
				var out []float64
				for b := range 3 {
					var s mat.Dense
					s.Solve(mat.NewDense(n, n, x[0]), mat.NewDense(n, 2, x[1][b*n*2:(b+1)*n*2]))
					out = append(out, s.RawMatrix().Data...)
				}
				return out
			}},
		{"Solve vector", [][]int{{2, n, n}, {2, n}}, []string{"wellcond", "normal"},
			func(x []*tensor.Tensor) *tensor.Tensor { return linalg.Solve(x[0], x[1]) },
			func(x [][]float64) []float64 {
				var out []float64
				for b := range 2 {
					var s mat.VecDense
					s.SolveVec(mat.NewDense(n, n, x[0][b*n*n:(b+1)*n*n]), mat.NewVecDense(n, x[1][b*n:(b+1)*n]))
					out = append(out, s.RawVector().Data...)
				}
				return out
			}},
		{"Inv", [][]int{{2, n, n}}, []string{"wellcond"},
			func(x []*tensor.Tensor) *tensor.Tensor { return linalg.Inv(x[0]) },
			func(x [][]float64) []float64 {
				return each(x[0], n, func(a *mat.Dense) []float64 {
					var v mat.Dense
					v.Inverse(a)
					return v.RawMatrix().Data
				})
			}},
		{"Det", [][]int{{2, n, n}}, []string{"normal"},
			func(x []*tensor.Tensor) *tensor.Tensor { return linalg.Det(x[0]) },
			func(x [][]float64) []float64 {
				return each(x[0], n, func(a *mat.Dense) []float64 { return []float64{mat.Det(a)} })
			}},
		{"SlogDet", [][]int{{2, n, n}}, []string{"normal"},
			func(x []*tensor.Tensor) *tensor.Tensor { _, l := linalg.SlogDet(x[0]); return l },
			func(x [][]float64) []float64 {
				return each(x[0], n, func(a *mat.Dense) []float64 { l, _ := mat.LogDet(a); return []float64{l} })
			}},
		{"Cholesky", [][]int{{2, n, n}}, []string{"spd"},
			func(x []*tensor.Tensor) *tensor.Tensor { return linalg.Cholesky(x[0]) },
			func(x [][]float64) []float64 {
				return each(x[0], n, func(a *mat.Dense) []float64 {
					var c mat.Cholesky
					if !c.Factorize(sym(a)) {
						panic("reference Cholesky failed")
					}
					var l mat.TriDense
					c.LTo(&l)
					return mat.DenseCopyOf(&l).RawMatrix().Data
				})
			}},
		{"Eigh", [][]int{{2, n, n}}, []string{"sym"},
			func(x []*tensor.Tensor) *tensor.Tensor { w, _ := linalg.Eigh(x[0]); return w },
			func(x [][]float64) []float64 {
				return each(x[0], n, func(a *mat.Dense) []float64 {
					var e mat.EigenSym
					e.Factorize(sym(a), false)
					return e.Values(nil)
				})
			}},
	}, moreGradCases()...)
}

func TestGradCPU(t *testing.T) { testGrad(t, cpu.New()) }

// testGrad checks ⟨∂L/∂x, E⟩ from Backward against the central difference
// of the float64 reference along a random direction E, for each input x,
// with L = Σ W ⊙ f(x). Directions are symmetric for the inputs that are
// read as symmetric (Cholesky, Eigh), whose gradients are the symmetric ones.
func testGrad(t *testing.T, b backend.Backend) {
	for ci, c := range gradCases() {
		g := newGen(b, uint64(10+ci))
		xs := make([]*tensor.Tensor, len(c.shapes))
		x64 := make([][]float64, len(c.shapes))
		for i, sh := range c.shapes {
			switch c.kind[i] {
			case "wellcond":
				xs[i] = g.wellConditioned(prodInts(sh[:len(sh)-2]), sh[len(sh)-1]).Reshape(sh...)
			case "spd":
				xs[i] = g.spd(sh[0], sh[1]).Reshape(sh...)
			case "sym":
				xs[i] = g.symmetric(sh[0], sh[1]).Reshape(sh...)
			default:
				xs[i] = g.normal(sh...)
			}
			xs[i].SetRequiresGrad(true)
			d, _ := xs[i].Data()
			x64[i] = make([]float64, len(d))
			for j, v := range d {
				x64[i][j] = float64(v)
			}
		}
		out := c.f(xs)
		w := g.normal(out.Shape()...)
		wd, _ := w.Data()
		if err := out.Mul(w).Sum().Backward(); err != nil {
			t.Fatalf("%s: Backward: %v", c.name, err)
		}
		loss := func(x [][]float64) float64 {
			var s float64
			for i, v := range c.ref(x) {
				s += float64(wd[i]) * v
			}
			return s
		}
		for i, sh := range c.shapes {
			grad, err := xs[i].Grad().Data()
			if err != nil {
				t.Fatalf("%s: grad %d: %v", c.name, i, err)
			}
			dir := make([]float64, len(x64[i]))
			for j := range dir {
				dir[j] = g.rng.NormFloat64()
			}
			if c.kind[i] == "spd" || c.kind[i] == "sym" {
				n := sh[len(sh)-1]
				for bi := 0; bi < len(dir); bi += n * n {
					for r := range n {
						for cc := range r {
							dir[bi+cc*n+r] = dir[bi+r*n+cc]
						}
					}
				}
			}
			const h = 1e-6
			plus, minus := clone2(x64), clone2(x64)
			for j := range dir {
				plus[i][j] += h * dir[j]
				minus[i][j] -= h * dir[j]
			}
			fd := (loss(plus) - loss(minus)) / (2 * h)
			var ad, scale float64
			for j := range dir {
				ad += float64(grad[j]) * dir[j]
				scale += math.Abs(float64(grad[j]) * dir[j])
			}
			if e := math.Abs(ad-fd) / max(scale, 1e-3); e > 1e-4 {
				t.Errorf("%s, input %d: autograd %.7g, finite differences %.7g (rel. error %.2g)", c.name, i, ad, fd, e)
			} else {
				t.Logf("%s, input %d: autograd %.7g, finite differences %.7g", c.name, i, ad, fd)
			}
		}
	}
}

func clone2(x [][]float64) [][]float64 {
	out := make([][]float64, len(x))
	for i := range x {
		out[i] = append([]float64(nil), x[i]...)
	}
	return out
}

func prodInts(s []int) int {
	p := 1
	for _, d := range s {
		p *= d
	}
	return p
}
