package tensor

import (
	"slices"
	"sort"
	"testing"
)

// refSort sorts a along axis stably; it returns the values and positions.
func refSort(a *nd, axis int, desc bool) (*nd, *nd) {
	vals, idx := ndZeros(a.shape...), ndZeros(a.shape...)
	forEachIndex(a.shape, func(at []int) {
		if at[axis] != 0 {
			return
		}
		n := a.shape[axis]
		pos := make([]int, n)
		row := make([]float64, n)
		j := slices.Clone(at)
		for k := range n {
			j[axis] = k
			pos[k], row[k] = k, a.at(j)
		}
		sort.SliceStable(pos, func(p, q int) bool {
			if desc {
				return row[pos[p]] > row[pos[q]]
			}
			return row[pos[p]] < row[pos[q]]
		})
		for k, p := range pos {
			j[axis] = k
			vals.set(j, row[p])
			idx.set(j, float64(p))
		}
	})
	return vals, idx
}

func TestSort(t *testing.T) {
	r := newRand(45)
	for it := range iters(40) {
		shape := randShape(r, 1, 3)
		// Small integers give many ties, so stability is tested.
		x, a, lay := randTensor(r, shape, []valKind{vNormal, vInts}[r.IntN(2)])
		ax := r.IntN(len(shape))
		if shape[ax] > 64 {
			continue // O(n²): keep the test short
		}
		for _, desc := range []bool{false, true} {
			what := caseName("#%d %v %s axis %d descending %v", it, shape, lay, ax, desc)
			wv, wi := refSort(a, ax, desc)
			checkULP(t, "Sort "+what, x.Sort(ax, desc), wv, 0)
			checkULP(t, "ArgSort "+what, x.ArgSort(ax, desc), wi, 0)
			if desc {
				k := r.IntN(shape[ax] + 1)
				v, i := x.TopK(k, ax)
				checkULP(t, caseName("TopK %d %s", k, what), v, refSlice(wv, ax, 0, k, 1), 0)
				checkULP(t, caseName("TopK %d indices %s", k, what), i, refSlice(wi, ax, 0, k, 1), 0)
			}
		}
	}
	x := CPU().FromSlice([]float32{3, 1, 2})
	expectShapeError(t, "TopK", func() { x.TopK(4, 0) }, "TopK", "outside [0, 3]")
	inf := inf32
	if got := readData(t, CPU().FromSlice([]float32{inf, -inf, 0, 5}).Sort(0, false)); !slices.Equal(got, []float32{-inf, 0, 5, inf}) {
		t.Errorf("Sort with infinities: %v", got)
	}
}

func TestGradSort(t *testing.T) {
	cases := []agCase{
		{name: "Sort", shapes: [][]int{{3, 5}}, gen: agDistinct, f: func(x []*Tensor) *Tensor { return x[0].Sort(1, false).Square() }},
		{name: "SortDesc0", shapes: [][]int{{4, 3}}, gen: agDistinct, f: func(x []*Tensor) *Tensor { return x[0].Sort(0, true).Exp() }},
		{name: "TopK", shapes: [][]int{{2, 6}}, gen: agDistinct, f: func(x []*Tensor) *Tensor { v, _ := x[0].TopK(3, 1); return v.Square() }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) { agCheck(t, uint64(950+i), c) })
	}
}
