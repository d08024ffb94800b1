package tensor

import (
	"slices"
	"testing"
)

// sharesStorage reports whether u is a view of t's storage.
func sharesStorage(t, u *Tensor) bool { return t.st == u.st }

// TestViewsRandom checks every view op against the reference on random
// layouts, and that each one shares its source's storage.
func TestViewsRandom(t *testing.T) {
	r := newRand(40)
	for it := range iters(150) {
		shape := randShape(r, 1, 4)
		x, a, lay := randTensor(r, shape, vNormal)
		rank := len(shape)
		what := func(op string) string { return caseName("%s #%d %v (%v)", op, it, shape, lay) }
		view := func(op string, got *Tensor, want *nd) {
			t.Helper()
			checkULP(t, what(op), got, want, 0)
			if !sharesStorage(x, got) {
				t.Errorf("%s: result does not share the source's storage", what(op))
			}
		}
		p := r.Perm(rank)
		view("Permute", x.Permute(p...), refPermute(a, p))
		i, j := r.IntN(rank), r.IntN(rank)
		q := make([]int, rank)
		for k := range q {
			q[k] = k
		}
		q[i], q[j] = q[j], q[i]
		view("Transpose", x.Transpose(i, j-rank*r.IntN(2)), refPermute(a, q))
		rev := slices.Clone(q)
		for k := range rev {
			rev[k] = rank - 1 - k
		}
		view("T", x.T(), refPermute(a, rev))

		ax := r.IntN(rank)
		n := shape[ax]
		start, stop, step := r.IntN(2*n+3)-n-1, r.IntN(2*n+3)-n-1, 1+r.IntN(3)
		view(caseName("Slice(%d, %d, %d, %d)", ax, start, stop, step), x.Slice(ax, start, stop, step), refSlice(a, ax, start, stop, step))
		if n > 0 {
			s := r.IntN(n)
			l := r.IntN(n - s + 1)
			view("Narrow", x.Narrow(ax, s, l), refSlice(a, ax, s, s+l, 1))
			k := r.IntN(2*n) - n
			view(caseName("Index(%d, %d)", ax, k), x.Index(ax, k), refIndex(a, ax, k))
		}

		// BroadcastTo / Expand: prepend an axis and grow size-1 axes.
		bs := append([]int{2}, shape...)
		for k := range shape {
			if shape[k] == 1 && r.IntN(2) == 0 {
				bs[k+1] = 3
			}
		}
		view("BroadcastTo", x.BroadcastTo(bs...), refBroadcastTo(a, bs))
		es := slices.Clone(bs)
		for k := range shape {
			if es[k+1] == shape[k] && r.IntN(2) == 0 {
				es[k+1] = -1
			}
		}
		view(caseName("Expand%v", es), x.Expand(es...), refBroadcastTo(a, bs))

		u := r.IntN(rank + 1)
		us := slices.Insert(slices.Clone(shape), u, 1)
		view("Unsqueeze", x.Unsqueeze(u-(rank+1)*r.IntN(2)), refReshape(a, us...))
		var sq []int
		for _, d := range shape {
			if d != 1 {
				sq = append(sq, d)
			}
		}
		view("Squeeze()", x.Squeeze(), refReshape(a, sq...))
		view("Squeeze(u)", x.Unsqueeze(u).Squeeze(u), a)

		// Reshape, Flatten, Contiguous, Clone: values always right; a view
		// whenever the source is contiguous.
		rs := randReshapeTarget(r, shape)
		got := x.Reshape(rs...)
		checkULP(t, what(caseName("Reshape%v", rs)), got, refReshape(a, inferShape(rs, len(a.data))...), 0)
		checkULP(t, what("Flatten"), x.Flatten(), refReshape(a, len(a.data)), 0)
		c := x.Contiguous()
		checkULP(t, what("Contiguous"), c, a, 0)
		if !c.IsContiguous() {
			t.Errorf("%s: Contiguous is not contiguous: strides %v", what("Contiguous"), c.Strides())
		}
		if x.IsContiguous() != (c == x) {
			t.Errorf("%s: IsContiguous %v but Contiguous returned a %v", what("Contiguous"), x.IsContiguous(), map[bool]string{true: "itself", false: "copy"}[c == x])
		}
		if cr := c.Reshape(rs...); !sharesStorage(c, cr) {
			t.Errorf("%s: Reshape%v of a contiguous tensor copied", what("Reshape"), rs)
		}
		cl := x.Clone()
		checkULP(t, what("Clone"), cl, a, 0)
		if sharesStorage(x, cl) || !cl.IsContiguous() {
			t.Errorf("%s: Clone shares storage or is not contiguous", what("Clone"))
		}
	}
}

