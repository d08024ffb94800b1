package tensor

import (
	"fmt"
	"slices"
)

// Sorting composed from comparisons: each element's rank is the number of
// elements that go before it, and the sorted values are picked by rank
// with Where. That compares every pair along the axis, O(n²) work and
// memory per row for an axis of size n: fine for the vocabulary-sized rows
// of top-k sampling, not for long arrays (a sorting kernel is a later
// step). NaN has no defined place in the order.

// Sort returns t sorted along axis, ascending or descending, stably
// (equal elements keep their order). The gradient flows back to the
// position each value came from.
func (t *Tensor) Sort(axis int, descending bool) *Tensor {
	v, _ := t.sort("Sort", axis, descending, true)
	return v
}

// ArgSort returns the positions (Int32) that sort t along axis,
// stably, ascending or descending: t.Gather(axis, t.ArgSort(axis, d))
// equals t.Sort(axis, d).
func (t *Tensor) ArgSort(axis int, descending bool) *Tensor {
	_, idx := t.sort("ArgSort", axis, descending, false)
	return idx
}

// TopK returns the k largest elements along axis in descending order and
// their positions (Int32), ties taken in order of position (as a stable
// descending sort). k must lie in [0, size of axis].
func (t *Tensor) TopK(k, axis int) (values, indices *Tensor) {
	ax := t.axis("TopK", axis)
	if k < 0 || k > t.shape[ax] {
		shapePanic("TopK", fmt.Sprintf("k = %d is outside [0, %d]", k, t.shape[ax]), t.shape)
	}
	v, idx := t.sort("TopK", ax, true, true)
	return v.Narrow(ax, 0, k), idx.Narrow(ax, 0, k)
}

// sort returns the sorted values (when values is set) and the sorting
// positions along axis.
func (t *Tensor) sort(name string, axis int, descending, values bool) (*Tensor, *Tensor) {
	ax := t.axis(name, axis)
	n := t.shape[ax]
	if n <= 1 {
		idx := t.st.dev.fullOf(resultScope(t), Int32, 0, slices.Clone(t.shape))
		return t.Contiguous(), idx
	}
	x := t.Transpose(ax, -1) // the axis last
	xi, xj := x.Unsqueeze(-1), x.Unsqueeze(-2)
	before := xj.Lt(xi)
	if descending {
		before = xj.Gt(xi)
	}
	sc := resultScope(t)
	lower := make([]float32, n*n) // j < i: an equal element earlier in the row
	for i := range n {
		for j := range i {
			lower[i*n+j] = 1
		}
	}
	ties := xj.Eq(xi).Mul(t.st.dev.fromSlice(sc, lower, []int{n, n}))
	rank := before.Detach().Add(ties.Detach()).Sum(-1) // [..., n]: where element i goes
	positions := t.st.dev.arange(sc, 0, float64(n), 1)
	at := rank.Unsqueeze(-1).Eq(positions) // [..., i, p]: element i goes to p
	zero := scalarLike(t, 0)
	idx := Where(at, positions.Unsqueeze(-1), zero).Sum(-2).Transpose(ax, -1).AsType(Int32) // exact: n ≤ 2^24 is far beyond the O(n²) memory
	if !values {
		return nil, idx
	}
	// One nonzero term per output: the sum is exact.
	v := Where(at, xi, zero).Sum(-2).Transpose(ax, -1)
	return v, idx
}
