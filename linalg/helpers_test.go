package linalg_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
)

// m64 is a float64 row-major matrix for the references of the tests.
type m64 struct {
	r, c int
	d    []float64
}

func (a m64) at(i, j int) float64 { return a.d[i*a.c+j] }

func mul(a, b m64) m64 {
	c := m64{a.r, b.c, make([]float64, a.r*b.c)}
	for i := range a.r {
		for k := range a.c {
			aik := a.d[i*a.c+k]
			for j := range b.c {
				c.d[i*b.c+j] += aik * b.d[k*b.c+j]
			}
		}
	}
	return c
}

func tr(a m64) m64 {
	t := m64{a.c, a.r, make([]float64, len(a.d))}
	for i := range a.r {
		for j := range a.c {
			t.d[j*a.r+i] = a.d[i*a.c+j]
		}
	}
	return t
}

func sub(a, b m64) m64 {
	c := m64{a.r, a.c, make([]float64, len(a.d))}
	for i := range a.d {
		c.d[i] = a.d[i] - b.d[i]
	}
	return c
}

func eye(n int) m64 {
	e := m64{n, n, make([]float64, n*n)}
	for i := range n {
		e.d[i*n+i] = 1
	}
	return e
}

func fro(a m64) float64 {
	var s float64
	for _, v := range a.d {
		s += v * v
	}
	return math.Sqrt(s)
}

func maxAbs(a m64) float64 {
	var s float64
	for _, v := range a.d {
		s = max(s, math.Abs(v))
	}
	return s
}

// ratio is x/y, or x when y is 0.
func ratio(x, y float64) float64 {
	if y == 0 {
		return x
	}
	return x / y
}

// mats splits the host data of t ([*, r, c]) into its matrices.
func mats(t testing.TB, x *tensor.Tensor) []m64 {
	t.Helper()
	d, err := x.Data()
	if err != nil {
		t.Fatalf("Data: %v", err)
	}
	sh := x.Shape()
	r, c := sh[len(sh)-2], sh[len(sh)-1]
	count := 1
	for _, n := range sh[:len(sh)-2] {
		count *= n
	}
	out := make([]m64, count)
	for i := range out {
		out[i] = m64{r, c, make([]float64, r*c)}
		for j := range out[i].d {
			out[i].d[j] = float64(d[i*r*c+j])
		}
	}
	return out
}

// vecs splits the host data of t ([*, n]) into its vectors.
func vecs(t testing.TB, x *tensor.Tensor) [][]float64 {
	t.Helper()
	d, err := x.Data()
	if err != nil {
		t.Fatalf("Data: %v", err)
	}
	n := x.Shape()[x.Rank()-1]
	var out [][]float64
	for i := 0; i+n <= len(d) && n > 0; i += n {
		v := make([]float64, n)
		for j := range v {
			v[j] = float64(d[i+j])
		}
		out = append(out, v)
	}
	return out
}

type gen struct {
	rng *rand.Rand
	b   backend.Backend
}

func newGen(b backend.Backend, seed uint64) gen {
	return gen{rand.New(rand.NewPCG(seed, 77)), b}
}

// normal returns a tensor of N(0, 1) elements.
func (g gen) normal(shape ...int) *tensor.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(g.rng.NormFloat64())
	}
	return tensor.On(g.b).FromSlice(x, shape...)
}

// wellConditioned returns a batch of n×n matrices G/√n + 3I: singular
// values within [2, 4] with high probability.
func (g gen) wellConditioned(batch int, n int) *tensor.Tensor {
	x := make([]float32, batch*n*n)
	for b := range batch {
		for i := range n {
			for j := range n {
				v := g.rng.NormFloat64() / math.Sqrt(float64(n))
				if i == j {
					v += 3
				}
				x[b*n*n+i*n+j] = float32(v)
			}
		}
	}
	return tensor.On(g.b).FromSlice(x, batch, n, n)
}

// spd returns a batch of symmetric positive-definite n×n matrices
// G·Gᵀ/n + I.
func (g gen) spd(batch, n int) *tensor.Tensor {
	x := make([]float32, batch*n*n)
	for b := range batch {
		gm := m64{n, n, make([]float64, n*n)}
		for i := range gm.d {
			gm.d[i] = g.rng.NormFloat64()
		}
		s := mul(gm, tr(gm))
		for i := range n {
			for j := range n {
				v := s.at(i, j) / float64(n)
				if i == j {
					v++
				}
				x[b*n*n+i*n+j] = float32(v)
			}
		}
		// Exact symmetry in float32.
		for i := range n {
			for j := range i {
				x[b*n*n+j*n+i] = x[b*n*n+i*n+j]
			}
		}
	}
	return tensor.On(g.b).FromSlice(x, batch, n, n)
}

// symmetric returns a batch of symmetric n×n matrices with N(0, 1) entries.
func (g gen) symmetric(batch, n int) *tensor.Tensor {
	x := make([]float32, batch*n*n)
	for b := range batch {
		for i := range n {
			for j := 0; j <= i; j++ {
				v := float32(g.rng.NormFloat64())
				x[b*n*n+i*n+j], x[b*n*n+j*n+i] = v, v
			}
		}
	}
	return tensor.On(g.b).FromSlice(x, batch, n, n)
}

// mustPanicShape runs f and fails unless it panics with a *tensor.ShapeError.
func mustPanicShape(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if _, ok := r.(*tensor.ShapeError); !ok {
			t.Errorf("%s: panic %v (%T), want *tensor.ShapeError", what, r, r)
		}
	}()
	f()
}

func onBackend(b backend.Backend, x []float32, shape ...int) *tensor.Tensor {
	return tensor.On(b).FromSlice(x, shape...)
}
