package tensor

import (
	"fmt"
	"slices"

	"github.com/vktensor/vktensor/tensor/backend"
)

// Seeded sampling composed from Uniform draws and comparisons: like
// Uniform and Normal, the same RNG state and the same calls give the same
// tensors on every backend. Randint, Permutation and Multinomial return
// Int32 tensors (Bernoulli returns Float32 zeros and ones); none records a
// gradient.

// Randint returns integers drawn uniformly from [lo, hi) with the given
// shape: a uniform u in [0, 1) becomes the count of the thresholds
// k/(hi−lo), k = 1 … hi−lo−1, that it reaches. That takes O(hi−lo) work
// and memory per element, fine for the class counts and vocabulary sizes
// it is meant for. hi−lo must be positive and at most 2²⁴.
func (d *Device) Randint(r *RNG, lo, hi int, shape ...int) *Tensor {
	return d.randint(nil, r, lo, hi, shape)
}

// Randint is Device.Randint with the result in s.
func (s *Scope) Randint(r *RNG, lo, hi int, shape ...int) *Tensor {
	return s.dev.randint(s, r, lo, hi, shape)
}

// Randint is Default().Randint.
func Randint(r *RNG, lo, hi int, shape ...int) *Tensor { return Default().Randint(r, lo, hi, shape...) }

func (d *Device) randint(sc *Scope, r *RNG, lo, hi int, shape []int) *Tensor {
	n := hi - lo
	if n <= 0 || n > 1<<24 {
		shapePanic("Randint", fmt.Sprintf("range [%d, %d) is empty or wider than 2^24", lo, hi), shape)
	}
	u := d.random(sc, "Randint", r, backend.Uniform, 0, 1, shape)
	if n == 1 || u.Size() == 0 {
		return u.MulScalar(0).AddScalar(float32(lo)).AsType(Int32)
	}
	th := make([]float32, n-1)
	for k := range th {
		th[k] = float32(float64(k+1) / float64(n))
	}
	return u.Unsqueeze(-1).Ge(d.fromSlice(sc, th, []int{n - 1})).Sum(-1).AddScalar(float32(lo)).AsType(Int32)
}

// Permutation returns a random permutation of 0 … n−1: the ranks of n
// uniform draws, ties broken by position, so the result is always a
// permutation. It compares every pair, O(n²) work and memory.
func (d *Device) Permutation(r *RNG, n int) *Tensor { return d.permutation(nil, r, n) }

// Permutation is Device.Permutation with the result in s.
func (s *Scope) Permutation(r *RNG, n int) *Tensor { return s.dev.permutation(s, r, n) }

// Permutation is Default().Permutation.
func Permutation(r *RNG, n int) *Tensor { return Default().Permutation(r, n) }

func (d *Device) permutation(sc *Scope, r *RNG, n int) *Tensor {
	if n < 0 {
		shapePanic("Permutation", fmt.Sprintf("length %d is negative", n))
	}
	u := d.random(sc, "Permutation", r, backend.Uniform, 0, 1, []int{n})
	if n <= 1 {
		return u.MulScalar(0).AsType(Int32)
	}
	ui, uj := u.Unsqueeze(1), u.Unsqueeze(0) // [n 1] and [1 n]
	// rank_i = #{j : u_j < u_i} + #{j < i : u_j = u_i}.
	lowerStrict := make([]float32, n*n)
	for i := range n {
		for j := range i {
			lowerStrict[i*n+j] = 1
		}
	}
	tie := ui.Eq(uj).Mul(d.fromSlice(sc, lowerStrict, []int{n, n}))
	return uj.Lt(ui).Add(tie).Sum(1).AsType(Int32)
}

// Bernoulli returns 1 with probability p and 0 otherwise, elementwise, on
// p's device and in p's scope; p's values are clamped to [0, 1] in effect
// (a draw u in [0, 1) gives 1 where u < p).
func Bernoulli(r *RNG, p *Tensor) *Tensor {
	u := p.st.dev.random(p.sc.open(), "Bernoulli", r, backend.Uniform, 0, 1, slices.Clone(p.shape))
	return u.Lt(p.Detach())
}

// Multinomial draws n category indices with replacement from each row of
// weights (the last axis, K categories): category k comes with
// probability weights[k]/Σ weights. weights must be nonnegative, finite
// and not all 0 in a row (those rows give unspecified indices); they need
// not sum to 1. The result has weights' shape with the last axis replaced
// by n. A draw u·Σ weights is compared with the running sums (Cumsum), so
// the work is O(n·K) per row.
func Multinomial(r *RNG, weights *Tensor, n int) *Tensor {
	const name = "Multinomial"
	if len(weights.shape) == 0 {
		shapePanic(name, "weights need a category axis", weights.shape)
	}
	if n < 0 {
		shapePanic(name, fmt.Sprintf("sample count %d is negative", n), weights.shape)
	}
	k := weights.shape[len(weights.shape)-1]
	if k == 0 {
		shapePanic(name, "no categories", weights.shape)
	}
	w := weights.Detach()
	cdf := w.Cumsum(-1)                  // [..., K]
	total := cdf.Narrow(-1, k-1, 1)      // [..., 1]
	shape := slices.Clone(weights.shape) // [..., n]
	shape[len(shape)-1] = n
	u := weights.st.dev.random(weights.sc.open(), name, r, backend.Uniform, 0, 1, shape).Mul(total)
	if k == 1 || n == 0 {
		return u.MulScalar(0).AsType(Int32)
	}
	// Index = number of running sums (all but the last) that u reaches.
	edges := cdf.Narrow(-1, 0, k-1).Unsqueeze(-2) // [..., 1, K−1]
	return u.Unsqueeze(-1).Ge(edges).Sum(-1).AsType(Int32)
}