// randReshapeTarget returns a shape with the same number of elements as
// shape, possibly with one -1.
func randReshapeTarget(r interface{ IntN(int) int }, shape []int) []int {
	n := refProd(shape)
	var out []int
	if n == 0 {
		out = []int{0, 1 + r.IntN(3)}
		if r.IntN(2) == 0 {
			out = append(out, 1)
		}
		return out
	}
	for n > 1 {
		// Peel off a small divisor.
		d := n
		for _, p := range []int{2, 3, 5, 7} {
			if n%p == 0 && r.IntN(2) == 0 {
				d = p
				break
			}
		}
		out = append(out, d)
		n /= d
		if r.IntN(4) == 0 {
			out = append(out, 1)
		}
	}
	if len(out) == 0 {
		out = []int{1}
	}
	if r.IntN(3) == 0 {
		out[r.IntN(len(out))] = -1
	}
	return out
}

// inferShape replaces a -1 in shape by what size requires.
func inferShape(shape []int, size int) []int {
	out := slices.Clone(shape)
	known := 1
	at := -1
	for i, d := range out {
		if d == -1 {
			at = i
		} else {
			known *= d
		}
	}
	if at >= 0 {
		out[at] = size / known
	}
	return out
}

// TestReshapeViewOrCopy checks when Reshape must be a view and when it
// must copy.
func TestReshapeViewOrCopy(t *testing.T) {
	base := Arange(0, 24, 1)
	x := base.Reshape(2, 3, 4)
	if !sharesStorage(x, base) || !slices.Equal(x.Strides(), []int{12, 4, 1}) {
		t.Errorf("Reshape of contiguous: strides %v, shares %v", x.Strides(), sharesStorage(x, base))
	}
	cases := []struct {
		name    string
		src     *Tensor
		shape   []int
		view    bool
		strides []int // when a view
	}{
		{"split contiguous", x, []int{6, 4}, true, []int{4, 1}},
		{"transposed flatten", x.Index(0, 1).T(), []int{12}, false, nil},
		{"transposed matrix", Arange(0, 6, 1).Reshape(2, 3).T(), []int{2, 3}, false, nil},
		{"transposed same shape", Arange(0, 6, 1).Reshape(2, 3).T(), []int{3, 2}, true, []int{1, 3}},
		{"transposed add unit axes", Arange(0, 6, 1).Reshape(2, 3).T(), []int{1, 3, 1, 2}, true, []int{0, 1, 0, 3}},
		{"split stepped axis", Arange(0, 16, 1).Slice(0, 0, 16, 2), []int{2, 4}, true, []int{8, 2}},
		{"merge stepped rows", x.Slice(2, 0, 4, 2), []int{6, 2}, true, nil},
		{"merge across a gap", x.Slice(2, 0, 3, 1), []int{18}, false, nil},
		{"merge kept rows", x.Slice(1, 1, 3, 1), []int{2, 8}, true, []int{12, 1}},
		{"split permuted", x.Permute(2, 0, 1), []int{2, 2, 2, 3}, true, []int{2, 1, 12, 4}},
		{"broadcast merge", Arange(0, 3, 1).BroadcastTo(2, 3), []int{6}, false, nil},
		{"broadcast split", Arange(0, 3, 1).BroadcastTo(4, 3), []int{2, 2, 3}, true, []int{0, 0, 1}},
		{"empty", Zeros(0, 3).T(), []int{2, 0}, true, nil},
	}
	for _, c := range cases {
		want := refReshape(toND(c.src.Contiguous()), c.shape...)
		got := c.src.Reshape(c.shape...)
		checkULP(t, c.name, got, want, 0)
		if sharesStorage(c.src, got) != c.view {
			t.Errorf("%s: Reshape%v of strides %v: view=%v, want %v", c.name, c.shape, c.src.Strides(), sharesStorage(c.src, got), c.view)
		}
		if c.view && got.offset != c.src.offset {
			t.Errorf("%s: view offset %d, source %d", c.name, got.offset, c.src.offset)
		}
		if c.strides != nil && !slices.Equal(got.Strides(), c.strides) {
			t.Errorf("%s: strides %v, want %v", c.name, got.Strides(), c.strides)
		}
	}
}

// TestEmptyViews covers views of size-0 tensors, whose offsets must stay
// inside the (one-element) buffer for the backend to accept them.
func TestEmptyViews(t *testing.T) {
	z := Zeros(0, 5, 4)
	for name, v := range map[string]*Tensor{
		"Index":  z.Index(2, 3),
		"Slice":  z.Slice(1, 2, 5, 1),
		"Narrow": z.Narrow(2, 1, 3),
		"Both":   z.Transpose(0, 2).Index(0, 3).Slice(0, 1, 4, 2),
	} {
		if v.Size() != 0 {
			t.Errorf("%s: size %d", name, v.Size())
		}
		for _, got := range []*Tensor{v.Exp(), v.Add(v), v.Sum(-1), v.Clone(), v.Contiguous(), v.Reshape(-1)} {
			readData(t, got)
		}
		m := v.Mean(0)
		for _, x := range readData(t, m) {
			if x == x {
				t.Errorf("%s: Mean over an empty axis gave %v, want NaN", name, x)
			}
		}
	}
}

func TestViewErrors(t *testing.T) {
	x := Zeros(2, 3)
	expectShapeError(t, "Reshape size", func() { x.Reshape(4, 2) }, "Reshape", "[2 3]", "[4 2]", "6 elements vs 8")
	expectShapeError(t, "Reshape infer", func() { x.Reshape(-1, 4) }, "Reshape", "[2 3]", "do not divide")
	expectShapeError(t, "Reshape two -1", func() { x.Reshape(-1, -1) }, "Reshape", "bad dimension")
	expectShapeError(t, "Reshape -2", func() { x.Reshape(-2, -3) }, "Reshape", "bad dimension -2")
	expectShapeError(t, "Permute count", func() { x.Permute(0) }, "Permute", "[2 3]", "needs 2 axes")
	expectShapeError(t, "Permute repeat", func() { x.Permute(1, -1) }, "Permute", "repeated")
	expectShapeError(t, "Permute axis", func() { x.Permute(0, 2) }, "Permute", "axis 2")
	expectShapeError(t, "Transpose axis", func() { x.Transpose(0, -3) }, "Transpose", "axis -3")
	expectShapeError(t, "Slice step", func() { x.Slice(0, 0, 2, 0) }, "Slice", "step 0")
	expectShapeError(t, "Slice axis", func() { x.Slice(2, 0, 1, 1) }, "Slice", "[2 3]", "axis 2")
	expectShapeError(t, "Narrow range", func() { x.Narrow(1, 2, 2) }, "Narrow", "[2 3]", "[2, 4)", "axis 1")
	expectShapeError(t, "Index range", func() { x.Index(0, 2) }, "Index", "[2 3]", "index 2", "axis 0")
	expectShapeError(t, "Index negative", func() { x.Index(1, -4) }, "Index", "index -4")
	expectShapeError(t, "BroadcastTo", func() { x.BroadcastTo(4, 3, 2) }, "BroadcastTo", "[2 3]", "[4 3 2]", "axis -2 is 2 vs 3")
	expectShapeError(t, "BroadcastTo rank", func() { x.BroadcastTo(3) }, "BroadcastTo", "more axes")
	expectShapeError(t, "BroadcastTo negative", func() { x.BroadcastTo(-1, 3) }, "BroadcastTo", "negative")
	expectShapeError(t, "Expand leading -1", func() { x.Expand(-1, 2, 3) }, "negative")
	expectShapeError(t, "Squeeze", func() { x.Squeeze(0) }, "Squeeze", "[2 3]", "size 2")
	expectShapeError(t, "Unsqueeze", func() { x.Unsqueeze(3) }, "Unsqueeze", "axis 3")
	expectShapeError(t, "Dim", func() { x.Dim(2) }, "Dim", "axis 2")
	expectShapeError(t, "Sum axis", func() { x.Sum(2) }, "Sum", "[2 3]", "axis 2")
	expectShapeError(t, "ArgMax axis", func() { x.ArgMax(-3) }, "ArgMax", "axis -3")
	expectShapeError(t, "Item", func() { _, _ = x.Item() }, "Item", "6 elements")
}

// TestAddErrorMessage pins the exact message of the canonical broadcast
// error.
func TestAddErrorMessage(t *testing.T) {
	se := expectShapeError(t, "Add", func() { Zeros(2, 3).Add(Zeros(4)) })
	if se != nil {
		if got, want := se.Error(), "Add: shapes [2 3] and [4] do not broadcast: axis -1 is 3 vs 4"; got != want {
			t.Errorf("message %q, want %q", got, want)
		}
		if se.Op != "Add" || !slices.Equal(se.Shapes[0], []int{2, 3}) || !slices.Equal(se.Shapes[1], []int{4}) {
			t.Errorf("fields %+v", se)
		}
	}
	for name, f := range map[string]func(){
		"Sub":     func() { Zeros(2, 3).Sub(Zeros(2)) },
		"Mul":     func() { Zeros(5, 1, 3).Mul(Zeros(2, 4)) },
		"Maximum": func() { Zeros(3).Maximum(Zeros(0)) },
		"Ge":      func() { Zeros(3, 2).Ge(Zeros(3)) },
		"Where":   func() { Where(Zeros(2), Zeros(3), Zeros(1)) },
	} {
		expectShapeError(t, name, f, name+": shapes", "do not broadcast: axis")
	}
}
